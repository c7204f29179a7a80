import type { Duplex } from "node:stream";
import {
  AppError,
  authenticate,
  type Context,
  createContext,
  type Deps,
  type Logger,
  SubscriptionSlots,
} from "@parley/api";
import { TRPCError } from "@trpc/server";
import { getTRPCErrorFromUnknown } from "@trpc/server/unstable-core-do-not-import";
import type { RawData, WebSocket } from "ws";
import type { RealtimeEnv } from "../env";
import { SocketWire, type WireSocket, wireEncoder } from "../wire-encoder";
import type { Backpressure } from "./backpressure";
import { CallGate } from "./call-gate";
import { type CallSocket, runCall } from "./calls";
import type { Connection, Connections } from "./connections";
import type { Drain } from "./drain";
import type { FrameWriter } from "./frame-writer";
import { type Answer, connectionParamsOf, errorAnswer, type ParsedCall, PING, PONG, sendAnswer } from "./protocol";
import type { SessionWatch } from "./session-watch";
import type { ReportError } from "./subscriptions";

export interface TrpcSocketParts {
  deps: Deps;
  log: Logger;
  settings: Pick<RealtimeEnv, "WS_MAX_SUBSCRIPTIONS">;
  connections: Connections;
  sessions: SessionWatch;
  backpressure: Backpressure;
  /** Where live room messages are written as pre-encoded frames (see `SocketWire`). */
  frames: FrameWriter;
  /** The process's calls in flight, answered before a shutdown closes the sockets. */
  drain: Drain;
}

/** What every tRPC socket of the process shares: how its context is made, and how failures are logged. */
interface SocketsShared {
  /** Makes a socket's context from its connection parameters (null: none were sent). */
  makeContext(connection: Connection, connectionParams: Record<string, string> | null): Promise<Context>;
  report: ReportError;
  drain: Drain;
}

/** Marks a promise's rejection as heard (whoever awaits it later still sees it). */
const ignore = () => {};

/**
 * tRPC over WebSocket (`/trpc`), answered by Parley on tRPC 11's wire protocol (socket/protocol):
 * queries and mutations run by socket/calls, subscriptions by socket/subscriptions, every call
 * through the socket's `CallGate` (its cap per frame, charge, drain). The keep-alive is
 * socket/heartbeat's; "PING" is answered "PONG". The token comes from `connectionParams` (when the
 * upgrade URL says `?connectionParams=1`, the first frame) or else the upgrade request; a bad one
 * fails the connection (`{ id: null, error }`, then a close), as tRPC's adapter did. A signed-in
 * socket counts toward its account's cap and is watched for the end of its session.
 *
 * Returns what to call with each adopted socket, and whether its client sends `connectionParams`.
 * Its frames are heard by one listener shared by every socket.
 */
export function trpcSockets({
  deps,
  log,
  settings,
  connections,
  sessions,
  backpressure,
  frames,
  drain,
}: TrpcSocketParts): (connection: Connection, withConnectionParams: boolean) => void {
  const sockets = new WeakMap<WebSocket, TrpcSocket>();
  connections.onClose(({ ws }) => sockets.get(ws)?.gate.subscriptions.closed());
  // Only our own failures are logged here: a client's mistakes are answered, and the socket's own
  // errors (a frame too big, not UTF-8) are logged by `createRealtime`'s error listener.
  const report: ReportError = (error, path) => {
    if (error.code === "INTERNAL_SERVER_ERROR") log.error({ err: error, path }, "websocket procedure failed");
  };
  // The context of a socket's calls: a bad token fails the connection itself (a client must not
  // believe it is signed in); a signed-in socket counts toward its account's cap and is watched.
  const makeContext = async (connection: Connection, connectionParams: Record<string, string> | null) => {
    const fromParams = connectionParams?.token;
    const token = (typeof fromParams === "string" && fromParams) || connection.upgradeToken || null;
    connection.upgradeToken = null; // the context holds it from here on
    if (token) {
      connection.actor = await authenticate(deps, token).catch((error: unknown) => {
        if (error instanceof AppError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
        throw error;
      });
      if (!connections.countUser(connection, connection.actor)) {
        throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: connections.tooManyForUser });
      }
      sessions.watch(connection, connection.actor);
    }
    const { ws } = connection;
    return createContext(deps, token, {
      clientAddress: connection.address,
      connection: new SocketSlots(ws, settings.WS_MAX_SUBSCRIPTIONS, backpressure, frames, deps.metrics),
    });
  };
  const shared: SocketsShared = { makeContext, report, drain };
  function onMessage(this: WebSocket, data: RawData, isBinary: boolean) {
    sockets.get(this)?.heard(data, isBinary);
  }
  return (connection, withConnectionParams) => {
    const socket = new TrpcSocket(connection, shared);
    sockets.set(connection.ws, socket);
    connection.ws.on("message", onMessage);
    if (!withConnectionParams) socket.open(null);
  };
}

/**
 * One tRPC socket: its gate, its context once made, and what it does with each frame. All that an
 * idle socket holds here; the calls and subscriptions under way hold the rest.
 */
class TrpcSocket implements CallSocket {
  readonly gate: CallGate;
  ctx: Context | undefined = undefined;
  /** The context being made, from the connection on (or from the `connectionParams` frame); null until then. */
  context: Promise<Context> | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly shared: SocketsShared,
  ) {
    const { ws, charge } = connection;
    this.gate = new CallGate(ws, { encoder: wireEncoder, charge, drain: shared.drain, report: shared.report });
  }

  get report(): ReportError {
    return this.shared.report;
  }

  /** A frame from the client: a keep-alive, the connection parameters, or calls. */
  heard(raw: RawData, isBinary: boolean): void {
    let text: string | undefined;
    if (!isBinary) {
      text = raw.toString();
      if (text === PONG) return;
      if (text === PING) {
        this.connection.ws.send(PONG);
        return;
      }
    }
    if (!Buffer.isBuffer(raw)) {
      const error = new TRPCError({ code: "UNPROCESSABLE_CONTENT", message: "Unexpected WebSocket message format" });
      this.answer(errorAnswer(null, undefined, error, { type: "unknown" }, this.ctx));
      return;
    }
    const data = text ?? raw;
    if (!this.context) {
      this.open(data);
      return;
    }
    let calls: ParsedCall[];
    try {
      calls = this.gate.read(data);
    } catch (cause) {
      const error = new TRPCError({ code: "PARSE_ERROR", cause });
      this.answer(errorAnswer(null, undefined, error, { type: "unknown" }, this.ctx));
      return;
    }
    for (let index = 0; index < calls.length; index++) runCall(this, calls[index] as ParsedCall, index);
  }

  /**
   * Starts making the socket's context, from the `connectionParams` frame `paramsFrame` (null: the
   * client sends none). A context that fails (a bad token, bad parameters) fails the connection:
   * `{ id: null, error }`, then a close; every call waiting for it is answered with that error.
   */
  open(paramsFrame: string | Buffer | null): void {
    let made: Promise<Context>;
    try {
      const params = paramsFrame === null ? null : connectionParamsOf(wireEncoder, paramsFrame);
      made = this.shared.makeContext(this.connection, params);
    } catch (cause) {
      made = Promise.reject(cause);
    }
    const context = made.then(
      (ctx) => {
        this.ctx = ctx;
        return ctx;
      },
      (cause: unknown) => {
        throw this.fail(cause);
      },
    );
    context.catch(ignore);
    this.context = context;
    this.gate.subscriptions.context = context;
  }

  answer(answer: Answer): void {
    sendAnswer(this.connection.ws, this.gate, answer);
  }

  /** Fails the connection with `cause` (its context could not be made); returns the error calls are answered with. */
  private fail(cause: unknown): TRPCError {
    const error = getTRPCErrorFromUnknown(cause);
    this.shared.report(error, undefined);
    this.answer(errorAnswer(null, undefined, error, { type: "unknown" }, this.ctx));
    const { ws } = this.connection;
    setImmediate(() => ws.close());
    return error;
  }
}

/**
 * A socket's subscription slots, and the wires its room streams write their frames to (each
 * writes through this one object: see `WireSocket`).
 */
class SocketSlots extends SubscriptionSlots implements WireSocket {
  /** The stream the socket's frames are written to, once a wire was opened. */
  private stream: Duplex | undefined;

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
    this.stream ??= this.frames.streamOf(this.ws);
    return this.stream && new SocketWire(this, this.metrics.deliveries);
  }

  admit(): boolean {
    return this.backpressure.admit(this.ws);
  }

  writeFrames(chunks: readonly Buffer[]): void {
    if (this.stream) this.frames.write(this.stream, chunks);
  }
}
