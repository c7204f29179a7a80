import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type Actor, AppError, assertPasswordChosen, authenticate, clientAddressOf, type Runtime } from "@parley/api";
import { type WebSocket, WebSocketServer } from "ws";
import type { RealtimeEnv } from "./env";
import { isOriginAllowed } from "./origin";
import { type SeedNames, seedConnection } from "./seed-sockets";
import { backpressure } from "./socket/backpressure";
import { CloseCode } from "./socket/close-codes";
import { Connections } from "./socket/connections";
import { Drain } from "./socket/drain";
import { framePacer } from "./socket/frame-pace";
import { FrameWriter } from "./socket/frame-writer";
import { heard, keepSocketsAlive } from "./socket/heartbeat";
import { watchSessions } from "./socket/session-watch";
import { closeConnections } from "./socket/shutdown";
import { trpcSockets } from "./socket/trpc-socket";
import { MAX_BUFFERED_CHUNKS, MAX_FRAGMENTS_PER_MESSAGE, watchUnfinishedMessages } from "./socket/unfinished-messages";
import { isProtocolError, readUpgrade, refuseUpgrade } from "./socket/upgrade";

/** The largest frame a client may send: far above any valid request. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface Realtime {
  /** Takes over an HTTP upgrade request for a path `isRealtimePath` accepts. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** Asks every client to reconnect (elsewhere), then closes all sockets. */
  close(): Promise<void>;
  /** Sockets open right now. */
  readonly connections: number;
}

/**
 * tRPC over WebSocket for one process, and the seed protocols: authentication at the upgrade and
 * in `connectionParams`, an Origin allowlist, caps per address and account (socket/connections),
 * a cut-off for clients that stop reading (socket/backpressure), live messages written as frames
 * encoded once and coalesced per socket and turn of the event loop (socket/frame-writer), frame pacing
 * (socket/frame-pace), and sockets closed within seconds when their token is revoked (on any
 * instance) or expires (socket/session-watch).
 */
export async function createRealtime(runtime: Runtime, config: RealtimeEnv, names: SeedNames): Promise<Realtime> {
  const { deps, log } = runtime;
  const sendGate = backpressure(config.WS_MAX_BUFFERED_BYTES, log, deps.metrics);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD_BYTES,
    // ws 8.23's caps on what one unfinished message may hold (not yet in @types/ws).
    ...{ maxFragments: MAX_FRAGMENTS_PER_MESSAGE, maxBufferedChunks: MAX_BUFFERED_CHUNKS },
    perMessageDeflate: false,
    // Sockets are tracked by `connections`: ws's own set cost a "close" listener per socket.
    clientTracking: false,
    WebSocket: sendGate.WebSocket,
  });
  const connections = new Connections(config, deps.metrics);
  const unfinishedMessages = watchUnfinishedMessages(
    () => connections,
    () => deps.metrics.limited.inc({ limit: "unfinishedMessage" }),
  );
  /** Calls in flight on this process's sockets, answered before close() tells clients to go. */
  const drain = new Drain();
  const sessions = watchSessions(deps, log, connections, config);
  const stopKeepingAlive = keepSocketsAlive(connections);
  const paceFrames = framePacer(config.WS_FRAMES_PER_CONNECTION, deps.metrics);
  const frames = new FrameWriter();
  const onTrpcConnection = trpcSockets({
    deps,
    log,
    settings: config,
    connections,
    sessions,
    backpressure: sendGate,
    frames,
    drain,
  });
  /** Set by close(): no new sockets from then on. */
  let closing = false;

  // A frame over the size limit or a text frame that is not UTF-8 is emitted as an "error" on
  // the socket, which ws then closes (1009, 1007): unheard, that error would end the process.
  // One listener for every socket.
  const onSocketError = (error: Error & { code?: string }) => {
    const limit = error.code && wsLimitOf[error.code];
    if (limit) deps.metrics.limited.inc({ limit });
    if (isProtocolError(error))
      log.info({ code: error.code, message: error.message }, "closed a websocket that broke the protocol");
    else log.warn({ code: error.code, message: error.message }, "a websocket failed");
  };

  /** Every frame a socket sends: it is alive (socket/heartbeat), and it counts toward its pace. */
  function onSocketMessage(this: WebSocket) {
    const connection = connections.of(this);
    if (!connection) return;
    heard(connection);
    connection.charge(1);
  }

  /**
   * Counts a new socket in, and out again when it closes (what is sent to it is gated by its class).
   * Its listeners are the process's, shared by every socket.
   */
  function adopt(
    ws: WebSocket,
    stream: Duplex,
    seed: boolean,
    actor: Actor | null,
    address: string,
    token: string | null,
  ) {
    const connection = connections.add(ws, seed ? "seed" : "trpc", actor, address, paceFrames(ws), token);
    frames.adopt(ws, stream);
    unfinishedMessages.follow(stream, connection.incoming);
    ws.on("error", onSocketError);
    ws.on("message", onSocketMessage);
    return connection;
  }

  return {
    async handleUpgrade(req, socket, head) {
      // Shutting down: a client that reconnected here at once would keep the process from exiting.
      if (closing) return refuseUpgrade(socket, 503, "Service Unavailable: this server is restarting");
      if (!isOriginAllowed(req, config.ALLOWED_ORIGINS))
        return refuseUpgrade(socket, 403, "Forbidden: this origin may not connect");
      const address = clientAddressOf(req, runtime.trustProxy);
      const full = connections.addressFull(address);
      if (full) return refuseUpgrade(socket, 429, full);
      const { path, token, withConnectionParams } = readUpgrade(req);
      const seed = path !== "/trpc";
      // The seed protocols authenticate at the upgrade; tRPC clients may do it in connectionParams.
      let actor: Actor | null = null;
      if (seed) {
        try {
          // A bad token is refused, not ignored; so is a session that must choose a new password first.
          actor = token ? assertPasswordChosen(await authenticate(deps, token)) : null;
        } catch (error) {
          return refuseUpgrade(socket, 401, error instanceof AppError ? error.message : "Unauthorized");
        }
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = adopt(ws, socket, seed, actor, address, seed ? null : token);
        if (!seed) {
          sessions.closeUnlessSignedIn(connection);
          return onTrpcConnection(connection, withConnectionParams);
        }
        if (actor) {
          if (!connections.countUser(connection, actor)) {
            return ws.close(CloseCode.tooMany, connections.tooManyForUser.slice(0, 120));
          }
          sessions.watch(connection, actor);
        }
        seedConnection({ deps, log, names, drain }, ws, req, actor);
      });
    },
    get connections() {
      return connections.size;
    },
    async close() {
      closing = true;
      unfinishedMessages.stop();
      // Calls in flight are answered first (new ones are refused meanwhile), up to the deadline;
      // the session watch goes on meanwhile, so that a revoked token still closes its socket.
      drain.start();
      const inFlight = drain.calls;
      if (!(await drain.settled(config.SHUTDOWN_DRAIN_MS))) {
        log.warn({ inFlight, unanswered: drain.calls }, `calls still unanswered after ${config.SHUTDOWN_DRAIN_MS} ms`);
      }
      sessions.stop();
      stopKeepingAlive();
      await closeConnections(connections, wss);
    },
  };
}

/** The `parley_limited_total` label of each ws error that is a limit of ours (ws closes 1009, 1008). */
const wsLimitOf: Record<string, string> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: "messageSize",
  WS_ERR_TOO_MANY_BUFFERED_PARTS: "messageFragments",
};
