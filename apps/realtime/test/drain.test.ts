import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});
