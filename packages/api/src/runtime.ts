import { createDb, type DbHandle } from "@parley/db";
import { createAccessCache } from "./access-cache";
import { type Bus, createBus } from "./bus";
import type { TrustProxy } from "./client-address";
import type { Deps } from "./deps";
import type { ApiConfig } from "./env";
import { startFileSweeper } from "./file-sweeper";
import { createFileStore, uploadTempDir } from "./files";
import { createLimits } from "./limits";
import type { Logger } from "./logger";
import { createMetrics } from "./metrics";
import { createMemoryPresence, createRedisPresence } from "./presence";
import { connectRedis } from "./redis";
import { fileLinkKey } from "./services/file-links";
import { ROOM_MENTION } from "./services/mentions";
import { applyRegistrationSetting } from "./services/registration";
import { createSendBatcher } from "./services/send-batch";
import { startWebhookQueue, type WebhookQueue } from "./webhook-queue";

export interface Runtime {
  deps: Deps;
  db: DbHandle;
  bus: Bus;
  log: Logger;
  /** Which proxies' X-Forwarded-For every transport believes (TRUST_PROXY). */
  trustProxy: TrustProxy;
  /** Outgoing webhooks' deliveries (pg-boss). */
  webhookQueue: WebhookQueue;
  close(): Promise<void>;
}

/** Builds the process's dependencies from its configuration: the database (migrated) and the bus. */
export async function createRuntime(config: ApiConfig, log: Logger): Promise<Runtime> {
  const db = await createDb(config.db);
  const bus = createBus(config.redis, {
    prefix: config.redisPrefix,
    onError: (error) => log.warn({ err: error }, "an event could not be published; subscribers heal from the database"),
  });
  const presence = config.redis
    ? createRedisPresence(config.redis, bus, { prefix: config.redisPrefix })
    : createMemoryPresence(bus);
  const access = createAccessCache(bus, { ttlMs: config.accessCacheMs });
  const metrics = createMetrics();
  // Its own connection, failing fast while Redis is away: the limits then count in memory.
  const limitsRedis = config.redis
    ? connectRedis(config.redis, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : undefined;
  limitsRedis?.on("error", () => {}); // ioredis reconnects by itself
  const limits = createLimits(config.limits, { redis: limitsRedis, prefix: config.redisPrefix, metrics });
  const store = await createFileStore(config.files);
  const deps: Deps = {
    db: db.db,
    bus,
    presence,
    access,
    auth: config.auth,
    reservedUsernames: [config.systemUserName, config.errorUserName, ROOM_MENTION],
    clock: () => new Date(),
    metrics,
    limits,
    // Group commit saves round trips to a PostgreSQL server; PGlite answers in-process on one
    // connection. (With it on PGlite, the all-in-one process's SIGTERM drain test hung: not yet
    // understood, so it is off there.)
    sends: db.driver === "postgres" ? createSendBatcher({ db: db.db }) : null,
    messages: { editWindowSeconds: config.messageEditWindowSeconds },
    files: {
      store,
      maxBytes: config.files.maxBytes,
      urlTtlSeconds: config.files.urlTtlSeconds,
      tempDir: uploadTempDir(config.files),
      linkKey: fileLinkKey(config.auth.secret),
    },
    live: { resumeLimit: config.resumeLimit, typingTtlMs: 5000 },
    outgoingWebhooks: config.webhooks,
  };
  await applyRegistrationSetting(deps, config.registration);
  const stopSweeping = startFileSweeper(deps, log);
  const webhookQueue = await startWebhookQueue(deps, db, config.webhooks, log);
  return {
    deps,
    db,
    bus,
    log,
    trustProxy: config.trustProxy,
    webhookQueue,
    async close() {
      stopSweeping();
      await webhookQueue.close();
      store.close();
      access.close();
      limitsRedis?.disconnect();
      await presence.close();
      await bus.close();
      await db.close();
    },
  };
}
