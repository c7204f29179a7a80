import { ConfigError, parseSettings } from "@parley/api";
import { describe, expect, it } from "vitest";
import { RealtimeEnv } from "../src/env";

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
