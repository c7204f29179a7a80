import { createDb, type DbHandle } from "@parley/db";
import { type Bus, createBus } from "./bus";
import type { Deps } from "./deps";
import type { ApiConfig } from "./env";

export interface Runtime {
  deps: Deps;
  db: DbHandle;
  bus: Bus;
  close(): Promise<void>;
}

/** Builds the process's dependencies from its configuration: the database (migrated) and the bus. */
export async function createRuntime(config: ApiConfig): Promise<Runtime> {
  const db = await createDb(config.db);
  const bus = createBus(config.redisUrl);
  const deps: Deps = {
    db: db.db,
    bus,
    auth: config.auth,
    reservedUsernames: [config.systemUserName, config.errorUserName],
    clock: () => new Date(),
  };
  return {
    deps,
    db,
    bus,
    async close() {
      await bus.close();
      await db.close();
    },
  };
}
