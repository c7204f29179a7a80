import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type ExtractTablesWithRelations, fillPlaceholders, type SQL } from "drizzle-orm";
import { type PgDatabase, PgDialect, type PgQueryResultHKT, type PgTransaction } from "drizzle-orm/pg-core";
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
  /**
   * How a job queue (pg-boss) reaches this database: PostgreSQL's URL, for a pool of its own; or,
   * for PGlite (one connection, in process), a function that runs its SQL on this one.
   */
  queueTarget: { connectionString: string } | { db: SqlExecutor };
  /**
   * Calls `onNotify` for every NOTIFY on `channel` (postgres.js's dedicated listening connection,
   * which reconnects by itself; PGlite's in-process notifications). Resolves, once listening, to the
   * function that stops it.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  /**
   * Runs `work` while holding PostgreSQL's session advisory lock `key` (on a connection reserved for
   * it), so that processes starting together take turns; on PGlite (one process) it just runs it.
   * Rejects with `work`'s error, the lock released.
   */
  exclusively<T>(key: number, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Runs one SQL text: with `values`, one statement with $1… parameters; without, any statements (the last one's rows). */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

const dialect = new PgDialect();

/** The driver's client under a database: postgres.js's on PostgreSQL, PGlite's in process. */
const clientOf = (db: Database): unknown => (db as { $client?: unknown }).$client;

/** `client` as postgres.js's client, or undefined (PGlite's). */
const asPostgres = (client: unknown): postgres.Sql | undefined =>
  typeof client === "function" && "unsafe" in client ? (client as postgres.Sql) : undefined;

/**
 * Runs one statement on its own (in its own transaction, committed when it answers) as a statement
 * prepared once per pooled connection, and answers its rows (objects by column name; `bigint`
 * columns as strings on PostgreSQL). For the statements of a hot path whose text never changes
 * (only their parameters do): drizzle's `execute` does not prepare, and postgres.js then asks the
 * server to describe every parameterized statement before binding it, a second round trip each
 * time. Prepared, the statement costs one round trip once its connection has seen it. On PGlite
 * (in process, no round trips) it is drizzle's `execute`. Rejects with the database's error.
 */
export async function executePrepared(db: Database, statement: SQL): Promise<Record<string, unknown>[]> {
  const client = asPostgres(clientOf(db));
  if (client) {
    const { sql, params } = dialect.sqlToQuery(statement);
    return client.unsafe(sql, params as postgres.ParameterOrJSON<never>[], { prepare: true });
  }
  const result: unknown = await db.execute(statement);
  return Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows;
}

/**
 * A read statement built once: `statement`'s text is rendered here, once, with
 * `sql.placeholder(name)` for each parameter; the function answers its rows for the parameters'
 * `values` (by placeholder name), each an array of its columns' values in the select's order, with
 * no mapping by drizzle (`bigint` columns as strings on PostgreSQL, as numbers or bigints on
 * PGlite; `json` parsed; `int[]` as arrays of numbers). Arrays, not objects by column name:
 * postgres.js builds an object row with one keyed store per column, which for a wide row costs
 * more than everything else it does. On PostgreSQL it runs as `executePrepared` does (prepared
 * once per pooled connection: one round trip); on PGlite by PGlite's own `query`. For hot reads
 * whose rows the caller turns into their public shape itself: the statement should give every
 * column in a form both drivers return alike (text for times, for instance). Rejects with the
 * database's error.
 */
export function preparedRead(statement: SQL): (db: Database, values: Record<string, unknown>) => Promise<unknown[][]> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  return async (db, values) => {
    const args = fillPlaceholders(params, values);
    const client = clientOf(db);
    const pg = asPostgres(client);
    if (pg) return pg.unsafe(text, args as postgres.ParameterOrJSON<never>[], { prepare: true }).values();
    return (await (client as PGlite).query<unknown[]>(text, args, { rowMode: "array" })).rows;
  };
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
    queueTarget: { connectionString: url },
    async listen(channel, onNotify) {
      const { unlisten } = await client.listen(channel, onNotify);
      return unlisten;
    },
    async exclusively(key, work) {
      const reserved = await client.reserve();
      try {
        await reserved`select pg_advisory_lock(${key})`;
        try {
          return await work();
        } finally {
          await reserved`select pg_advisory_unlock(${key})`;
        }
      } finally {
        reserved.release();
      }
    },
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
  const executeSql: SqlExecutor["executeSql"] = async (text, values) => {
    if (values?.length) return client.query(text, values);
    const results = await client.exec(text);
    return results.at(-1) ?? { rows: [] };
  };
  return {
    db,
    driver: "pglite",
    queueTarget: { db: { executeSql } },
    listen: (channel, onNotify) => client.listen(channel, onNotify),
    exclusively: (_key, work) => work(),
    close: () => client.close(),
  };
}
