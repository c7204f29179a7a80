import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { createDb, type Database, type DbHandle } from "./client";
import { messages } from "./schema";

/** The PostgreSQL server tests create their databases on; CI and the README's setup provide it. */
export const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const testRedisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export type Driver = "postgres" | "pglite";
export const drivers: Driver[] = ["postgres", "pglite"];

export interface TestDatabase {
  url: string;
  handle: DbHandle;
  /** Closes the handle and drops the database. */
  dispose(): Promise<void>;
}

/** A fresh, migrated database of its own: `parley_test_<random>` on PostgreSQL, or PGlite in memory. */
export async function createTestDatabase(driver: Driver = "postgres"): Promise<TestDatabase> {
  if (driver === "pglite") {
    const handle = await createDb({ databaseUrl: "memory://", dataDir: "", poolMax: 1 });
    return { url: "memory://", handle, dispose: () => handle.close() };
  }
  const url = await createEmptyPostgresDatabase();
  const handle = await createDb({ databaseUrl: url.href, dataDir: "", poolMax: 10 });
  return {
    url: url.href,
    handle,
    async dispose() {
      await handle.close();
      await dropPostgresDatabase(url);
    },
  };
}

export async function createEmptyPostgresDatabase(): Promise<URL> {
  const name = `parley_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url;
}

export async function dropPostgresDatabase(url: URL): Promise<void> {
  const name = url.pathname.slice(1);
  if (!/^parley_test_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * Waits until `check` holds (it throws until then), trying again on the next turn of the event
 * loop, or every `everyMs` for state another process reaches in its own time. Fails with the last
 * error after `timeoutMs`.
 */
export async function eventually(check: () => unknown, timeoutMs = 5000, everyMs = 0): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => (everyMs > 0 ? setTimeout(resolve, everyMs) : setImmediate(resolve)));
    }
  }
}

/**
 * Moves a message's creation time (`created_at`): tests of what depends on a message's day (day
 * dividers, "Yesterday") need history written on other days. Throws when no such message exists.
 */
export async function backdateMessage(db: Database, messageId: number, createdAt: Date): Promise<void> {
  const moved = await db.update(messages).set({ createdAt }).where(eq(messages.id, messageId)).returning({
    id: messages.id,
  });
  if (moved.length === 0) throw new Error(`no message ${messageId} to backdate`);
}
