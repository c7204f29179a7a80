import { createDb, type DbHandle } from "@parley/db";
import { createAccessCache } from "./access-cache";
import { type Bus, createBus } from "./bus";
import type { Deps } from "./deps";
import type { ApiConfig } from "./env";
import type { Logger } from "./logger";
import { createMemoryPresence, createRedisPresence } from "./presence";

export interface Runtime {
  deps: Deps;
  db: DbHandle;
  bus: Bus;
  log: Logger;
  close(): Promise<void>;
}

/** Builds the process's dependencies from its configuration: the database (migrated) and the bus. */
export async function createRuntime(config: ApiConfig, log: Logger): Promise<Runtime> {
  const db = await createDb(config.db);
  const bus = createBus(config.redisUrl, {
    prefix: config.redisPrefix,
    onError: (error) => log.warn({ err: error }, "an event could not be published; subscribers heal from the database"),
  });
  const presence = config.redisUrl
    ? createRedisPresence(config.redisUrl, bus, { prefix: config.redisPrefix })
    : createMemoryPresence(bus);
  const access = createAccessCache(bus, { ttlMs: config.accessCacheMs });
  const deps: Deps = {
    db: db.db,
    bus,
    presence,
    access,
    auth: config.auth,
    reservedUsernames: [config.systemUserName, config.errorUserName],
    clock: () => new Date(),
    live: { resumeLimit: config.resumeLimit, typingTtlMs: 5000 },
  };
  return {
    deps,
    db,
    bus,
    log,
    async close() {
      access.close();
      await presence.close();
      await bus.close();
      await db.close();
    },
  };
}
