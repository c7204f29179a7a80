import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import {
  type Actor,
  AppError,
  appRouter,
  authenticate,
  clientAddressOf,
  createContext,
  createPace,
  type Runtime,
  subscriptionSlots,
  tokenFromAuthorization,
} from "@parley/api";
import { accessChannel } from "@parley/api/bus";
import { schema } from "@parley/db";
import { TRPCError } from "@trpc/server";
import { and, inArray, isNotNull } from "drizzle-orm";
import { type WebSocket, WebSocketServer } from "ws";
import { CallGate } from "./call-gate";
import { Drain } from "./drain";
import type { RealtimeEnv } from "./env";
import { isOriginAllowed } from "./origin";
import { type SeedNames, seedConnection } from "./seed-sockets";
import { MAX_BUFFERED_CHUNKS, MAX_FRAGMENTS_PER_MESSAGE, watchUnfinishedMessages } from "./unfinished-messages";
import { SocketWire, wireEncoder } from "./wire-encoder";

/** The largest frame a client may send: far above any valid request. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** How long a closing server waits for clients told to reconnect to close their sockets themselves. */
const RECONNECT_GRACE_MS = 1000;

/** How long a closing server waits for its clients to answer the close. */
const CLOSE_GRACE_MS = 3000;

/** Close codes that tell a client why it was disconnected (4000-4999 are the application's). */
export const CloseCode = {
  sessionEnded: 4401,
  tooMany: 4429,
  tooSlow: 4408,
  shuttingDown: 1012,
} as const;

export interface Realtime {
  /** Takes over an HTTP upgrade request for a path `isRealtimePath` accepts. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
  /** Asks every client to reconnect (elsewhere), then closes all sockets. */
  close(): Promise<void>;
  /** Sockets open right now. */
  readonly connections: number;
}

interface Connection {
  ws: WebSocket;
  /** Charges this many calls to the socket's frame allowance (see `paceFrames`). */
  charge: (calls: number) => void;
  actor: Actor | null;
  /** The client's address (see `clientAddressOf`). */
  address: string;
}

/**
 * tRPC over WebSocket for one process: authentication at the upgrade and in `connectionParams`,
 * an Origin allowlist, frame and subscription limits, a cut-off for clients that stop reading,
 * and sockets closed within seconds when their token is revoked (on any instance) or expires.
 */
/** Answers an upgrade request with a plain HTTP error instead of a WebSocket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string) {
  const statusText = STATUS_CODES[status] ?? "Error";
  socket.end(`HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
}

const pathOf = (req: IncomingMessage) => (req.url ?? "/").split("?")[0] ?? "/";

/** The WebSocket endpoints: tRPC at /trpc, and the seed protocols at /ws and /chats/{username}. */
export const isRealtimePath = (pathname: string) =>
  pathname === "/trpc" || pathname === "/ws" || /^\/chats\/[^/]+$/.test(pathname);

export async function createRealtime(runtime: Runtime, config: RealtimeEnv, names: SeedNames): Promise<Realtime> {
  // Imported at run time, so that this ESM module and tRPC share one copy of @trpc/server.
  const { getWSConnectionHandler } = await import("@trpc/server/adapters/ws");
  const { deps, log } = runtime;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD_BYTES,
    // ws 8.23's caps on what one unfinished message may hold (not yet in @types/ws).
    ...{ maxFragments: MAX_FRAGMENTS_PER_MESSAGE, maxBufferedChunks: MAX_BUFFERED_CHUNKS },
    perMessageDeflate: false,
  });
  const connections = new Set<Connection>();
  const stopTimingMessages = watchUnfinishedMessages(
    function* () {
      for (const connection of connections) yield connection.ws;
    },
    () => deps.metrics.limited.inc({ limit: "unfinishedMessage" }),
  );
  /** Set by close(): no new sockets from then on. */
  let closing = false;
  const connectionOf = new WeakMap<WebSocket, Connection>();

  /** Calls in flight on this process's sockets, answered before close() tells clients to go. */
  const drain = new Drain();
  // One handler per socket (tRPC's handler factory only reads its options), each with the socket's
  // own CallGate as its encoder: the cap, pace and drain count every call, not every frame.
  const connectionHandler = (ws: WebSocket, charge: (calls: number) => void) =>
    getWSConnectionHandler({
      ...handlerOptions,
      experimental_encoder: new CallGate(ws, { encoder: wireEncoder, charge, drain }),
    });
  const handlerOptions: Omit<Parameters<typeof getWSConnectionHandler>[0], "experimental_encoder"> = {
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    async createContext({ req, res: ws, info }) {
      const fromParams = info.connectionParams?.token;
      const token = (typeof fromParams === "string" && fromParams) || tokenFromUpgrade(req);
      const connection = connectionOf.get(ws);
      if (token && connection) {
        // A bad token fails the connection itself: a client must not believe it is signed in.
        connection.actor = await authenticate(deps, token).catch((error: unknown) => {
          if (error instanceof AppError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
          throw error;
        });
        if (!countUser(connection, connection.actor)) {
          throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: tooManyForUser });
        }
        watchSession(connection, connection.actor);
      }
      const slots = subscriptionSlots(config.WS_MAX_SUBSCRIPTIONS, deps.metrics.subscriptions);
      const openWire = () => new SocketWire(ws, () => admit(ws), deps.metrics.deliveries);
      return createContext(deps, token, {
        clientAddress: connectionOf.get(ws)?.address ?? null,
        connection: { ...slots, openWire },
      });
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ err: error, path }, "websocket procedure failed");
    },
  };

  function tokenFromUpgrade(req: IncomingMessage): string | null {
    const url = new URL(req.url ?? "/", "http://localhost");
    return (
      url.searchParams.get("token") || url.searchParams.get("jwt") || tokenFromAuthorization(req.headers.authorization)
    );
  }

  /** Sockets open per client address and per account on this instance, for their caps. */
  const perAddress = new Tally<string>();
  const perUser = new Tally<number>();

  const tooManyForUser = `this account has ${config.WS_MAX_CONNECTIONS_PER_USER} connections open here already: close one first`;

  /** Counts an account's socket; false (and nothing counted) when the account has its fill open here. */
  function countUser(connection: Connection, actor: Actor): boolean {
    if (perUser.count(actor.userId) >= config.WS_MAX_CONNECTIONS_PER_USER) return false;
    perUser.add(actor.userId);
    connection.ws.once("close", () => perUser.remove(actor.userId));
    return true;
  }

  /**
   * A tRPC socket that has not signed in within WS_SIGN_IN_WITHIN_MS is closed: idle anonymous
   * sockets cost memory and file handles. (Anonymous seed listeners of the lobby are not idle.)
   */
  function closeUnlessSignedIn(connection: Connection) {
    const deadline = setTimeout(() => {
      if (!connection.actor) closeForSession(connection, `sign in within ${config.WS_SIGN_IN_WITHIN_MS} ms`);
    }, config.WS_SIGN_IN_WITHIN_MS);
    deadline.unref();
    connection.ws.once("close", () => clearTimeout(deadline));
  }

  /** Counts a new socket in, and out again when it closes; gates what is sent to it. */
  function adopt(ws: WebSocket, actor: Actor | null, address: string): Connection {
    const connection: Connection = { ws, actor, address, charge: paceFrames(ws) };
    connections.add(connection);
    connectionOf.set(ws, connection);
    perAddress.add(address);
    deps.metrics.connections.inc();
    ws.once("close", () => {
      connections.delete(connection);
      perAddress.remove(address);
      deps.metrics.connections.dec();
    });
    // A frame over the size limit or a text frame that is not UTF-8 is emitted as an "error" on
    // the socket, which ws then closes (1009, 1007): unheard, that error would end the process.
    ws.on("error", (error: Error & { code?: string }) => {
      const limit = error.code && wsLimitOf[error.code];
      if (limit) deps.metrics.limited.inc({ limit });
      log.warn({ code: error.code, message: error.message }, "closed a websocket that broke the protocol");
    });
    guardBackpressure(ws);
    return connection;
  }

  const framePace = config.WS_FRAMES_PER_CONNECTION && createPace(config.WS_FRAMES_PER_CONNECTION);
  let socketsSeen = 0;

  /**
   * A socket that sent its allowance of frames is not read again until its window ends (TCP pushes
   * back on the client): a flood costs the server nothing, refused requests included.
   */
  function paceFrames(ws: WebSocket): (calls: number) => void {
    if (!framePace) return () => {};
    const key = String(++socketsSeen);
    const charge = (calls: number) => {
      if (ws.isPaused) return; // frames read before the pause took hold
      void framePace.wait(key, calls).then((waitMs) => {
        if (waitMs === 0 || ws.isPaused || ws.readyState !== ws.OPEN) return;
        ws.pause();
        deps.metrics.limited.inc({ limit: "framesPerConnection" });
        setTimeout(() => ws.resume(), waitMs).unref();
      });
    };
    ws.on("message", () => charge(1));
    return charge;
  }

  /**
   * What tRPC keeps of the upgrade request for the connection's lifetime: its URL (for
   * `connectionParams` and `?token=`) and the headers read from it, not the whole request with
   * all of its headers, which would stay in memory as long as the socket is open. (For the same
   * reason, closures that live as long as a socket are made where the request is not in scope.)
   */
  function upgradeEssentials(req: IncomingMessage): IncomingMessage {
    const { host, authorization } = req.headers;
    return { url: req.url, headers: { host, authorization }, socket: {} } as IncomingMessage;
  }

  /**
   * The gate every frame to a client passes: a client with this much unsent is cut off instead of
   * being buffered for. False when the socket is closed or has just been cut off.
   */
  function admit(ws: WebSocket): boolean {
    if (ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount <= config.WS_MAX_BUFFERED_BYTES) return true;
    log.warn({ buffered: ws.bufferedAmount }, "cutting off a client that stopped reading");
    deps.metrics.slowClientsDropped.inc();
    ws.close(CloseCode.tooSlow, "too slow: the client stopped reading");
    setTimeout(() => ws.terminate(), 1000).unref();
    return false;
  }

  /** Puts every `send` to the socket through `admit`. */
  function guardBackpressure(ws: WebSocket) {
    const send = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
    (ws as { send: unknown }).send = (data: unknown, ...rest: unknown[]) => {
      if (admit(ws)) send(data, ...rest);
    };
  }

  function closeForSession(connection: Connection, reason: string) {
    connection.ws.close(CloseCode.sessionEnded, reason);
    setTimeout(() => connection.ws.terminate(), 1000).unref();
  }

  /** Open sockets by session (jti): a logout on any instance closes that session's at once. */
  const bySession = new Map<string, Set<Connection>>();
  const stopWatching = new AbortController();
  void (async () => {
    for await (const event of await deps.bus.subscribe(accessChannel, stopWatching.signal)) {
      if (event.type === "access.session-revoked") {
        for (const connection of bySession.get(event.jti) ?? []) closeForSession(connection, "token revoked");
      } else if (event.type === "access.sessions-ended") {
        closeSessionsBefore(event.userId, new Date(event.validAfter));
      }
    }
  })().catch((error: unknown) => log.warn({ err: error }, "the session watch stopped"));

  function watchSession(connection: Connection, actor: Actor) {
    const sockets = bySession.get(actor.jti) ?? new Set<Connection>();
    bySession.set(actor.jti, sockets.add(connection));
    connection.ws.once("close", () => {
      sockets.delete(connection);
      if (sockets.size === 0) bySession.delete(actor.jti);
    });
  }

  /** Closes the user's sockets signed in with a token issued before `validAfter` (a password change). */
  function closeSessionsBefore(userId: number, validAfter: Date) {
    for (const c of connections) {
      if (c.actor?.userId === userId && c.actor.tokenIssuedAt < validAfter) closeForSession(c, "password changed");
    }
  }

  // The database is checked too, every few seconds: the bus between processes may drop an event.
  const sessionCheck = setInterval(async () => {
    const now = Date.now();
    const signedIn = [...connections].filter((c) => c.actor);
    for (const c of signedIn) if ((c.actor?.tokenExpiresAt.getTime() ?? 0) <= now) closeForSession(c, "token expired");
    const jtis = [...new Set(signedIn.map((c) => c.actor?.jti ?? ""))];
    if (jtis.length === 0) return;
    try {
      const revoked = await deps.db
        .select({ jti: schema.revokedTokens.jti })
        .from(schema.revokedTokens)
        .where(inArray(schema.revokedTokens.jti, jtis));
      const gone = new Set(revoked.map((r) => r.jti));
      for (const jti of gone) deps.access.forgetSession(jti); // in case its announcement was lost
      for (const c of signedIn) if (c.actor && gone.has(c.actor.jti)) closeForSession(c, "token revoked");
      const userIds = [...new Set(signedIn.map((c) => c.actor?.userId ?? 0))];
      const changed = await deps.db
        .select({ id: schema.users.id, validAfter: schema.users.sessionsValidAfter })
        .from(schema.users)
        .where(and(inArray(schema.users.id, userIds), isNotNull(schema.users.sessionsValidAfter)));
      for (const { id, validAfter } of changed) if (validAfter) closeSessionsBefore(id, validAfter);
    } catch (error) {
      log.warn({ err: error }, "could not re-check sessions");
    }
  }, config.SESSION_CHECK_MS);
  sessionCheck.unref();

  return {
    async handleUpgrade(req, socket, head) {
      // Shutting down: a client that reconnected here at once would keep the process from exiting.
      if (closing) return refuseUpgrade(socket, 503, "Service Unavailable: this server is restarting");
      if (!isOriginAllowed(req, config.ALLOWED_ORIGINS))
        return refuseUpgrade(socket, 403, "Forbidden: this origin may not connect");
      const address = clientAddressOf(req, runtime.trustProxy);
      if (perAddress.count(address) >= config.WS_MAX_CONNECTIONS_PER_ADDRESS) {
        return refuseUpgrade(
          socket,
          429,
          `Too Many Requests: ${config.WS_MAX_CONNECTIONS_PER_ADDRESS} connections from this address are open here already`,
        );
      }
      const seed = pathOf(req) !== "/trpc";
      // The seed protocols authenticate at the upgrade; tRPC clients may do it in connectionParams.
      let actor: Actor | null = null;
      if (seed) {
        try {
          const token = tokenFromUpgrade(req);
          actor = token ? await authenticate(deps, token) : null; // a bad token is refused, not ignored
        } catch (error) {
          return refuseUpgrade(socket, 401, error instanceof AppError ? error.message : "Unauthorized");
        }
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = adopt(ws, actor, address);
        if (!seed) {
          closeUnlessSignedIn(connection);
          return connectionHandler(ws, connection.charge)(ws, upgradeEssentials(req));
        }
        if (actor) {
          if (!countUser(connection, actor)) return ws.close(CloseCode.tooMany, tooManyForUser.slice(0, 120));
          watchSession(connection, actor);
        }
        seedConnection({ deps, log, names, drain }, ws, req, actor);
      });
    },
    get connections() {
      return connections.size;
    },
    async close() {
      closing = true;
      clearInterval(sessionCheck);
      stopTimingMessages();
      // Calls in flight are answered first (new ones are refused meanwhile), up to the deadline.
      drain.start();
      const inFlight = drain.calls;
      if (!(await drain.settled(config.SHUTDOWN_DRAIN_MS))) {
        log.warn({ inFlight, unanswered: drain.calls }, `calls still unanswered after ${config.SHUTDOWN_DRAIN_MS} ms`);
      }
      stopWatching.abort();
      const reconnect = JSON.stringify({ id: null, method: "reconnect" });
      const closed = [...connections].map(({ ws }) => new Promise((resolve) => ws.once("close", resolve)));
      for (const { ws } of connections) ws.send(reconnect);
      // tRPC's client closes a socket told to reconnect itself, after the frames it had sent: those
      // are still answered (refused as restarting) before the close. Sockets still open are closed.
      await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, RECONNECT_GRACE_MS))]);
      for (const { ws } of connections) ws.close(CloseCode.shuttingDown, "server restarting: reconnect");
      // Clients answer the close at once; one that does not (it stopped reading) is not waited for.
      const grace = setTimeout(() => {
        for (const { ws } of connections) ws.terminate();
      }, CLOSE_GRACE_MS);
      await Promise.all(closed);
      clearTimeout(grace);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The `parley_limited_total` label of each ws error that is a limit of ours (ws closes 1009, 1008). */
const wsLimitOf: Record<string, string> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: "messageSize",
  WS_ERR_TOO_MANY_BUFFERED_PARTS: "messageFragments",
};

/** How many of something are open per key; keys at zero are forgotten. */
class Tally<K> {
  private readonly counts = new Map<K, number>();

  count(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  add(key: K): void {
    this.counts.set(key, this.count(key) + 1);
  }

  remove(key: K): void {
    const left = this.count(key) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }
}
