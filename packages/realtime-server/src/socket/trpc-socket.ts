import type { IncomingMessage } from "node:http";
import {
  AppError,
  appRouter,
  authenticate,
  createContext,
  type Deps,
  type Logger,
  SubscriptionSlots,
} from "@parley/api";
import { TRPCError } from "@trpc/server";
import type { WebSocket, WebSocketServer } from "ws";
import type { RealtimeEnv } from "../env";
import { SocketWire, wireEncoder } from "../wire-encoder";
import type { Backpressure } from "./backpressure";
import { CallGate } from "./call-gate";
import type { Connection, Connections } from "./connections";
import type { Drain } from "./drain";
import type { FrameWriter } from "./frame-writer";
import type { SessionWatch } from "./session-watch";
import type { ReportError } from "./subscriptions";
import { isProtocolError } from "./upgrade";

export interface TrpcSocketParts {
  deps: Deps;
  log: Logger;
  wss: WebSocketServer;
  settings: Pick<RealtimeEnv, "WS_MAX_SUBSCRIPTIONS">;
  connections: Connections;
  sessions: SessionWatch;
  backpressure: Backpressure;
  /** Where live room messages are written as pre-encoded frames (see `SocketWire`). */
  frames: FrameWriter;
  /** The process's calls in flight, answered before a shutdown closes the sockets. */
  drain: Drain;
}

/**
 * tRPC over WebSocket (`/trpc`): tRPC's own adapter for queries and mutations, with Parley's wire
 * encoder and a context per socket (the keep-alive is socket/heartbeat's); subscriptions, on the
 * same wire protocol, are run by the socket's `SocketSubscriptions` (see socket/subscriptions). The token comes from `connectionParams` or else the upgrade request; a bad
 * one fails the connection, and a signed-in socket counts toward its account's cap and is watched
 * for the end of its session. Returns what to call with each adopted socket.
 */
export async function trpcSockets({
  deps,
  log,
  wss,
  settings,
  connections,
  sessions,
  backpressure,
  frames,
  drain,
}: TrpcSocketParts): Promise<(connection: Connection, req: IncomingMessage) => void> {
  // Imported at run time, so that this ESM module and tRPC share one copy of @trpc/server.
  const { getWSConnectionHandler } = await import("@trpc/server/adapters/ws");
  type HandlerOptions = Parameters<typeof getWSConnectionHandler>[0];
  // One handler per socket (tRPC's handler factory only reads its options), each with the socket's
  // own CallGate as its encoder: the cap, the pace and the drain count every call, not every frame.
  // The options are the process's, inherited, not copied per socket.
  // Each socket's gate, for its context (handed to the gate's subscriptions) and its close.
  const gates = new WeakMap<WebSocket, CallGate>();
  connections.onClose(({ ws }) => gates.get(ws)?.subscriptions.closed());
  const report: ReportError = (error, path) => {
    // A frame too big or not UTF-8 reaches here as an internal error too: it is the client's
    // mistake, already logged (at info, without a stack) by the socket's own error listener.
    if (error.code === "INTERNAL_SERVER_ERROR" && !isProtocolError(error.cause)) {
      log.error({ err: error, path }, "websocket procedure failed");
    }
  };
  const onConnection = ({ ws, charge }: Connection, req: IncomingMessage) => {
    const own: Pick<HandlerOptions, "experimental_encoder"> = Object.create(options);
    const gate = new CallGate(ws, { encoder: wireEncoder, charge, drain, report });
    gates.set(ws, gate);
    own.experimental_encoder = gate;
    getWSConnectionHandler(own as HandlerOptions)(ws, req);
  };
  // The context of a socket's calls: a bad token fails the connection itself (a client must not
  // believe it is signed in); a signed-in socket counts toward its account's cap and is watched.
  const socketContext = async (ws: WebSocket, connectionParams: Record<string, string | undefined> | null) => {
    const fromParams = connectionParams?.token;
    const connection = connections.of(ws);
    const token = (typeof fromParams === "string" && fromParams) || connection?.upgradeToken || null;
    if (connection) connection.upgradeToken = null; // the context holds it from here on
    if (token && connection) {
      connection.actor = await authenticate(deps, token).catch((error: unknown) => {
        if (error instanceof AppError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
        throw error;
      });
      if (!connections.countUser(connection, connection.actor)) {
        throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: connections.tooManyForUser });
      }
      sessions.watch(connection, connection.actor);
    }
    return createContext(deps, token, {
      clientAddress: connection?.address ?? null,
      connection: new SocketSlots(ws, settings.WS_MAX_SUBSCRIPTIONS, backpressure, frames, deps.metrics),
    });
  };
  const options: Omit<HandlerOptions, "experimental_encoder"> = {
    wss,
    router: appRouter,
    // The keep-alive is the process's (socket/heartbeat), not one pair of timers per socket.
    keepAlive: { enabled: false },
    createContext({ res: ws, info }) {
      const context = socketContext(ws, info.connectionParams);
      const gate = gates.get(ws);
      if (gate) gate.subscriptions.context = context;
      return context;
    },
    onError({ error, path }) {
      report(error, path);
    },
  };
  return onConnection;
}

/** A socket's subscription slots, and the wires its room streams write their frames to. */
class SocketSlots extends SubscriptionSlots {
  constructor(
    private readonly ws: WebSocket,
    max: number,
    private readonly backpressure: Backpressure,
    private readonly frames: FrameWriter,
    private readonly metrics: Deps["metrics"],
  ) {
    super(max, metrics.subscriptions);
  }

  /** Undefined for a socket the frame writer was not told of (its stream is unknown). */
  openWire(): SocketWire | undefined {
    const { ws, backpressure } = this;
    const sink = this.frames.sinkFor(ws);
    return sink && new SocketWire(sink, () => backpressure.admit(ws), this.metrics.deliveries);
  }
}
