import { type Database, schema } from "@parley/db";
import { asc, eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { expectTrpcError, type Harness } from "./harness";

/** What the database holds about a room's messages: two of these compare for "nothing changed". */
export async function roomState(db: Database, roomId: number) {
  const [room] = await db
    .select({ lastSeq: schema.rooms.lastSeq })
    .from(schema.rooms)
    .where(eq(schema.rooms.id, roomId));
  const messages = await db
    .select()
    .from(schema.messages)
    .where(eq(schema.messages.roomId, roomId))
    .orderBy(asc(schema.messages.seq));
  const ids = messages.map((m) => m.id);
  const reactions = await db
    .select()
    .from(schema.reactions)
    .where(sql`${schema.reactions.messageId} in (select id from messages where room_id = ${roomId})`)
    .orderBy(asc(schema.reactions.messageId), asc(schema.reactions.emoji), asc(schema.reactions.userId));
  const mentions = await db
    .select()
    .from(schema.mentions)
    .where(eq(schema.mentions.roomId, roomId))
    .orderBy(asc(schema.mentions.seq), asc(schema.mentions.userId));
  const changes = await db
    .select()
    .from(schema.messageChanges)
    .where(eq(schema.messageChanges.roomId, roomId))
    .orderBy(asc(schema.messageChanges.seq));
  return { lastSeq: room?.lastSeq, ids, messages, reactions, mentions, changes };
}

/**
 * Expects the room's sequence to be gap-free: its messages' and changes' numbers together are
 * exactly 1..last_seq, each once.
 */
export async function expectGapFree(db: Database, roomId: number) {
  const state = await roomState(db, roomId);
  const seqs = [...state.messages.map((m) => m.seq), ...state.changes.map((c) => c.seq)].sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: state.lastSeq ?? 0 }, (_, i) => i + 1));
}

/** Rows anywhere in the message tables whose text (any column) holds `text`: a deleted text must be in none. */
export async function rowsHolding(db: Database, text: string): Promise<number> {
  const pattern = `%${text}%`;
  let total = 0;
  for (const table of ["messages", "message_changes", "mentions", "reactions"]) {
    const result = await db.execute(
      sql`select count(*)::int as n from ${sql.identifier(table)} t where t::text like ${pattern}`,
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
    total += Number(rows[0]?.n ?? 0);
  }
  return total;
}

/** An error code of tRPC's, as `expectTrpcError` takes it. */
export type TrpcCode = Parameters<typeof expectTrpcError>[1];

/**
 * Expects a call to fail with this code and words, leaving the room exactly as it was and announcing
 * nothing on its channel; answers the error.
 */
export async function expectRefused(
  h: Harness,
  roomId: number,
  call: () => Promise<unknown>,
  code: TrpcCode,
  words: RegExp,
) {
  const before = await roomState(h.deps.db, roomId);
  const heard = await h.listen(`room:${roomId}`);
  const error = await expectTrpcError(call(), code, words);
  heard.stop();
  expect(await roomState(h.deps.db, roomId)).toEqual(before);
  expect(heard.events).toEqual([]);
  return error;
}
