import { describe, expect, it } from "vitest";
import { loggedError } from "../src/logger";

describe("loggedError", () => {
  it("keeps a database error's message and statement but none of its parameters, at any depth", () => {
    const cause = Object.assign(new Error("insert failed"), {
      parameters: ["whsec_c2VjcmV0"],
      query: 'insert into "outgoing_webhooks"',
    });
    const error = Object.assign(new Error("Failed query"), { params: ["whsec_c2VjcmV0"], cause });
    const logged = loggedError(error);
    expect(JSON.stringify(logged)).not.toContain("whsec_");
    expect(logged).toMatchObject({ type: "Error", message: expect.stringContaining("Failed query") });
    expect(JSON.stringify(logged)).toContain("insert failed");
    expect(loggedError("plain words")).toBe("plain words");
  });
});
