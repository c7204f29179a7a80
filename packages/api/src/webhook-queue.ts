import type { DbHandle } from "@parley/db";
import { schema } from "@parley/db";
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Deps } from "./deps";
import type { WebhooksConfig } from "./env";
import type { Logger } from "./logger";
import { DELIVERY_LOG_DAYS } from "./services/outgoing-webhooks";
import { abandonDelivery, attemptDelivery } from "./services/webhook-delivery";

/**
 * The job queue of outgoing-webhook deliveries: pg-boss (https://github.com/timgit/pg-boss), in the
 * `pgboss` schema of Parley's own database (PostgreSQL through its own small pool; PGlite through
 * the one in-process connection). Deliveries are written by the `messages` trigger of migration
 * 0011 (state "pending") and NOTIFY `parley_outgoing_webhooks`; each process LISTENs and relays
 * pending deliveries into the queue as jobs whose id is the delivery's own (pg-boss inserts with ON
 * CONFLICT DO NOTHING, so two relays, or a relay after a crash, never make two jobs of one). A
 * relay also runs every RELAY_INTERVAL_MS, for a notification missed while a listener reconnected.
 * Every process works the queue (pg-boss takes jobs with SKIP LOCKED: each job once).
 *
 * A job that pg-boss fails for good without Parley having recorded its last attempt (the process
 * died during it, so the job expired; or the database failed while it was recorded) goes to the
 * dead-letter queue (pg-boss's `deadLetter`), where the same loop ends its delivery as "failed"
 * rather than leaving it "retrying" for ever.
 */

const { webhookDeliveries } = schema;

/** The queue's name in pg-boss. */
export const DELIVERY_QUEUE = "parley-webhook-delivery";
/** pg-boss's dead-letter queue for DELIVERY_QUEUE: jobs it failed for good, as `{ deliveryId }`. */
export const DEAD_DELIVERY_QUEUE = "parley-webhook-delivery-dead";
/** Any number taken once: identifies the queue's setup among advisory locks (the migrations' is 727_539_001). */
const QUEUE_SETUP_LOCK_KEY = 727_539_002;
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
/** Attempts each process has in flight at most (each at most WEBHOOK_TIMEOUT_MS). */
const ATTEMPTS_AT_ONCE = 32;
/** How often an idle process asks the queue for due jobs (retries come due by time), in milliseconds; a relay wakes it at once. */
const POLL_MS = 1000;

export interface WebhookQueue {
  /** Hands every pending delivery to the queue now; resolves to how many were pending. */
  relay(): Promise<number>;
  /** Stops taking jobs and listening, waits for the attempts under way (each ends within WEBHOOK_TIMEOUT_MS) to be recorded, then stops pg-boss. */
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
  // pg-boss's schema and queue setup deadlock when processes start together on a new database
  // (seen: two realtime instances, "deadlock detected" in create_queue): one at a time.
  await handle.exclusively(QUEUE_SETUP_LOCK_KEY, async () => {
    await boss.start();
    await boss.createQueue(DEAD_DELIVERY_QUEUE);
    await boss.createQueue(DELIVERY_QUEUE);
  });

  // Parley's loop over pg-boss's fetch, complete and fail: up to ATTEMPTS_AT_ONCE attempts in flight,
  // each job completed or failed on its own as soon as its attempt ends, so a receiver that never
  // answers holds one slot for WEBHOOK_TIMEOUT_MS and delays nobody else's delivery. (pg-boss's own
  // `work` releases a fetched batch only when its slowest job ends.)
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wake: (() => void) | undefined;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = undefined;
    });
  const attempt = async (job: PgBoss.JobWithMetadata<{ deliveryId: string }>) => {
    try {
      const outcome = await attemptDelivery(deps, job.data.deliveryId, job.retryCount >= job.retryLimit);
      if (outcome === "retry") await boss.fail(DELIVERY_QUEUE, job.id);
      else await boss.complete(DELIVERY_QUEUE, job.id);
    } catch (error) {
      log.warn(
        { err: error, deliveryId: job.data.deliveryId },
        "a webhook delivery could not be attempted; retried later",
      );
      await boss.fail(DELIVERY_QUEUE, job.id).catch(() => {});
    }
  };
  /** Ends the deliveries of jobs pg-boss failed for good behind Parley's back (see above). */
  const settleDeadLetters = async () => {
    const jobs = (await boss.fetch<{ deliveryId: string }>(DEAD_DELIVERY_QUEUE, { batchSize: 50 })) ?? [];
    for (const job of jobs) {
      try {
        await abandonDelivery(deps, job.data.deliveryId);
        await boss.complete(DEAD_DELIVERY_QUEUE, job.id);
      } catch (error) {
        log.warn(
          { err: error, deliveryId: job.data.deliveryId },
          "a dead webhook delivery could not be ended; retried",
        );
        await boss.fail(DEAD_DELIVERY_QUEUE, job.id).catch(() => {});
      }
    }
  };
  const work = async () => {
    while (!stopping) {
      const room = ATTEMPTS_AT_ONCE - inFlight.size;
      if (room === 0) {
        await Promise.race(inFlight);
        continue;
      }
      let jobs: PgBoss.JobWithMetadata<{ deliveryId: string }>[] = [];
      try {
        jobs =
          (await boss.fetch<{ deliveryId: string }>(DELIVERY_QUEUE, { batchSize: room, includeMetadata: true })) ?? [];
      } catch (error) {
        log.warn({ err: error }, "the webhook job queue could not be read; trying again");
      }
      for (const job of jobs) {
        const running: Promise<void> = attempt(job).finally(() => inFlight.delete(running));
        inFlight.add(running);
      }
      if (jobs.length === 0 && !stopping) {
        await settleDeadLetters().catch((error: unknown) =>
          log.warn({ err: error }, "the webhook dead-letter queue could not be read; trying again"),
        );
        await nap(POLL_MS);
      }
    }
  };
  const working = work();

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
        deadLetter: DEAD_DELIVERY_QUEUE, // per job: also for a queue made before it had one
        expireInSeconds: Math.ceil(config.timeoutMs / 1000) + 60,
      })),
    );
    await deps.db
      .update(webhookDeliveries)
      .set({ state: "queued", updatedAt: deps.clock() })
      .where(and(inArray(webhookDeliveries.id, ids), eq(webhookDeliveries.state, "pending")));
    wake?.();
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
      stopping = true;
      wake?.();
      await working;
      await Promise.allSettled(inFlight);
      await boss.stop({ graceful: true, wait: true, timeout: 5000 });
    },
  };
}
