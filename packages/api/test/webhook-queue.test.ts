import { createDb } from "@parley/db";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger";
import { startWebhookQueue } from "../src/webhook-queue";
import { createHarness } from "./harness";

describe("the webhook job queue on PostgreSQL", () => {
  it("starts four queues at once (as four processes would) on a new database, three times (pg-boss's setup deadlocked without a lock)", async () => {
    const log = createLogger("test", "silent");
    for (let round = 0; round < 3; round++) {
      const h = await createHarness("postgres");
      const handles = await Promise.all(
        Array.from({ length: 3 }, () => createDb({ databaseUrl: h.database.url, dataDir: "", poolMax: 2 })),
      );
      try {
        const queues = await Promise.all(
          [h.database.handle, ...handles].map((handle) =>
            startWebhookQueue(h.deps, handle, h.deps.outgoingWebhooks, log),
          ),
        );
        expect(queues).toHaveLength(4);
        await Promise.all(queues.map((queue) => queue.close()));
      } finally {
        await Promise.all(handles.map((handle) => handle.close()));
        await h.dispose();
      }
    }
  }, 120_000);
});
