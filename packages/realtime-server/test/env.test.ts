import { ConfigError, parseSettings } from "@parley/api";
import { describe, expect, it } from "vitest";
import { loadRealtimeProcessConfig, RealtimeEnv } from "../src/env";

describe("the WebSocket server's settings", () => {
  it("paces every socket's frames by default, and takes a rate or off", () => {
    expect(parseSettings(RealtimeEnv, {}).WS_FRAMES_PER_CONNECTION).toEqual({ points: 100, seconds: 5 });
    expect(parseSettings(RealtimeEnv, { WS_FRAMES_PER_CONNECTION: "20/2s" }).WS_FRAMES_PER_CONNECTION).toEqual({
      points: 20,
      seconds: 2,
    });
    expect(parseSettings(RealtimeEnv, { WS_FRAMES_PER_CONNECTION: "off" }).WS_FRAMES_PER_CONNECTION).toBeNull();
  });

  it("refuses a frame window longer than a paused socket can wait without missing its keep-alive", () => {
    expect(() => parseSettings(RealtimeEnv, { WS_FRAMES_PER_CONNECTION: "100/10s" })).toThrow(ConfigError);
    expect(() => parseSettings(RealtimeEnv, { WS_FRAMES_PER_CONNECTION: "100/10s" })).toThrow(/5 s or less/);
    expect(() => parseSettings(RealtimeEnv, { WS_FRAMES_PER_CONNECTION: "lots" })).toThrow(/<count>\/<window>/);
  });
});

describe("the realtime process's configuration", () => {
  it("is parsed once, from one schema: a ConfigError names the API's and the WebSocket server's bad settings at once", async () => {
    const error = await loadRealtimeProcessConfig({
      NODE_ENV: "test",
      REDIS_URL: "http://nope",
      WS_MAX_SUBSCRIPTIONS: "0",
      REALTIME_PORT: "not-a-port",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid configuration:/);
    for (const name of ["REDIS_URL", "WS_MAX_SUBSCRIPTIONS", "REALTIME_PORT"]) expect(message).toContain(name);
  });

  it("hands down the API's configuration and the WebSocket server's settings from that one parse", async () => {
    const { api, env } = await loadRealtimeProcessConfig({
      NODE_ENV: "production",
      JWT_SECRET: "s".repeat(32),
      SYSTEM_USER_NAME: "narrator",
      WS_MAX_SUBSCRIPTIONS: "7",
      REALTIME_PORT: "4100",
    });
    expect(api.env).toBe("production");
    expect(api.systemUserName).toBe("narrator");
    expect(env.WS_MAX_SUBSCRIPTIONS).toBe(7);
    expect(env.REALTIME_PORT).toBe(4100);
    await expect(loadRealtimeProcessConfig({ NODE_ENV: "production" })).rejects.toThrow(
      "JWT_SECRET must be set (at least 32 bytes) when NODE_ENV=production",
    );
  });
});
