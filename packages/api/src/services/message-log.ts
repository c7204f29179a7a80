import {
  type Database,
  type Message,
  type MessageChange,
  preparedRead,
  type StoredFile,
  schema,
  type Transaction,
} from "@parley/db";
import { and, asc, eq, inArray, is, type SQL, sql, type WithSubquery } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { ParentUpdate } from "../bus";
import { notFound } from "../errors";
import type { MessageOut, ReactionOut } from "../schemas";
import { fileOutOf, type MessageAuthor, messageOutOf } from "./output";
import { notAMember } from "./room-access";
import { intArray, intArrayLiteral } from "./sql-arrays";
import type { Emit } from "./transact";

/**
 * The room's event log, the part every write shares: taking the room's next sequence number,
 * recording a change to a message under it, and reading messages as they are now.
 *
 * A room's sequence numbers are gap-free and strictly increasing across its messages (each row of
 * `messages` is the event of its own creation) and the changes to them (rows of
 * `message_changes`). A change row holds no text: replaying it reads the message as it is now.
 */

const { files, messages, messageChanges, reactions, rooms, roomMembers, users } = schema;

type Reader = Database | Transaction;

/** Who writes under a sequence number taken by `nextSeq`: their current name and role in the room. */
export interface Writer extends MessageAuthor {
  role: "owner" | "member";
}

/**
 * Takes the room's next sequence number inside the caller's transaction. The room row's
 * `last_seq` is bumped first, which locks the row until the transaction ends: a room's writes take
 * turns, and a rolled-back transaction gives its number back.
 *
 * For a member's write (`userId` given), the same statement reads and locks FOR KEY SHARE the
 * member's membership and user rows, so a leave (which deletes the membership) or a rename (which
 * locks the user FOR UPDATE) either waits for this write or has committed before it was read,
 * whatever any cache believes. Throws FORBIDDEN when the user is not a member (any more), NOT_FOUND
 * when the room does not exist. `userId` null: a system notice, with no writer.
 */
export async function nextSeq(
  tx: Transaction,
  roomId: number,
  userId: number | null,
): Promise<{ seq: number; writer: Writer | null }> {
  const bump = { lastSeq: sql`${rooms.lastSeq} + 1` };
  if (userId === null) {
    const [room] = await tx.update(rooms).set(bump).where(eq(rooms.id, roomId)).returning({ lastSeq: rooms.lastSeq });
    if (!room) throw notFound("room");
    return { seq: room.lastSeq, writer: null };
  }
  const member = tx.$with("member").as(
    tx
      .select({
        id: users.id,
        username: users.username,
        displayName: users.displayName,
        isBot: users.isBot,
        role: roomMembers.role,
      })
      .from(roomMembers)
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
      .for("key share"),
  );
  const [row] = await tx.with(member).update(rooms).set(bump).from(member).where(eq(rooms.id, roomId)).returning({
    lastSeq: rooms.lastSeq,
    id: member.id,
    username: member.username,
    displayName: member.displayName,
    isBot: member.isBot,
    role: member.role,
  });
  if (!row) throw notAMember();
  const { lastSeq, ...writer } = row;
  return { seq: lastSeq, writer };
}

/**
 * `nextSeq` for a change to a message, found by its id alone: one statement reads the message's
 * room (a message's room never changes), bumps that room's `last_seq` (locking the room row) and
 * reads and locks FOR KEY SHARE the member's membership and user rows, as `nextSeq` does. The
 * message row itself is not locked here: a change locks it after its room (see `lockMessage` in
 * message-actions.ts). Null when there is no such message or the user is not a member of its room:
 * the caller tells which (NOT_FOUND or FORBIDDEN) with a second query, off the fast path.
 */
export async function nextSeqOfMessage(
  tx: Transaction,
  messageId: number,
  userId: number,
): Promise<{ roomId: number; seq: number; writer: Writer } | null> {
  const member = tx.$with("member").as(
    tx
      .select({
        roomId: messages.roomId,
        id: users.id,
        username: users.username,
        displayName: users.displayName,
        isBot: users.isBot,
        role: roomMembers.role,
      })
      .from(messages)
      .innerJoin(roomMembers, and(eq(roomMembers.roomId, messages.roomId), eq(roomMembers.userId, userId)))
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(eq(messages.id, messageId))
      .for("key share", { of: [roomMembers, users] }),
  );
  const [row] = await tx
    .with(member)
    .update(rooms)
    .set({ lastSeq: sql`${rooms.lastSeq} + 1` })
    .from(member)
    .where(eq(rooms.id, member.roomId))
    .returning({
      roomId: rooms.id,
      lastSeq: rooms.lastSeq,
      id: member.id,
      username: member.username,
      displayName: member.displayName,
      isBot: member.isBot,
      role: member.role,
    });
  if (!row) return null;
  const { roomId, lastSeq, ...writer } = row;
  return { roomId, seq: lastSeq, writer };
}

/** A change to record with `recordChange`, under a sequence number taken by `nextSeq`. */
export interface ChangeRecord {
  roomId: number;
  seq: number;
  messageId: number;
  change: MessageChange["change"];
  actorId: number;
  /** The emoji of a reaction added or removed. */
  emoji?: string | null;
  /** What an edited or deleted message mentioned before (see the `room.change` bus event). */
  mentionsBefore?: MessageOut["mentions"];
  /** A deleted reply's parent, with its thread summary after the deletion. */
  parent?: ParentUpdate;
}

/** A message's reactions as `reactionsJson` reads them. */
export type ReactionRows = { emoji: string; userIds: number[] }[];

/** A reaction as it leaves the server: its emoji, its users oldest first, and their count. */
export const reactionOut = ({ emoji, userIds }: ReactionRows[number]): ReactionOut => ({
  emoji,
  count: userIds.length,
  userIds,
});

/** How a change's own statement leaves the message's reactions, which that statement cannot read back. */
export type ReactionsAfter =
  /** All removed (a deletion). */
  | "none"
  /** One reaction added now (its `created_at` is the transaction's `now()`, as the insert's default). */
  | { added: { emoji: string; userId: number } }
  /** One reaction removed. */
  | { removed: { emoji: string; userId: number } };

/**
 * A message's reactions as one JSON value, for a query that reads the message in the same
 * statement: `[{emoji, userIds}]`, emoji in the order first used, users oldest first (the order of
 * `reactionsOf`), as `after` leaves them. `messageId` is a number, or the SQL of a column (a
 * correlated subquery per row, on the reactions' primary key: how a page of history reads them).
 */
export function reactionsJson(messageId: number | SQL, after?: ReactionsAfter) {
  const rows =
    after === undefined
      ? sql`select r.emoji, r.user_id, r.created_at from ${reactions} r where r.message_id = ${messageId}`
      : after === "none"
        ? sql`select null::text as emoji, null::integer as user_id, null::timestamptz as created_at where false`
        : "added" in after
          ? sql`select r.emoji, r.user_id, r.created_at from ${reactions} r where r.message_id = ${messageId}
              union all select ${after.added.emoji}::text, ${after.added.userId}::integer, now()`
          : sql`select r.emoji, r.user_id, r.created_at from ${reactions} r where r.message_id = ${messageId}
              and not (r.emoji = ${after.removed.emoji} and r.user_id = ${after.removed.userId})`;
  return sql<ReactionRows>`(
  select coalesce(json_agg(json_build_object('emoji', g.emoji, 'userIds', g.user_ids) order by g.first, g.emoji), '[]'::json)
  from (
    select x.emoji, array_agg(x.user_id order by x.created_at, x.user_id) as user_ids, min(x.created_at) as first
    from (${rows}) x group by x.emoji
  ) g
)`.mapWith((value: unknown) => (typeof value === "string" ? JSON.parse(value) : value) as ReactionRows);
}

type FileRow = Pick<
  StoredFile,
  "id" | "roomId" | "name" | "size" | "contentType" | "width" | "height" | "thumbnailKey" | "createdAt"
>;

/**
 * The message's files (not deleted), in order, as one JSON value read by the statement that reads
 * the message: a correlated subquery on `files_message_idx`, so a page of history costs no extra
 * query for them (and one index probe per message, which finds nothing for most).
 */
export const filesColumn = sql<FileRow[]>`(
  select coalesce(json_agg(json_build_object(
    'id', f.id, 'roomId', f.room_id, 'name', f.name, 'size', f.size, 'contentType', f.content_type,
    'width', f.width, 'height', f.height, 'thumbnailKey', f.thumbnail_key, 'createdAt', f.created_at
  ) order by f.position), '[]'::json)
  from ${files} f where f.message_id = ${messages}.${sql.identifier("id")} and f.deleted_at is null
)`.mapWith((value: unknown) => (typeof value === "string" ? JSON.parse(value) : value) as FileRow[]);

/** The writes a change makes in the statement that records it (see `recordChange`). */
export interface ChangeWrites {
  /** Data-modifying CTEs (drizzle `$with` of an insert, update or delete), run in the record's statement. */
  writes: WithSubquery[];
  /** The message row as the writes leave it, when they update it (the statement reads the row as it was). */
  message?: Message;
  /** The reactions as the writes leave them, when they touch them. */
  reactions?: ReactionsAfter;
}

/**
 * Writes a change to the room's log and announces it (after the commit, by `emit`) with the message
 * as it is now, inside the transaction that made the change. Answers that message. One statement:
 * the change's own `writes` and the `message_changes` row as CTEs, and the message read with its
 * author and reactions. A statement's CTEs do not see each other's writes, so `writes` says how it
 * leaves the message (`message`, `reactions`); what earlier statements wrote is seen as it is.
 */
export async function recordChange(
  tx: Transaction,
  emit: Emit,
  record: ChangeRecord,
  writes: ChangeWrites = { writes: [] },
): Promise<MessageOut> {
  const { roomId, seq, messageId, change, actorId, emoji = null } = record;
  const logged = tx
    .$with("logged")
    .as(
      tx
        .insert(messageChanges)
        .values({ roomId, seq, messageId, change, actorId, emoji })
        .returning({ seq: messageChanges.seq }),
    );
  const [row] = await tx
    .with(...writes.writes, logged)
    .select({
      message: messages,
      author: authorColumns,
      reactions: reactionsJson(messageId, writes.reactions),
      files: filesColumn,
    })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.authorId))
    .where(eq(messages.id, messageId));
  if (!row) throw notFound(`message ${messageId}`);
  const message = messageOutOf(
    writes.message ?? row.message,
    row.author,
    row.reactions.map(reactionOut),
    row.files.map(fileOutOf),
  );
  emit({
    type: "room.change",
    roomId,
    seq,
    change,
    actorId,
    emoji,
    message,
    ...(record.mentionsBefore ? { mentionsBefore: record.mentionsBefore } : {}),
    ...(record.parent ? { parent: record.parent } : {}),
  });
  return message;
}

/** Rows of messages with their authors: the start of every read of messages. */
/** A message's author as rows read it: who they are now. */
export const authorColumns = {
  id: users.id,
  username: users.username,
  displayName: users.displayName,
  isBot: users.isBot,
  deletedAt: users.deletedAt,
};

export const messageRows = (db: Reader) =>
  db
    .select({ message: messages, author: authorColumns, files: filesColumn })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.authorId))
    .$dynamic();

export type MessageRow = Awaited<ReturnType<ReturnType<typeof messageRows>["execute"]>>[number];

/**
 * The reactions of some messages, in one query: each message's emoji in the order first used,
 * each with its count and its users, oldest first. Messages without reactions are not in the map.
 */
async function reactionsOf(db: Reader, messageIds: number[]): Promise<Map<number, ReactionOut[]>> {
  const byMessage = new Map<number, ReactionOut[]>();
  if (messageIds.length === 0) return byMessage;
  const add = (messageId: number, emoji: string, userIds: number[]) => {
    const list = byMessage.get(messageId);
    const reaction = reactionOut({ emoji, userIds });
    if (list) list.push(reaction);
    else byMessage.set(messageId, [reaction]);
  };
  if (is(db, PgTransaction)) {
    for (const { messageId, emoji, userIds } of await reactionsQuery(db, intArray(messageIds)))
      add(messageId, emoji, userIds);
    return byMessage;
  }
  // Outside a transaction (every page of history), the statement prepared once, its rows as arrays
  // (see preparedRead): [message id (bigint), emoji, user ids].
  for (const [messageId, emoji, userIds] of await readReactions(db, { ids: intArrayLiteral(messageIds) }))
    add(Number(messageId), emoji as string, userIds as number[]);
  return byMessage;
}

/** `reactionsOf`'s query, for the messages whose ids are `ids` (an `int[]`). */
const reactionsQuery = (db: Reader, ids: SQL) =>
  db
    .select({
      messageId: reactions.messageId,
      emoji: reactions.emoji,
      userIds: sql<number[]>`array_agg(${reactions.userId} order by ${reactions.createdAt}, ${reactions.userId})`,
      first: sql<string>`min(${reactions.createdAt})`,
    })
    .from(reactions)
    // One array parameter, not one per message (see intArray): this runs for every page of history.
    .where(sql`${reactions.messageId} = any(${ids})`)
    .groupBy(reactions.messageId, reactions.emoji)
    .orderBy(asc(reactions.messageId), sql`min(${reactions.createdAt})`, asc(reactions.emoji));

/** `reactionsQuery`'s rows as `preparedRead` arrays; placeholder `ids`, an `intArrayLiteral`. */
const readReactions = preparedRead(sql`select ${reactions.messageId}, ${reactions.emoji},
    array_agg(${reactions.userId} order by ${reactions.createdAt}, ${reactions.userId})
  from ${reactions}
  where ${reactions.messageId} = any(${sql.placeholder("ids")}::int[])
  group by ${reactions.messageId}, ${reactions.emoji}
  order by ${reactions.messageId} asc, min(${reactions.createdAt}), ${reactions.emoji} asc`);

/**
 * Message rows as they leave the server, with their reactions (one more query for all of them)
 * and their files (read with the rows: see `filesColumn`).
 */
export async function withReactions(db: Reader, rows: MessageRow[]): Promise<MessageOut[]> {
  const byMessage = await reactionsOf(
    db,
    rows.map((r) => r.message.id),
  );
  return rows.map((r) => messageOutOf(r.message, r.author, byMessage.get(r.message.id), r.files.map(fileOutOf)));
}

/** Messages by id, as they are now (tombstones included), in the order of `ids`; missing ids are left out. */
export async function readMessages(db: Reader, ids: number[]): Promise<MessageOut[]> {
  if (ids.length === 0) return [];
  const rows = await messageRows(db).where(inArray(messages.id, ids));
  const out = await withReactions(db, rows);
  const byId = new Map(out.map((m) => [m.id, m]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
