import { type Database, executePrepared, type Message, type schema, type Transaction } from "@parley/db";
import { type SQL, sql } from "drizzle-orm";
import type { BusEvent } from "../bus";
import type { Deps } from "../deps";
import { isUniqueViolation, notFound } from "../errors";
import type { MessageOut } from "../schemas";
import {
  type MentionCandidates,
  mentionCandidatesOfBatch,
  mentioner,
  NO_MENTIONS,
  namesAnybody,
  type ResolvedMentions,
  resolveMentionsOfBatch,
  writeMentionsOfBatch,
} from "./mentions";
import type { Writer } from "./message-log";
import { readMessages } from "./message-log";
import { messageOutOf } from "./output";
import { notAMember } from "./room-access";
import { publishInOrder } from "./transact";

/**
 * Group commit of new text messages: the sends that arrive while a batch is being stored wait, and
 * are stored together in the next one, in one transaction, however many rooms they go to.
 *
 * A batch costs the same whatever its size: one prepared statement, its own transaction, when no
 * text mentions anybody (the authors' memberships, the rooms' sequence numbers and the insert;
 * one round trip); with mentions, a transaction of a few statements. So a busy room stores many
 * messages per round trip instead of one, and its row lock is held for the end of one statement
 * and its commit only. An idle process stores a send at once, alone: no timer delays it. A room is
 * in one batch in flight at a time (its later sends wait for the next).
 *
 * Every guarantee of a message stored alone holds for each message of a batch:
 * - A room's sequence numbers stay gap-free: a message refused is given none, and the rooms are
 *   bumped by exactly the number of messages inserted, in the statement that inserts them.
 * - Each message is checked as `nextSeq` checks it: its author's membership and user rows are read
 *   and locked FOR KEY SHARE, so a leave or a rename waits for the batch or committed before.
 *   Mentions are decided as `resolveMentions` decides them, after the rooms are locked.
 * - One bad message fails alone, with its own error; the rest are stored. A batch that fails as a
 *   whole (a deadlock, a duplicate `clientId` committed meanwhile by another instance) is rolled
 *   back and each of its messages is stored again on its own; a failure that may have committed
 *   (the connection lost) fails each message with that error.
 * - Idempotent by `clientId`: a retry finds the message stored before (answered, not stored
 *   again), also when the same `clientId` comes twice into one batch.
 * - Answers and events only after the COMMIT; events in sequence order per room.
 */

/** A plain text message to store: not a reply, no files (those take `appendMessage`). */
export interface PlainSend {
  roomId: number;
  authorId: number;
  body: string;
  clientId?: string | undefined;
  /** An incoming webhook's message: the name and picture it shows instead of its bot's (see incoming-webhooks.ts). */
  senderOverride?: schema.SenderOverride | null | undefined;
  /**
   * An incoming webhook's message, which mentions as the room's owner would: its `@room` (Slack's
   * `<!here>`, `<!channel>`, `<!everyone>`) notifies every member. The hook is the owner's own
   * integration, made and kept by them; anyone else's `@room` stays plain text.
   */
  mentionsAsOwner?: boolean | undefined;
}

/** What a send came to: `stored` now, or stored before (a retry by `clientId`; nothing written). */
export interface SendResult {
  message: MessageOut;
  stored: boolean;
}

export interface SendBatcher {
  /**
   * Stores the message with whatever else is being sent, and answers once the batch has committed
   * and its events are published (the message's on `via.bus`, the bus of the caller's deps). Rejects with FORBIDDEN when the author is not a member of the
   * room (any more), or with the database's error when the message could not be stored.
   */
  send(message: PlainSend, via: Pick<Deps, "bus">): Promise<SendResult>;
}

export interface SendBatchOptions {
  /** The most messages in one transaction. */
  maxBatch: number;
  /** How many batches one process stores at once (each holds a pooled connection). */
  maxInFlight: number;
}

export const SEND_BATCH_DEFAULTS: SendBatchOptions = { maxBatch: 256, maxInFlight: 2 };

interface Pending {
  message: PlainSend;
  bus: Deps["bus"];
  resolve(result: SendResult): void;
  reject(error: unknown): void;
}

/** The process's group commit, over its database (one per process, in `Deps`). */
export function createSendBatcher(
  deps: Pick<Deps, "db">,
  options: SendBatchOptions = SEND_BATCH_DEFAULTS,
): SendBatcher {
  const queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  /** The rooms of the batches in flight: a room is in one batch at a time (see `takeBatch`). */
  const busy = new Set<number>();

  /**
   * Takes the next batch from the queue, in order: up to `maxBatch` sends to rooms no batch in
   * flight holds. A room's later sends wait until its batch has committed and handed its events to
   * the bus, so that its batches commit and publish one after another, and its events reach the
   * bus in sequence order (two batches of one room in flight could commit in one order and answer
   * in the other).
   */
  const takeBatch = (): Pending[] => {
    const batch: Pending[] = [];
    let kept = 0;
    for (const p of queue) {
      if (batch.length < options.maxBatch && !busy.has(p.message.roomId)) batch.push(p);
      else queue[kept++] = p;
    }
    queue.length = kept;
    return batch;
  };

  const pump = () => {
    scheduled = false;
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return;
      const rooms = new Set(batch.map((p) => p.message.roomId));
      for (const roomId of rooms) busy.add(roomId);
      inFlight++;
      let released = false;
      // Once the batch's events are handed to the bus (which keeps their order), or it failed.
      const release = () => {
        if (released) return;
        released = true;
        for (const roomId of rooms) busy.delete(roomId);
        inFlight--;
        pump();
      };
      void settleBatch(deps, batch, { published: release }).finally(release);
    }
  };

  return {
    send(message, via) {
      return new Promise<SendResult>((resolve, reject) => {
        queue.push({ message, bus: via.bus, resolve, reject });
        // Gathers what this turn of the event loop sends (the frames read from many sockets at once).
        if (!scheduled && inFlight < options.maxInFlight) {
          scheduled = true;
          setImmediate(pump);
        }
      });
    },
  };
}

/**
 * Stores a batch and answers each of its senders; never rejects. `published` is called once the
 * whole batch is stored and its events are handed to the bus (not when it is stored again in parts).
 */
async function settleBatch(
  deps: Pick<Deps, "db">,
  batch: Pending[],
  { again = false, published }: { again?: boolean; published?: () => void } = {},
): Promise<void> {
  let outcomes: Outcome[];
  try {
    outcomes = await storeBatch(deps, batch, published);
  } catch (error) {
    if (batch.length > 1 && rolledBack(error)) {
      // Nothing of the batch was stored: each message on its own, so that the one at fault fails
      // alone; one after another, so that a room's messages keep their order and publish in it.
      for (const p of batch) await settleBatch(deps, [p]);
      return;
    }
    if (!again && isUniqueViolation(error, "messages_client_id_key")) {
      // A retry of it committed meanwhile (on another instance): stored once more, it finds that one.
      await settleBatch(deps, batch, { again: true });
      return;
    }
    for (const p of batch) p.reject(error);
    return;
  }
  outcomes.forEach((outcome, i) => {
    const p = batch[i];
    if (!p) return;
    if ("error" in outcome) p.reject(outcome.error);
    else p.resolve(outcome);
  });
}

/** An error the database answered a statement with (SQLSTATE), not a lost connection: the transaction rolled back. */
function rolledBack(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const { code } = e as { code?: unknown };
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("08")) return true;
  }
  return false;
}

type Outcome = SendResult | { error: unknown };

/** A message's author as the batch found them: member of the room, and their current name and role. */
interface Checked {
  writer: Writer | null;
  /** The message already stored with the same `clientId` (a retry). */
  existingId: number | null;
}

/** A message of a batch as it was stored (its leader's index in the batch). */
interface Stored {
  index: number;
  message: MessageOut;
}

/** What the store of a batch's leaders came to, each by its index in the batch. */
interface Written {
  stored: Stored[];
  /** Not stored: the author is not a member of the room (any more), or the room is gone. */
  refused: number[];
  /** A retry: the id of the message stored before with the same `clientId`. */
  existing: Map<number, number>;
}

type Leader = { index: number; message: PlainSend };

/**
 * Stores the messages, publishes their events after the commit, and tells each message's outcome,
 * in order. A batch whose texts mention nobody (most) is one prepared statement, its own
 * transaction (`storePlain`); one with mentions takes a transaction of a few statements
 * (`storeWithMentions`). Throws when the batch failed as a whole.
 */
async function storeBatch(deps: Pick<Deps, "db">, sends: Pending[], published?: () => void): Promise<Outcome[]> {
  const batch = sends.map((s) => s.message);
  // A clientId twice in the batch is one message: later copies take the first one's outcome.
  const firstOf = new Map<string, number>();
  const leaderOf = batch.map((m, i) => {
    if (m.clientId === undefined) return i;
    const key = `${m.roomId}:${m.authorId}:${m.clientId}`;
    const first = firstOf.get(key);
    if (first !== undefined) return first;
    firstOf.set(key, i);
    return i;
  });
  const leaders = batch.flatMap((m, i) => (leaderOf[i] === i ? [{ index: i, message: m }] : []));

  const written = leaders.some(({ message }) => namesAnybody(message.body))
    ? await storeWithMentions(deps.db, leaders)
    : await storePlain(deps.db, leaders);
  const outcomes = new Map<number, Outcome>();
  const events: { bus: Deps["bus"]; event: BusEvent }[] = [];
  for (const { index, message } of written.stored) {
    const bus = sends[index]?.bus;
    if (bus) events.push({ bus, event: { type: "room.message", roomId: message.roomId, seq: message.seq, message } });
    outcomes.set(index, { message, stored: true });
  }
  for (const index of written.refused) outcomes.set(index, { error: notAMember() });
  const publishing = publishInOrder(events);
  published?.();
  await publishing;
  if (written.existing.size > 0) {
    const found = new Map((await readMessages(deps.db, [...written.existing.values()])).map((m) => [m.id, m]));
    for (const [index, id] of written.existing) {
      const message = found.get(id);
      // Gone with its room since the retry was read.
      outcomes.set(index, message ? { message, stored: false } : { error: notFound("message") });
    }
  }
  return batch.map((_, i) => {
    const outcome = outcomes.get(leaderOf[i] ?? i);
    if (!outcome) return { error: new Error("a batched message has no outcome") };
    // A copy of a message stored by this batch is a retry of it.
    return leaderOf[i] !== i && "message" in outcome ? { message: outcome.message, stored: false } : outcome;
  });
}

/**
 * Messages that mention nobody, in one statement (`plainStoreStatement`): one round trip, the
 * statement's own transaction, committed when it answers.
 */
async function storePlain(db: Database, leaders: Leader[]): Promise<Written> {
  const rows = await executePrepared(db, plainStoreStatement(leaders.map((l) => l.message)));
  const written: Written = { stored: [], refused: [], existing: new Map() };
  const seen = new Set<number>();
  for (const row of rows) {
    const n = Number(row.n);
    const leader = leaders[n];
    if (!leader || seen.has(n)) throw new Error(`a batch's statement answered message ${n} twice or out of range`);
    seen.add(n);
    if (row.user_id === null || row.user_id === undefined) written.refused.push(leader.index);
    else if (row.existing_id !== null && row.existing_id !== undefined) {
      written.existing.set(leader.index, Number(row.existing_id));
    } else if (row.id === null || row.id === undefined) {
      throw new Error(`a batch's statement stored no row for message ${n}`);
    } else {
      const message = messageOf(leader.message, Number(row.user_id), NO_MENTIONS, row);
      written.stored.push({ index: leader.index, message: messageOutOf(message, writerOf(row), [], []) });
    }
  }
  if (seen.size !== leaders.length) throw new Error(`a batch of ${leaders.length} messages answered ${seen.size}`);
  // In batch order, which is each room's sequence order (the statement answers in any order).
  written.stored.sort((a, b) => a.index - b.index);
  return written;
}

/**
 * The statement of `storePlain` (exported for the bench's bare-SQL anchor): for each message, in
 * one statement, its author's membership and user rows read and locked FOR KEY SHARE (as `nextSeq`
 * does), the message they already stored with the same `clientId` (a retry, not stored again), and
 * for the messages of members that are new: their rooms locked in id order, each room's `last_seq`
 * bumped by the number of its new messages, and the messages inserted, numbered in batch order.
 * One row per message (`n`, its index): `user_id` null for a non-member, else the author's name
 * and role, and `existing_id`, or the new row's `id`, `seq` and `created_ms`.
 *
 * The text is the same for every batch (the messages are one JSON parameter), so that it is
 * prepared once per connection. A room missing when its lock is taken (deleted meanwhile, which
 * the authors' locked memberships rule out) would leave its messages without an `id`, and the
 * batch fails rather than answer them.
 */
export function plainStoreStatement(batch: readonly PlainSend[]): SQL {
  const input = JSON.stringify(
    batch.map((m, n) => ({
      n,
      room_id: m.roomId,
      author_id: m.authorId,
      body: m.body,
      client_id: m.clientId ?? null,
      sender_override: m.senderOverride ?? null,
    })),
  );
  return sql`
    with input as (
      select * from json_to_recordset(${input}::json)
        as t(n int, room_id int, author_id int, body text, client_id text, sender_override jsonb)
    ),
    member as materialized (
      select m.room_id, m.user_id, m.role, u.username, u.display_name, u.is_bot
      from room_members m join users u on u.id = m.user_id
      where (m.room_id, m.user_id) in (select room_id, author_id from input)
      for key share of m, u
    ),
    checked as materialized (
      select i.n, i.room_id, i.body, i.client_id, i.sender_override, mb.user_id, mb.role, mb.username, mb.display_name, mb.is_bot,
        (select x.id from messages x
          where i.client_id is not null
            and x.room_id = i.room_id and x.author_id = i.author_id and x.client_id = i.client_id) as existing_id
      from input i
      left join member mb on mb.room_id = i.room_id and mb.user_id = i.author_id
    ),
    fresh as materialized (
      select c.n, c.room_id, c.user_id, c.body, c.client_id, c.sender_override, row_number() over (partition by c.room_id order by c.n) as k
      from checked c where c.user_id is not null and c.existing_id is null
    ),
    counts as (select room_id, count(*)::int as n from fresh group by room_id),
    locked as materialized (
      select r.id, r.last_seq from rooms r where r.id in (select room_id from counts) order by r.id for no key update
    ),
    bump as (
      update rooms r set last_seq = l.last_seq + c.n from locked l join counts c on c.room_id = l.id where r.id = l.id
    ),
    ins as (
      insert into messages (room_id, author_id, kind, body, seq, client_id, mention_ids, mentions_room, sender_override)
      select f.room_id, f.user_id, 'text', f.body, l.last_seq + f.k, f.client_id, '{}'::int[], false, f.sender_override
      from fresh f join locked l on l.id = f.room_id
      order by f.room_id, f.k
      returning id, room_id, seq, created_at
    )
    select c.n, c.user_id, c.role, c.username, c.display_name, c.is_bot, c.existing_id,
      ins.id, ins.seq, floor(extract(epoch from ins.created_at) * 1000)::float8 as created_ms
    from checked c
    left join fresh f on f.n = c.n
    left join locked l on l.id = f.room_id
    left join ins on ins.room_id = f.room_id and ins.seq = l.last_seq + f.k`;
}

/** The author a statement's row names (its `user_id`, `username`, `display_name`, `role`). */
const writerOf = (row: Row): Writer => ({
  id: Number(row.user_id),
  username: String(row.username),
  displayName: (row.display_name as string | null) ?? null,
  isBot: row.is_bot === true,
  role: row.role as Writer["role"],
});

/**
 * Messages, some mentioning somebody, in one transaction of a few statements: the named users
 * (locked before any room, as `mentionCandidates` does), the authors' check, the rooms locked, the
 * mentions decided, the insert and the mentions' rows.
 */
async function storeWithMentions(db: Database, leaders: Leader[]): Promise<Written> {
  const written: Written = { stored: [], refused: [], existing: new Map() };
  await db.transaction(async (tx) => {
    const candidates = await mentionCandidatesOfBatch(
      tx,
      leaders.map(({ message }) => ({ roomId: message.roomId, text: message.body })),
    );
    const checked = await checkAuthors(
      tx,
      leaders.map((l) => l.message),
    );
    const toStore: { index: number; message: PlainSend; writer: Writer; candidates: MentionCandidates | null }[] = [];
    leaders.forEach(({ index, message }, n) => {
      const check = checked[n];
      if (!check?.writer) written.refused.push(index);
      else if (check.existingId !== null) written.existing.set(index, check.existingId);
      else toStore.push({ index, message, writer: check.writer, candidates: candidates[n] ?? null });
    });
    if (toStore.length === 0) return;
    let mentioned: ResolvedMentions[] = toStore.map(() => NO_MENTIONS);
    if (toStore.some((s) => s.candidates)) {
      // Mentions are decided with the rooms locked, so that joins and leaves wait (see resolveMentions).
      await lockRooms(
        tx,
        toStore.map((s) => s.message.roomId),
      );
      mentioned = await resolveMentionsOfBatch(
        tx,
        toStore.map((s) => ({
          roomId: s.message.roomId,
          writer: mentioner(s.message, s.writer),
          candidates: s.candidates,
        })),
      );
    }
    const rows = toStore.map((s, n) => ({ ...s, mentions: mentioned[n] ?? NO_MENTIONS }));
    const inserted = await insertMessages(tx, rows);
    await writeMentionsOfBatch(
      tx,
      rows.map((r, n) => ({ message: inserted[n] as Message, notified: r.mentions.notified })),
    );
    rows.forEach((r, n) => {
      written.stored.push({ index: r.index, message: messageOutOf(inserted[n] as Message, r.writer, [], []) });
    });
  });
  return written;
}

type Row = Record<string, unknown>;
/** Rows of `execute`, whichever driver (postgres.js answers an array, PGlite an object with `rows`). */
const rowsOf = (result: unknown): Row[] => (Array.isArray(result) ? result : (result as { rows: Row[] }).rows);

/**
 * One statement for the whole batch: each message's author, their membership and user rows read
 * and locked FOR KEY SHARE (as `nextSeq` does), and the id of a message they already stored with
 * the same `clientId`. One entry per message, in order.
 */
async function checkAuthors(tx: Transaction, batch: PlainSend[]): Promise<Checked[]> {
  const result = await tx.execute(checkAuthorsStatement(batch));
  const checked: Checked[] = batch.map(() => ({ writer: null, existingId: null }));
  for (const row of rowsOf(result)) {
    checked[Number(row.n)] = {
      writer: row.user_id === null || row.user_id === undefined ? null : writerOf(row),
      existingId: row.existing_id === null || row.existing_id === undefined ? null : Number(row.existing_id),
    };
  }
  return checked;
}

/** The statement of `checkAuthors`. */
function checkAuthorsStatement(batch: readonly PlainSend[]): SQL {
  const input = JSON.stringify(
    batch.map((m, n) => ({ n, room_id: m.roomId, author_id: m.authorId, client_id: m.clientId ?? null })),
  );
  return sql`
    with input as (
      select * from json_to_recordset(${input}::json) as t(n int, room_id int, author_id int, client_id text)
    ),
    member as materialized (
      select m.room_id, m.user_id, m.role, u.username, u.display_name, u.is_bot
      from room_members m join users u on u.id = m.user_id
      where (m.room_id, m.user_id) in (select room_id, author_id from input)
      for key share of m, u
    )
    select i.n, mb.user_id, mb.role, mb.username, mb.display_name, mb.is_bot, e.id as existing_id
    from input i
    left join member mb on mb.room_id = i.room_id and mb.user_id = i.author_id
    left join lateral (
      select x.id from messages x
      where x.room_id = i.room_id and x.author_id = i.author_id and x.client_id = i.client_id
    ) e on i.client_id is not null`;
}

/** Locks the rooms' rows, in id order (so that batches over the same rooms never deadlock). */
async function lockRooms(tx: Transaction, roomIds: number[]): Promise<void> {
  const ids = [...new Set(roomIds)].sort((a, b) => a - b);
  await tx.execute(
    sql`select id from rooms where id = any(${`{${ids.join(",")}}`}::int[]) order by id for no key update`,
  );
}

/**
 * One statement: locks the rooms in id order, takes a block of sequence numbers from each (its
 * `last_seq` bumped by the number of its messages) and inserts the messages, numbered in batch
 * order. Answers the rows inserted, in the order of `rows`; throws if a room was missing (which
 * the authors' locked memberships rule out), so that nothing is stored with a gap.
 */
async function insertMessages(
  tx: Transaction,
  rows: { message: PlainSend; writer: Writer; mentions: ResolvedMentions }[],
): Promise<Message[]> {
  const { statement, ranks } = insertStatement(rows);
  return insertResult(await tx.execute(statement), rows, ranks);
}

/** The statement of `insertMessages` and each message's rank in its room. */
function insertStatement(
  rows: readonly { message: PlainSend; writer: Pick<Writer, "id">; mentions: ResolvedMentions }[],
): {
  statement: SQL;
  ranks: number[];
} {
  const rank = new Map<number, number>();
  const input = rows.map(({ message, writer, mentions }) => {
    const k = (rank.get(message.roomId) ?? 0) + 1;
    rank.set(message.roomId, k);
    return {
      k,
      room_id: message.roomId,
      author_id: writer.id,
      body: message.body,
      client_id: message.clientId ?? null,
      mention_ids: `{${mentions.userIds.join(",")}}`,
      mentions_room: mentions.room,
      sender_override: message.senderOverride ?? null,
    };
  });
  const statement = sql`
    with input as (
      select * from json_to_recordset(${JSON.stringify(input)}::json)
        as t(k int, room_id int, author_id int, body text, client_id text, mention_ids int[], mentions_room boolean,
          sender_override jsonb)
    ),
    counts as (select room_id, count(*)::int as n from input group by room_id),
    locked as materialized (
      select r.id, r.last_seq from rooms r where r.id in (select room_id from counts) order by r.id for no key update
    ),
    bump as (
      update rooms r set last_seq = l.last_seq + c.n from locked l join counts c on c.room_id = l.id where r.id = l.id
    ),
    ins as (
      insert into messages (room_id, author_id, kind, body, seq, client_id, mention_ids, mentions_room, sender_override)
      select i.room_id, i.author_id, 'text', i.body, l.last_seq + i.k, i.client_id, i.mention_ids, i.mentions_room,
        i.sender_override
      from input i join locked l on l.id = i.room_id
      order by i.room_id, i.k
      returning id, room_id, seq, created_at
    )
    select id, room_id, seq, floor(extract(epoch from created_at) * 1000)::float8 as created_ms from ins`;
  return { statement, ranks: input.map((i) => i.k) };
}

function insertResult(
  result: unknown,
  rows: { message: PlainSend; writer: Writer; mentions: ResolvedMentions }[],
  ranks: number[],
): Message[] {
  const bySeat = new Map<string, Row>();
  for (const row of rowsOf(result)) bySeat.set(`${Number(row.room_id)}:${Number(row.seq)}`, row);
  if (bySeat.size !== rows.length) throw new Error(`a batch of ${rows.length} messages inserted ${bySeat.size}`);
  const base = new Map<number, number>();
  for (const row of bySeat.values()) {
    const roomId = Number(row.room_id);
    base.set(roomId, Math.min(base.get(roomId) ?? Number.POSITIVE_INFINITY, Number(row.seq)));
  }
  return rows.map(({ message, writer, mentions }, n) => {
    const seq = (base.get(message.roomId) ?? 0) + (ranks[n] ?? 0) - 1;
    return messageOf(message, writer.id, mentions, bySeat.get(`${message.roomId}:${seq}`) as Row);
  });
}

/** The row of a new text message, from what was sent and what its insert answered (`id`, `seq`, `created_ms`). */
function messageOf(message: PlainSend, authorId: number, mentions: ResolvedMentions, inserted: Row): Message {
  return {
    id: Number(inserted.id),
    roomId: message.roomId,
    authorId,
    kind: "text",
    body: message.body,
    notice: null,
    senderOverride: message.senderOverride ?? null,
    seq: Number(inserted.seq),
    clientId: message.clientId ?? null,
    createdAt: new Date(Number(inserted.created_ms)),
    parentId: null,
    editedAt: null,
    deletedAt: null,
    pinnedAt: null,
    pinnedBy: null,
    mentionIds: mentions.userIds,
    mentionsRoom: mentions.room,
    replyCount: 0,
    lastReplyAt: null,
    threadParticipantIds: [],
  };
}
