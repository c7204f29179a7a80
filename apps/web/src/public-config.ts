import { optionalSetting } from "@parley/api/env";
import { z } from "zod";

/** Settings the browser needs, read on the server at request time (not baked into the build). */
export const PublicEnv = z.object({
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
}

export function publicConfigFrom(env: z.infer<typeof PublicEnv>): PublicConfig {
  return { realtimeUrl: env.REALTIME_PUBLIC_URL ?? null };
}

let cached: PublicConfig | undefined;

/** This process's public settings (server.ts has already refused to start with invalid ones). */
export function publicConfig(): PublicConfig {
  cached ??= publicConfigFrom(PublicEnv.parse(process.env));
  return cached;
}
