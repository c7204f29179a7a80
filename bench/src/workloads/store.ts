import { sendBatch } from "@parley/api/services";
import { createDb, type Database, executePrepared } from "@parley/db";
import { sql } from "drizzle-orm";
import { parleyPublisher } from "../clients/parley-client";
import { stampedBody } from "../clients/raw-client";
import type { LatencySummary } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { trpcCall } from "../systems/trpc-http";
import { rowsOf } from "./room-fill";
import { measure } from "./send-path";

/**
 * The store path (issue 17): how many messages one realtime instance stores per second, each
 * committed in PostgreSQL before its answer, into one room and spread over many rooms, over tRPC
 * WebSocket with many senders at once; then the p99 acknowledgement at half that rate. Beside each,
 * the anchor: the bare SQL of the same batches (the group commit's own statement, from
 * send-batch.ts) driven by postgres.js (through drizzle, as Parley drives it) with nothing else
 * around it, as the physical ceiling.
 */
export interface StoreRow {
  path: string;
  rooms: number;
  /** Closed loop (Parley: `concurrency` sends in flight; anchor: messages stored per second). */
  maxPerSec: number;
  failed: number;
  halfRate: number;
  atHalfRate: LatencySummary | null;
  /** Transactions committed per message stored (pg_stat_database), over the row's closed and open loops. */
  commitsPerMessage?: number;
  note?: string;
}

/** Parley's rows and their anchors: one room, then `rooms` rooms (`options.rooms`). */
export async function runStore(
  parley: ParleySystem,
  options: { seconds: number; concurrency: number; rooms: number },
): Promise<StoreRow[]> {
  const token = parley.tokens[0] ?? "";
  const instance = parley.instances[0]?.url ?? "";
  const me = await trpcCall<{ id: number }>(instance, "auth.me", undefined, { token, query: true });
  const oneRoom = [await parley.createRoom()];
  const manyRooms = await parley.createRooms(options.rooms);
  const { db, close } = await createDb({ databaseUrl: parley.database.url, dataDir: "", poolMax: 4 });
  const sockets = Array.from({ length: options.concurrency }, () => parleyPublisher(instance, token, oneRoom[0] ?? 0));
  await Promise.all(sockets.map((s) => s.ready));
  const rows: StoreRow[] = [];
  try {
    for (const rooms of [oneRoom, manyRooms]) {
      const label = rooms.length === 1 ? "one room" : `${rooms.length.toLocaleString("en")} rooms`;
      const commits = await commitCounter(db);
      let stored = 0;
      const row = await measure(
        `Parley, ${label}: messages.send over tRPC WebSocket, ${options.concurrency} in flight`,
        (n) =>
          (sockets[n % sockets.length] as (typeof sockets)[number])
            .mutate("messages.send", { roomId: rooms[n % rooms.length], text: stampedBody(0, n) })
            .then(() => void stored++),
        options.concurrency,
        options.seconds,
      );
      rows.push({
        path: row.path,
        rooms: rooms.length,
        maxPerSec: row.maxRequestsPerSec,
        failed: row.failed,
        halfRate: row.halfRate,
        atHalfRate: row.atHalfRate,
        commitsPerMessage: await commits.per(stored),
      });
      rows.push(await anchor(db, { ...options, rooms, authorId: me.id, batch: Math.max(1, options.concurrency / 2) }));
    }
  } finally {
    for (const s of sockets) s.close();
    await close();
  }
  return rows;
}

/**
 * The anchor: the group commit's statement for batches of `batch` messages that mention nobody
 * (`plainStoreStatement`, one statement in its own transaction, prepared as Parley runs it), two at
 * once as a realtime instance runs them, for `seconds`. Messages stored per second.
 */
async function anchor(
  db: Database,
  options: { rooms: number[]; authorId: number; batch: number; seconds: number },
): Promise<StoreRow> {
  const end = performance.now() + options.seconds * 1000;
  const commits = await commitCounter(db);
  let stored = 0;
  let failed = 0;
  let n = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const batch = Array.from({ length: options.batch }, () => {
        const i = n++;
        return {
          roomId: options.rooms[i % options.rooms.length] ?? 0,
          authorId: options.authorId,
          body: stampedBody(0, i),
        };
      });
      try {
        await executePrepared(db, sendBatch.plainStoreStatement(batch));
        stored += batch.length;
      } catch {
        failed += batch.length;
      }
    }
  };
  await Promise.all([worker(), worker()]);
  const label = options.rooms.length === 1 ? "one room" : `${options.rooms.length.toLocaleString("en")} rooms`;
  const row: StoreRow = {
    path: `anchor, ${label}: the same statement in bare postgres.js, batches of ${options.batch}, 2 at once`,
    rooms: options.rooms.length,
    maxPerSec: Math.round(stored / options.seconds),
    failed,
    halfRate: 0,
    atHalfRate: null,
    commitsPerMessage: await commits.per(stored),
  };
  console.log(`  store ${row.path}: ${JSON.stringify(row)}`);
  return row;
}

/** Commits in the bench database since it was made (pg_stat_database lags by up to a second). */
async function commitCounter(db: Database) {
  const read = async () => {
    const [row] = await rowsOf<{ n: string }>(
      db,
      sql`select xact_commit as n from pg_stat_database where datname = current_database()`,
    );
    return Number(row?.n ?? 0);
  };
  const start = await read();
  return {
    async per(messages: number) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      return messages ? Math.round((((await read()) - start) / messages) * 1000) / 1000 : 0;
    },
  };
}
