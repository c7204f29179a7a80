import type { Connection, Connections } from "./connections";

export interface KeepAlive {
  /** A socket silent this long is sent "PING", in milliseconds. */
  pingMs: number;
  /** A socket still silent this long after its "PING" is ended, in milliseconds. */
  pongWaitMs: number;
}

/** What tRPC's own keep-alive did here before (tRPC's clients answer "PING" with "PONG"). */
export const TRPC_KEEP_ALIVE: KeepAlive = { pingMs: 30_000, pongWaitMs: 10_000 };

/**
 * The keep-alive of every tRPC socket of the process, on one timer: a socket that has sent nothing
 * for `pingMs` is sent "PING" (any frame it sends counts as an answer, "PONG" among them), and one
 * still silent `pongWaitMs` after that is terminated. The sockets are looked at every
 * `min(pingMs, pongWaitMs) / 4`, so a ping or an end comes up to that much late.
 *
 * tRPC's own keep-alive (its adapter's `keepAlive` option) holds two timers and four closures per
 * socket and re-arms them on every frame; here a socket costs two numbers on its `Connection`
 * (`heardAt`, set by `heard`, and `pingedAt`). Seed sockets are not pinged: their protocols have
 * no PING. Returns what stops it.
 */
export function keepSocketsAlive(connections: Connections, { pingMs, pongWaitMs }: KeepAlive = TRPC_KEEP_ALIVE) {
  const check = setInterval(
    () => {
      const now = Date.now();
      for (const connection of connections) {
        if (connection.protocol !== "trpc") continue;
        if (connection.pingedAt > connection.heardAt) {
          if (now - connection.pingedAt >= pongWaitMs) connection.ws.terminate();
        } else if (now - connection.heardAt >= pingMs) {
          connection.pingedAt = now;
          connection.ws.send("PING");
        }
      }
    },
    Math.max(10, Math.min(pingMs, pongWaitMs) / 4),
  );
  check.unref();
  return () => clearInterval(check);
}

/** Notes a frame from the socket: it is alive. */
export function heard(connection: Connection): void {
  connection.heardAt = Date.now();
}
