import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { DbConfig } from "./env";
import * as schema from "./schema";

export type Schema = typeof schema;
/** The drizzle database, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DbHandle {
  db: Database;
  driver: "postgres" | "pglite";
  close(): Promise<void>;
}

// Built from the module's own path rather than `new URL("../drizzle", import.meta.url)`, which
// bundlers (Next's, for the web app's server code) try to resolve as an asset of their own.
const here = path.dirname(fileURLToPath(import.meta.url));
/**
 * The SQL migrations: `packages/db/drizzle`, or, when this module is part of a bundled server
 * (`npm run bundle`, the Docker images), the copy that the bundle carries beside itself.
 */
export const migrationsFolder =
  [path.join(here, "..", "drizzle"), path.join(here, "drizzle")].find((dir) =>
    existsSync(path.join(dir, "meta", "_journal.json")),
  ) ?? path.join(here, "..", "drizzle");

/** Any number taken once: identifies Parley's migration lock among advisory locks. */
const MIGRATION_LOCK_KEY = 727_539_001;

/**
 * Opens the database and brings its schema up to date. PostgreSQL when `databaseUrl` is a
 * postgres URL; embedded PGlite otherwise (in memory for `memory://`, else under `dataDir`).
 */
export async function createDb(config: DbConfig): Promise<DbHandle> {
  const url = config.databaseUrl;
  if (url && !url.startsWith("memory://")) return openPostgres(url, config.poolMax);
  return openPglite(url ? undefined : path.resolve(config.dataDir, "pglite"));
}

async function openPostgres(url: string, poolMax: number): Promise<DbHandle> {
  await migratePostgresLocked(url);
  const client = postgres(url, { max: poolMax, onnotice: () => {} });
  return {
    db: drizzlePostgres(client, { schema }),
    driver: "postgres",
    close: () => client.end({ timeout: 5 }),
  };
}

/** Several processes may start at once; an advisory lock lets one migrate while the rest wait. */
async function migratePostgresLocked(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres(client), { migrationsFolder });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

async function openPglite(dataDir: string | undefined): Promise<DbHandle> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db, driver: "pglite", close: () => client.close() };
}
