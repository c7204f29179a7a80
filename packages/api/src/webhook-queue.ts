import type { DbHandle } from "@parley/db";
import { schema } from "@parley/db";
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Deps } from "./deps";
import type { WebhooksConfig } from "./env";
import type { Logger } from "./logger";
import { DELIVERY_LOG_DAYS } from "./services/outgoing-webhooks";
import { attemptDelivery } from "./services/webhook-delivery";

/**
 * The job queue of outgoing-webhook deliveries: pg-boss (https://github.com/timgit/pg-boss), in the
 * `pgboss` schema of Parley's own database (PostgreSQL through its own small pool; PGlite through
 * the one in-process connection). Deliveries are written by the `messages` trigger of migration
 * 0011 (state "pending") and NOTIFY `parley_outgoing_webhooks`; each process LISTENs and relays
 * pending deliveries into the queue as jobs whose id is the delivery's own (pg-boss inserts with ON
 * CONFLICT DO NOTHING, so two relays, or a relay after a crash, never make two jobs of one). A
 * relay also runs every RELAY_INTERVAL_MS, for a notification missed while a listener reconnected.
 * Every process works the queue (pg-boss takes jobs with SKIP LOCKED: each job once).
 */

const { webhookDeliveries } = schema;

/** The queue's name in pg-boss. */
export const DELIVERY_QUEUE = "parley-webhook-delivery";
/** The channel migration 0011's trigger notifies. */
const CHANNEL = "parley_outgoing_webhooks";
/** Retries after the first attempt: with pg-boss's backoff (the n-th waits 2^(n-1)…2^n × WEBHOOK_RETRY_DELAY_SECONDS), 13 retries at 10 s span 23 to 45 hours. */
export const DELIVERY_RETRIES = 13;
/** How often each process relays pending deliveries without being notified, in milliseconds. */
const RELAY_INTERVAL_MS = 30_000;
/** How often the delivery log's old entries are removed, in milliseconds. */
const PRUNE_INTERVAL_MS = 60 * 60_000;
/** Deliveries relayed per round. */
const RELAY_BATCH = 500;
/** Workers per process, each polling the queue every 2 s unless woken by a relay. */
const WORKERS = 2;
/** Jobs a worker takes at once (and attempts together). */
const JOBS_PER_FETCH = 10;

export interface WebhookQueue {
  /** Hands every pending delivery to the queue now; resolves to how many were pending. */
  relay(): Promise<number>;
  /** Stops taking jobs, waits up to 5 s for attempts under way, and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts the queue (creating or upgrading pg-boss's schema), its workers, the listener and the
 * timers (unref'd). Rejects when the database refuses pg-boss's schema.
 */
export async function startWebhookQueue(
  deps: Deps,
  handle: DbHandle,
  config: WebhooksConfig,
  log: Logger,
): Promise<WebhookQueue> {
  const boss = new PgBoss({
    ...("connectionString" in handle.queueTarget
      ? { connectionString: handle.queueTarget.connectionString, max: 2, application_name: "parley-queue" }
      : { db: handle.queueTarget.db }),
    schema: "pgboss",
    // Its own archive and deletion of finished jobs; Parley's delivery log is webhook_deliveries.
    archiveCompletedAfterSeconds: 60 * 60,
    deleteAfterDays: 2,
  });
  boss.on("error", (error) => log.warn({ err: error }, "the webhook job queue hit an error; it carries on"));
  await boss.start();
  await boss.createQueue(DELIVERY_QUEUE);

  // Each worker takes up to JOBS_PER_FETCH jobs at once and attempts them together; a failed one is
  // failed alone (pg-boss then schedules its retry; the rest are completed when the handler returns),
  // and a full batch fetches again at once instead of waiting for the next poll.
  const workers: string[] = [];
  const onJobs = async (jobs: PgBoss.JobWithMetadata<{ deliveryId: string }>[], worker: () => string) => {
    const retry: string[] = [];
    await Promise.all(
      jobs.map(async (job) => {
        try {
          const outcome = await attemptDelivery(deps, job.data.deliveryId, job.retryCount >= job.retryLimit);
          if (outcome === "retry") retry.push(job.id);
        } catch (error) {
          log.warn(
            { err: error, deliveryId: job.data.deliveryId },
            "a webhook delivery could not be attempted; retried later",
          );
          retry.push(job.id);
        }
      }),
    );
    if (retry.length > 0) await boss.fail(DELIVERY_QUEUE, retry);
    if (jobs.length === JOBS_PER_FETCH) boss.notifyWorker(worker());
  };
  for (let i = 0; i < WORKERS; i++) {
    const id: string = await boss.work<{ deliveryId: string }>(
      DELIVERY_QUEUE,
      { batchSize: JOBS_PER_FETCH, pollingIntervalSeconds: 2, includeMetadata: true },
      (jobs) => onJobs(jobs, () => id),
    );
    workers.push(id);
  }

  async function relayOnce(): Promise<number> {
    const pending = await deps.db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.state, "pending"))
      .orderBy(asc(webhookDeliveries.createdAt))
      .limit(RELAY_BATCH);
    if (pending.length === 0) return 0;
    const ids = pending.map((p) => p.id);
    await boss.insert(
      ids.map((id) => ({
        id,
        name: DELIVERY_QUEUE,
        data: { deliveryId: id },
        retryLimit: DELIVERY_RETRIES,
        retryDelay: config.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: Math.ceil(config.timeoutMs / 1000) + 60,
      })),
    );
    await deps.db
      .update(webhookDeliveries)
      .set({ state: "queued", updatedAt: deps.clock() })
      .where(and(inArray(webhookDeliveries.id, ids), eq(webhookDeliveries.state, "pending")));
    for (const worker of workers) boss.notifyWorker(worker);
    return ids.length;
  }

  // One relay at a time; a call meanwhile runs one more round after it.
  let running: Promise<number> | undefined;
  let again = false;
  const relay = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        for (let n = await relayOnce(); n > 0; n = n === RELAY_BATCH ? await relayOnce() : 0) total += n;
      } while (again);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const relayLogged = () => {
    relay().catch((error: unknown) =>
      log.warn({ err: error }, "pending webhook deliveries could not be queued; retried soon"),
    );
  };

  const unlisten = await handle.listen(CHANNEL, relayLogged);
  const relayTimer = setInterval(relayLogged, RELAY_INTERVAL_MS);
  relayTimer.unref();
  const pruneTimer = setInterval(() => {
    const before = new Date(deps.clock().getTime() - DELIVERY_LOG_DAYS * 24 * 60 * 60_000);
    deps.db
      .delete(webhookDeliveries)
      .where(lt(webhookDeliveries.createdAt, before))
      .catch((error: unknown) =>
        log.warn({ err: error }, "old webhook deliveries could not be removed; retried in an hour"),
      );
  }, PRUNE_INTERVAL_MS);
  pruneTimer.unref();
  relayLogged(); // whatever was left pending when the server last stopped

  return {
    relay,
    async close() {
      clearInterval(relayTimer);
      clearInterval(pruneTimer);
      await unlisten().catch(() => {});
      await running?.catch(() => {});
      await boss.stop({ graceful: true, wait: true, timeout: 5000 });
    },
  };
}
