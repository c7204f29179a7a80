import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDb, schema } from "@parley/db";
import { expectDrained, shutdownWithSendsInFlight } from "@parley/realtime/testing/drain";
import { isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWeb } from "./web-process";

/**
 * The all-in-one process (PGlite, in-memory bus) gets SIGTERM with sends in flight on its own
 * WebSocket: every call ends answered, and every stored message was acknowledged (see the realtime
 * process's test of the same race, which repeats it at several moments).
 */
describe("the all-in-one process, SIGTERM with sends in flight", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-drain-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("answers every call in flight, then closes", async () => {
    const server = await startWeb({
      NODE_ENV: "production",
      JWT_SECRET: "a drain test secret of 32 bytes or more",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      NEXT_TELEMETRY_DISABLED: "1",
      SHUTDOWN_DRAIN_MS: "60000", // this shared machine may be slow: the deadline is not what is tested
    });
    const round = await shutdownWithSendsInFlight(server, {
      sockets: 2,
      callsPerSocket: 400,
      sigtermAfterAnswers: 10,
      frameEveryMs: 25,
    });
    expect(round.answeredBeforeSigterm).toBeLessThan(round.outcomes.size); // calls were in flight
    expect(server.process.exitCode).toBe(0);
    const handle = await createDb({ databaseUrl: "", dataDir, poolMax: 1 });
    try {
      const stored = await handle.db
        .select({ clientId: schema.messages.clientId })
        .from(schema.messages)
        .where(isNotNull(schema.messages.clientId));
      expectDrained(
        round,
        stored.map((row) => row.clientId ?? ""),
      );
    } finally {
      await handle.close();
    }
  }, 180_000); // the web process starts slowly on a busy machine
});
