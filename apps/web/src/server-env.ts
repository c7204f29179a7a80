import { parseSettings } from "@parley/api";
import { optionalSetting } from "@parley/api/env";
import { RealtimeEnv } from "@parley/realtime-server/env";
import { z } from "zod";
import { PublicEnv } from "./public-config";

/** Settings of `server.ts`, the web process: the pages, the API and (unless turned off) the WebSockets. */
export const WebServerEnv = RealtimeEnv.extend(PublicEnv.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  /**
   * `on`: tRPC over WebSocket at /trpc in this process (the all-in-one mode). `off`: the scaled
   * mode's web process, where the realtime instances serve the WebSockets.
   */
  WEB_WEBSOCKET: z.enum(["on", "off"]).default("on"),
  /** Next runs in development mode (compiling on demand, HMR) only when this says so explicitly. */
  NODE_ENV: z.string().optional(),
  /** The address people reach the site at (next-auth's callbacks, secure cookies when https). Unset: http://localhost:PORT. */
  NEXTAUTH_URL: optionalSetting(z.url("NEXTAUTH_URL must be a URL such as https://chat.example")),
  /** Encrypts session cookies. Unset: derived from JWT_SECRET, so web processes sharing that agree. */
  NEXTAUTH_SECRET: optionalSetting(z.string().min(32, "NEXTAUTH_SECRET must be at least 32 characters")),
});
export type WebServerEnv = z.infer<typeof WebServerEnv>;

/** Parses the web process's settings once; a ConfigError names every invalid one. */
export const loadWebServerEnv = (source: NodeJS.ProcessEnv = process.env): WebServerEnv =>
  parseSettings(WebServerEnv, source);
