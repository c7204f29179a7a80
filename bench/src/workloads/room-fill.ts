import { createDb, type Database } from "@parley/db";
import { type SQL, sql } from "drizzle-orm";

/**
 * Rooms filled in SQL for the workloads that need many messages before they measure (the send
 * path's edits, reactions and deletions, the history pages with reactions, threads and pins).
 * Every statement is a parameterized drizzle `sql` template; each fill takes the room's next
 * sequence numbers by bumping `rooms.last_seq` in the same transaction, so the room's sequence
 * stays gap-free as Parley's own writes keep it.
 */

/** Runs `work` on a one-connection drizzle handle to the bench's database, closed afterwards. */
export async function withDb<T>(databaseUrl: string, work: (db: Database) => Promise<T>): Promise<T> {
  const { db, close } = await createDb({ databaseUrl, dataDir: "", poolMax: 1 });
  try {
    return await work(db);
  } finally {
    await close();
  }
}

/** The rows of a raw statement (postgres-js answers an array; PGlite an object with `rows`). */
export async function rowsOf<T>(db: Pick<Database, "execute">, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

/** The room's current sequence number (`rooms.last_seq`). */
export async function lastSeq(db: Database, roomId: number): Promise<number> {
  const [row] = await rowsOf<{ seq: string | number }>(db, sql`select last_seq as seq from rooms where id = ${roomId}`);
  return Number(row?.seq ?? 0);
}

/**
 * Appends `count` top-level text messages by `authorId` ("<text> 1" … "<text> count") in one
 * statement: the room's sequence bumped by `count` and one INSERT … SELECT generate_series under
 * the numbers it freed. Answers their ids, oldest first.
 */
export async function appendMessages(
  db: Database,
  { roomId, authorId, count, text }: { roomId: number; authorId: number; count: number; text: string },
): Promise<number[]> {
  const rows = await rowsOf<{ id: string | number }>(
    db,
    sql`with room as (
          update rooms set last_seq = last_seq + ${count}::int where id = ${roomId}::int
          returning last_seq - ${count}::int as base
        )
        insert into messages (room_id, author_id, kind, body, seq)
          select ${roomId}::int, ${authorId}::int, 'text', ${text}::text || ' ' || g, room.base + g
          from room, generate_series(1, ${count}::int) g
        returning id`,
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** What `fillRichRoom` stored. */
export interface RichRoom {
  /** Every message, replies included. */
  messages: number;
  /** Top-level messages (what history pages show). */
  topLevel: number;
  replies: number;
  /** Parents with a thread (2 replies each). */
  threads: number;
  reactionRows: number;
  pins: number;
  edited: number;
}

/** The emoji on every top-level message, each with how many users reacted with it. */
export const RICH_REACTIONS = [
  { emoji: "👍", users: 4 },
  { emoji: "😂", users: 2 },
  { emoji: "🎉", users: 1 },
] as const;

/**
 * Fills a room as an active one looks: in every block of 10 sequence numbers, 8 top-level messages
 * by the first users in turn, then 2 replies to the block's first message by two others (its
 * `reply_count`, `last_reply_at` and `thread_participant_ids` set from them, as the send service
 * keeps them); every top-level message carries the `RICH_REACTIONS` (7 reaction rows from 4
 * users); one top-level message in every 10 edited; and the room's pins (at most 100, the room's
 * cap) spread evenly. Needs at least 4 users in the database, all members of the room.
 */
export async function fillRichRoom(db: Database, { roomId, count }: { roomId: number; count: number }) {
  const pinEvery = 10 * Math.ceil(count / 1000);
  return db.transaction(async (tx) => {
    const [room] = await rowsOf<{ base: string | number }>(
      tx,
      sql`update rooms set last_seq = last_seq + ${count}::int where id = ${roomId}::int returning last_seq - ${count}::int as base`,
    );
    const base = Number(room?.base ?? 0);
    const users = (await rowsOf<{ id: number }>(tx, sql`select id from users order by id limit 4`)).map((u) => u.id);
    if (users.length < 4) throw new Error("fillRichRoom needs 4 users");
    const userArray = sql`array[${sql.join(
      users.map((id) => sql`${id}::int`),
      sql`, `,
    )}]`;
    // Top-level: positions 0..7 of each block; users 1, 2 and 3 write in turn.
    await tx.execute(sql`
      insert into messages (room_id, author_id, kind, body, seq, edited_at)
        select ${roomId}::int, (${userArray})[1 + g % 3], 'text', 'history message ' || g, ${base}::bigint + g,
               case when g % 10 = 3 then now() end
        from generate_series(1, ${count}::int) g
        where (g - 1) % 10 < 8`);
    // Replies: positions 8 and 9, to the block's first message, by users 2 and 4.
    await tx.execute(sql`
      insert into messages (room_id, author_id, kind, body, seq, parent_id)
        select ${roomId}::int, (${userArray})[case when (g - 1) % 10 = 8 then 2 else 4 end], 'text', 'reply ' || g,
               ${base}::bigint + g, p.id
        from generate_series(1, ${count}::int) g
        join messages p on p.room_id = ${roomId}::int and p.seq = ${base}::bigint + g - (g - 1) % 10
        where (g - 1) % 10 >= 8`);
    const [threads] = await rowsOf<{ n: number }>(
      tx,
      sql`with thread as (
            select parent_id, count(*)::int as n, max(created_at) as last, array_agg(author_id order by seq) as who
            from messages where room_id = ${roomId}::int and parent_id is not null group by parent_id
          ), updated as (
            update messages p set reply_count = thread.n, last_reply_at = thread.last, thread_participant_ids = thread.who
            from thread where p.id = thread.parent_id returning 1
          )
          select count(*)::int as n from updated`,
    );
    const reactionRows = RICH_REACTIONS.map(
      (r) => sql`select ${r.emoji}::text as emoji, ${r.users}::int as users`,
    ).reduce((all, one) => sql`${all} union all ${one}`);
    await tx.execute(sql`
      insert into reactions (message_id, emoji, user_id)
        select m.id, r.emoji, (${userArray})[u]
        from messages m
        cross join (${reactionRows}) r
        cross join lateral generate_series(1, r.users) u
        where m.room_id = ${roomId}::int and m.parent_id is null and m.seq > ${base}::bigint`);
    const [pins] = await rowsOf<{ n: number }>(
      tx,
      sql`with pinned as (
            update messages set pinned_at = now(), pinned_by = (${userArray})[1]
            where room_id = ${roomId}::int and parent_id is null and (seq - ${base}::bigint - 1) % ${pinEvery}::int = 0
            returning 1
          )
          select count(*)::int as n from pinned`,
    );
    const [counts] = await rowsOf<{ messages: number; top: number; reactions: number; edited: number }>(
      tx,
      sql`select count(*)::int as messages, (count(*) filter (where parent_id is null))::int as top,
                 (count(*) filter (where edited_at is not null))::int as edited,
                 (select count(*)::int from reactions join messages m on m.id = reactions.message_id
                  where m.room_id = ${roomId}::int) as reactions
          from messages where room_id = ${roomId}::int and seq > ${base}::bigint`,
    );
    return {
      messages: counts?.messages ?? 0,
      topLevel: counts?.top ?? 0,
      replies: (counts?.messages ?? 0) - (counts?.top ?? 0),
      threads: threads?.n ?? 0,
      reactionRows: counts?.reactions ?? 0,
      pins: pins?.n ?? 0,
      edited: counts?.edited ?? 0,
    } satisfies RichRoom;
  });
}

/** The sequence number of the `n`th oldest top-level message of a room (1-based). */
export async function nthTopLevelSeq(db: Database, roomId: number, n: number): Promise<number> {
  const [row] = await rowsOf<{ seq: string | number }>(
    db,
    sql`select seq from messages where room_id = ${roomId}::int and parent_id is null order by seq offset ${n - 1}::int limit 1`,
  );
  return Number(row?.seq ?? 0);
}
