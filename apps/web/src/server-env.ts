import type { Settings } from "@parley/api";
import { type ApiConfig, apiConfigFrom, parseSettings } from "@parley/api";
import { ApiEnv, optionalSetting } from "@parley/api/env";
import { RealtimeEnv } from "@parley/realtime-server/env";
import { z } from "zod";
import { type PublicConfig, PublicEnv, publicConfigFrom } from "./public-config";

/**
 * Settings of `server.ts`, the web process: the API's, the pages', and (unless turned off) the
 * WebSockets'.
 */
export const WebServerEnv = ApiEnv.extend(RealtimeEnv.shape)
  .extend(PublicEnv.shape)
  .extend({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().trim().min(1).default("0.0.0.0"),
    /**
     * `on`: tRPC over WebSocket at /trpc in this process (the all-in-one mode). `off`: the scaled
     * mode's web process, where the realtime instances serve the WebSockets.
     */
    WEB_WEBSOCKET: z.enum(["on", "off"]).default("on"),
    /** The address people reach the site at (next-auth's callbacks, secure cookies when https). Unset: http://localhost:PORT. */
    NEXTAUTH_URL: optionalSetting(z.url("NEXTAUTH_URL must be a URL such as https://chat.example")),
    /** Encrypts session cookies. Unset: derived from JWT_SECRET, so web processes sharing that agree. */
    NEXTAUTH_SECRET: optionalSetting(z.string().min(32, "NEXTAUTH_SECRET must be at least 32 characters")),
  });
export type WebServerEnv = z.infer<typeof WebServerEnv>;

/** The web process's configuration, parsed once at start and handed down in pieces. */
export interface WebServerConfig {
  /** The API's (database, bus, tokens, limits): for the runtime. */
  api: ApiConfig;
  /** Every setting, the WebSocket server's among them. */
  env: WebServerEnv;
  /** Next runs in development mode (compiling on demand, HMR) only when NODE_ENV says so explicitly. */
  dev: boolean;
  /** What the browser is told (see `publicConfig`). */
  public: PublicConfig;
}

/** Parses the web process's settings once; a ConfigError names every invalid one. */
export async function loadWebServerConfig(source: Settings = process.env): Promise<WebServerConfig> {
  const env = parseSettings(WebServerEnv, source);
  return {
    api: await apiConfigFrom(env),
    env,
    // ApiEnv's NODE_ENV defaults to development (for the API's secrets); Next's mode does not.
    dev: source.NODE_ENV === "development",
    public: publicConfigFrom(env),
  };
}
