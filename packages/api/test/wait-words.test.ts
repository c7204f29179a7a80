import { describe, expect, it } from "vitest";
import { formatWait, RateLimited } from "../src/limits";

describe("waits told to people", () => {
  it("says seconds, minutes and hours the way people do, never shorter than the wait", () => {
    const cases: [number, string][] = [
      [0, "1 second"],
      [0.2, "1 second"],
      [1, "1 second"],
      [45, "45 seconds"],
      [60, "1 minute"],
      [61, "1 minute, 1 second"],
      [200, "3 minutes, 20 seconds"],
      [599, "9 minutes, 59 seconds"],
      [600, "10 minutes"],
      [601, "11 minutes"],
      [900, "15 minutes"],
      [2335, "39 minutes"],
      [3540, "59 minutes"],
      [3541, "1 hour"],
      [3600, "1 hour"],
      [3601, "1 hour, 1 minute"],
      [7500, "2 hours, 5 minutes"],
      [86_400, "24 hours"],
    ];
    expect(cases.map(([seconds]) => [seconds, formatWait(seconds)])).toEqual(cases);
  });

  it("is how a rate limit's refusal says when to try again; the seconds stay for Retry-After", () => {
    const refused = new RateLimited("too many failed logins for this account", 2335);
    expect(refused.message).toBe("too many failed logins for this account: try again in 39 minutes");
    expect(refused.retryAfterSeconds).toBe(2335);
  });
});
