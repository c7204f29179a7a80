import { readFile } from "node:fs/promises";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { type RunningServer, repoRoot, runScript, startRealtime } from "@parley/realtime/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REST_TYPES_FILE, restTypes } from "../rest-types";

describe("the REST client example, generated from the OpenAPI document", () => {
  let database: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: "an example secret, 32 bytes or more!" });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  it("uses the types openapi-typescript makes of the document now (npm run rest-types regenerates them)", async () => {
    expect(await readFile(REST_TYPES_FILE, "utf8")).toBe(await restTypes());
  });

  it("signs up, creates a room, sends and reads back, then does it again as the same user", async () => {
    const script = path.join(repoRoot, "examples/rest-client.ts");
    const env = { PARLEY_URL: server.url, PARLEY_ROOM: "REST Room" };
    const first = await runScript(script, ["first over REST"], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("signed in as rest-example");
    expect(first.stdout).toContain('in room "REST Room"');
    expect(first.stdout).toContain("sent #1: first over REST");

    const second = await runScript(script, ["second over REST"], env);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("sent #2: second over REST");
    expect(second.stdout).toMatch(/\[2\] rest-example: second over REST\n\s+\[1\] rest-example: first over REST/);
  });
});
