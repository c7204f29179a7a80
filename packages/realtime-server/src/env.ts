import type { Settings } from "@parley/api";
import { type ApiConfig, apiConfigFrom, parseSettings, RateSetting } from "@parley/api";
import { ApiEnv } from "@parley/api/env";
import { z } from "zod";

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** Settings of the WebSocket server, wherever it runs (its own process or the all-in-one one). */
export const RealtimeEnv = z.object({
  /** Browser origins allowed to open a WebSocket, comma-separated; unset: the server's own origin only. */
  ALLOWED_ORIGINS: list,
  /** Bytes queued for one connection before it is cut off as too slow. */
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .default(4 * 1024 * 1024),
  /** Subscriptions one connection may hold at once. */
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * Frames one socket may send per window (`<count>/<window>` or `off`). Past that the socket is
   * not read until its window ends: a flood of requests, even refused ones, then costs nothing.
   * At most 5 s, so that a paused tRPC socket still answers its keep-alive (10 s) in time.
   */
  WS_FRAMES_PER_CONNECTION: RateSetting.refine(
    (rate) => !rate || rate.seconds <= 5,
    "the window must be 5 s or less: a paused socket must still answer its keep-alive",
  ).prefault("100/5s"),
  /** How long a tRPC WebSocket may stay open without signing in, in milliseconds. */
  WS_SIGN_IN_WITHIN_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** WebSockets one client address may hold open on one instance at once. */
  WS_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(200),
  /** WebSockets one account may hold open on one instance at once. */
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).default(20),
  /**
   * How long a shutdown (SIGTERM) waits for the calls in flight to be answered before it tells
   * clients to reconnect and closes, in milliseconds. New calls are refused meanwhile.
   */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** How often open sockets' tokens are checked again (revocation, expiry), in milliseconds. */
  SESSION_CHECK_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
});
export type RealtimeEnv = z.infer<typeof RealtimeEnv>;

/** The standalone realtime process's settings: the API's, the WebSocket server's, and where it listens. */
export const RealtimeProcessEnv = ApiEnv.extend(RealtimeEnv.shape).extend({
  REALTIME_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
});
export type RealtimeProcessEnv = z.infer<typeof RealtimeProcessEnv>;

/** The realtime process's configuration, parsed once at start and handed down in pieces. */
export interface RealtimeProcessConfig {
  /** The API's (database, bus, tokens, limits): for the runtime. */
  api: ApiConfig;
  /** Every setting, the WebSocket server's among them (for `createRealtime`). */
  env: RealtimeProcessEnv;
}

/** Parses the realtime process's settings once; a ConfigError names every invalid one. */
export async function loadRealtimeProcessConfig(source: Settings = process.env): Promise<RealtimeProcessConfig> {
  const env = parseSettings(RealtimeProcessEnv, source);
  return { api: await apiConfigFrom(env), env };
}
