import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient } from "./clients";
import { expectDrained, shutdownWithSendsInFlight } from "./drain-round";
import { startRealtime } from "./processes";

/**
 * A shutdown with calls in flight, on the realtime process: SIGTERM while typed clients' sends are
 * under way, at several moments; every call ends answered and every stored message acknowledged.
 */
describe("a realtime instance that gets SIGTERM with sends in flight", () => {
  let database: TestDatabase;
  let sql: postgres.Sql;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
    await database?.dispose();
  });

  it.each([5, 20, 60, 150, 300])(
    "answers every call in flight (SIGTERM %i ms in), then closes",
    async (sigtermAfterMs) => {
      const server = await startRealtime({
        DATABASE_URL: database.url,
        JWT_SECRET: "a drain test secret of 32 bytes or more",
        SHUTDOWN_DRAIN_MS: "60000", // this shared machine may be slow: the deadline is not what is tested
      });
      const round = await shutdownWithSendsInFlight(server, { sigtermAfterMs });
      const stored = await sql<{ client_id: string }[]>`select client_id from messages where client_id is not null`;
      expectDrained(
        round,
        stored.map((row) => row.client_id),
      );
      expect(server.process.exitCode).toBe(0);
    },
  );

  it("refuses a call that arrives during the drain with words that say to retry", async () => {
    const server = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: "a drain test secret of 32 bytes or more",
      SHUTDOWN_DRAIN_MS: "60000", // this shared machine may be slow: the deadline is not what is tested
    });
    // Sends spread over the drain: the first are in flight at SIGTERM, the rest arrive during it.
    const round = await shutdownWithSendsInFlight(server, { sockets: 2, callsPerSocket: 400, sigtermAfterMs: 5 });
    const stored = await sql<{ client_id: string }[]>`select client_id from messages where client_id is not null`;
    expectDrained(
      round,
      stored.map((row) => row.client_id),
    );
    expect([...round.outcomes.values()]).toContain("restarting");
  });

  it("counts no call of a frame refused as unparseable as in flight: the drain does not wait for them", async () => {
    const server = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: "a drain test secret of 32 bytes or more",
      SHUTDOWN_DRAIN_MS: "60000",
    });
    const username = `u${randomBytes(4).toString("hex")}`;
    const { token } = await httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" });
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${token}`);
    await once(ws, "open");
    // Frames of a good call and an item that is no call, again and again: each frame is answered
    // PARSE_ERROR as a whole, and none of its calls runs or stays counted in the drain.
    const answers: string[] = [];
    ws.on("message", (data) => answers.push(String(data)));
    const frames = 20;
    for (let id = 1; id <= frames; id++) {
      ws.send(JSON.stringify([{ id, method: "query", params: { path: "auth.me" } }, { method: "query" }]));
    }
    while (answers.length < frames) await once(ws, "message");
    expect(new Set(answers.map((a) => JSON.parse(a).error?.data?.code))).toEqual(new Set(["PARSE_ERROR"]));
    // The drain's deadline is a minute: a shutdown that waited for those calls would take it.
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
