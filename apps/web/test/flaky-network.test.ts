import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { isLinkFailure, messageOf } from "../src/client/errors";
import { RECONNECT_FIRST_DELAY_MS, RECONNECT_MAX_DELAY_MS, reconnectDelayMs } from "../src/client/link-health";
import { emptyTimeline, timelineReducer } from "../src/client/use-room-timeline";

describe("the reconnect backoff", () => {
  it("tries at once, then doubles from the first delay, and never waits longer than the cap", () => {
    const middle = () => 0.5; // no spread
    expect([0, 1, 2, 3, 4, 5, 50].map((attempt) => reconnectDelayMs(attempt, middle))).toEqual([
      0,
      RECONNECT_FIRST_DELAY_MS,
      RECONNECT_FIRST_DELAY_MS * 2,
      RECONNECT_FIRST_DELAY_MS * 4,
      RECONNECT_MAX_DELAY_MS,
      RECONNECT_MAX_DELAY_MS,
      RECONNECT_MAX_DELAY_MS,
    ]);
  });

  it("spreads each wait by at most 20 % either way", () => {
    expect(reconnectDelayMs(10, () => 0)).toBe(RECONNECT_MAX_DELAY_MS * 0.8);
    expect(reconnectDelayMs(10, () => 0.999_999)).toBeLessThanOrEqual(RECONNECT_MAX_DELAY_MS * 1.2);
  });
});

describe("a failure of the link, as opposed to a refusal", () => {
  const answered = (code: string) =>
    new TRPCClientError("refused", { result: { error: { message: "refused", code: -32600, data: { code } } } });

  it("is a call that never reached the server or was given up", () => {
    expect(isLinkFailure(TRPCClientError.from(new TypeError("Failed to fetch")))).toBe(true);
    expect(isLinkFailure(TRPCClientError.from(new DOMException("signal timed out", "TimeoutError")))).toBe(true);
    expect(messageOf(TRPCClientError.from(new TypeError("Failed to fetch")))).toBe(
      "the server could not be reached; check your connection",
    );
  });

  it("is a server that says it is restarting, but never a refusal in words", () => {
    expect(isLinkFailure(answered("SERVICE_UNAVAILABLE"))).toBe(true);
    expect(isLinkFailure(answered("BAD_REQUEST"))).toBe(false);
    expect(isLinkFailure(answered("FORBIDDEN"))).toBe(false);
    expect(messageOf(answered("BAD_REQUEST"))).toBe("refused");
  });
});

describe("a send handed to the outbox", () => {
  it("leaves the room's own list of messages on their way, and only it", () => {
    const createdAt = new Date(0).toISOString();
    let state = timelineReducer(emptyTimeline, {
      type: "outgoing",
      outgoing: { clientId: "a", text: "one", files: [], createdAt, status: "pending" },
    });
    state = timelineReducer(state, {
      type: "outgoing",
      outgoing: { clientId: "b", text: "two", files: [], createdAt, status: "pending" },
    });
    state = timelineReducer(state, { type: "dropped", clientId: "a" });
    expect(state.outgoing.map((item) => item.clientId)).toEqual(["b"]);
  });
});
