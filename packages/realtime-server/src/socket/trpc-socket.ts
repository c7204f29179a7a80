import type { IncomingMessage } from "node:http";
import {
  AppError,
  appRouter,
  authenticate,
  createContext,
  type Deps,
  type Logger,
  subscriptionSlots,
} from "@parley/api";
import { TRPCError } from "@trpc/server";
import type { WebSocketServer } from "ws";
import type { RealtimeEnv } from "../env";
import { SocketWire, wireEncoder } from "../wire-encoder";
import type { Backpressure } from "./backpressure";
import { CallGate } from "./call-gate";
import type { Connection, Connections } from "./connections";
import type { Drain } from "./drain";
import type { FrameWriter } from "./frame-writer";
import type { SessionWatch } from "./session-watch";
import { isProtocolError, tokenFromUpgrade } from "./upgrade";

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
 * tRPC over WebSocket (`/trpc`): tRPC's own adapter, with Parley's wire encoder, a keep-alive, and
 * a context per socket. The token comes from `connectionParams` or else the upgrade request; a bad
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
  const onConnection = ({ ws, charge }: Connection, req: IncomingMessage) =>
    getWSConnectionHandler({
      ...options,
      experimental_encoder: new CallGate(ws, { encoder: wireEncoder, charge, drain }),
    })(ws, req);
  const options: Omit<HandlerOptions, "experimental_encoder"> = {
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    async createContext({ req, res: ws, info }) {
      const fromParams = info.connectionParams?.token;
      const token = (typeof fromParams === "string" && fromParams) || tokenFromUpgrade(req);
      const connection = connections.of(ws);
      if (token && connection) {
        // A bad token fails the connection itself: a client must not believe it is signed in.
        connection.actor = await authenticate(deps, token).catch((error: unknown) => {
          if (error instanceof AppError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
          throw error;
        });
        if (!connections.countUser(connection, connection.actor)) {
          throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: connections.tooManyForUser });
        }
        sessions.watch(connection, connection.actor);
      }
      const slots = subscriptionSlots(settings.WS_MAX_SUBSCRIPTIONS, deps.metrics.subscriptions);
      const sink = frames.sinkFor(ws);
      const openWire = sink && (() => new SocketWire(sink, () => backpressure.admit(ws), deps.metrics.deliveries));
      return createContext(deps, token, {
        clientAddress: connections.of(ws)?.address ?? null,
        connection: { ...slots, ...(openWire ? { openWire } : {}) },
      });
    },
    onError({ error, path }) {
      // A frame too big or not UTF-8 reaches here as an internal error too: it is the client's
      // mistake, already logged (at info, without a stack) by the socket's own error listener.
      if (error.code === "INTERNAL_SERVER_ERROR" && !isProtocolError(error.cause)) {
        log.error({ err: error, path }, "websocket procedure failed");
      }
    },
  };
  return onConnection;
}
