import { ApiEnv, optionalSetting } from "@parley/api/env";
import { z } from "zod";

/**
 * Settings the browser needs, read on the server at request time (not baked into the build); the
 * API's UPLOAD_MAX_BYTES with the API's own schema, so both read it alike.
 */
export const PublicEnv = ApiEnv.pick({ UPLOAD_MAX_BYTES: true }).extend({
  /**
   * The WebSocket URL of tRPC subscriptions, for when the realtime servers are not behind this
   * origin (e.g. `wss://realtime.chat.example/trpc`). Unset: this origin's `/trpc`.
   */
  REALTIME_PUBLIC_URL: optionalSetting(
    z
      .string()
      .trim()
      .regex(/^wss?:\/\//, "REALTIME_PUBLIC_URL must start with ws:// or wss://"),
  ),
});

export interface PublicConfig {
  /** Null: derive `ws(s)://<this host>/trpc` in the browser. */
  realtimeUrl: string | null;
  /** UPLOAD_MAX_BYTES: the composer refuses a bigger file before sending a byte of it. */
  uploadMaxBytes: number;
}

export function publicConfigFrom(env: z.infer<typeof PublicEnv>): PublicConfig {
  return { realtimeUrl: env.REALTIME_PUBLIC_URL ?? null, uploadMaxBytes: env.UPLOAD_MAX_BYTES };
}

/** Where server.ts leaves this process's public settings for Next's server bundle (its own copy of this module). */
const SHARED = Symbol.for("parley.public-config");
type Registry = { [SHARED]?: PublicConfig };

/** Hands the public settings server.ts parsed to Next's server bundle, in the same process. */
export function sharePublicConfig(config: PublicConfig): void {
  (globalThis as Registry)[SHARED] = config;
}

/**
 * This process's public settings, as server.ts parsed them at start (it refuses to start with
 * invalid ones). Parsed here only if the app runs without server.ts.
 */
export function publicConfig(): PublicConfig {
  const registry = globalThis as Registry;
  registry[SHARED] ??= publicConfigFrom(PublicEnv.parse(process.env));
  return registry[SHARED];
}
