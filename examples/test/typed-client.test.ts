import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { type RunningServer, repoRoot, runScript, startRealtime } from "@parley/realtime/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("the typed-client example, against a real server process and PostgreSQL", () => {
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

  it("registers, creates a room and sends a message, then does it again as the same user", async () => {
    const script = path.join(repoRoot, "examples/typed-client.ts");
    const env = { PARLEY_URL: server.url, PARLEY_ROOM: "Example Room" };
    const first = await runScript(script, ["first words"], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("signed in as example-bot");
    expect(first.stdout).toContain('in room "Example Room"');
    expect(first.stdout).toContain("sent #1: first words");

    const second = await runScript(script, ["second words"], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("sent #2: second words");
    expect(second.stdout).toMatch(/\[1\] example-bot: first words\n\s+\[2\] example-bot: second words/);

    const sql = postgres(database.url, { max: 1 });
    try {
      const rows = await sql`select m.seq, m.body from messages m join rooms r on r.id = m.room_id
        where r.name = 'Example Room' order by m.seq`;
      expect(rows.map((r) => [Number(r.seq), r.body])).toEqual([
        [1, "first words"],
        [2, "second words"],
      ]);
    } finally {
      await sql.end();
    }
  });
});
