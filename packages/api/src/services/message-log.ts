import { type Database, type MessageChange, schema, type Transaction } from "@parley/db";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { ParentUpdate } from "../bus";
import { notFound } from "../errors";
import type { MessageOut, ReactionOut } from "../schemas";
import { type MessageAuthor, messageOutOf } from "./output";
import { notAMember } from "./room-access";
import type { Emit } from "./transact";

/**
 * The room's event log, the part every write shares: taking the room's next sequence number,
 * recording a change to a message under it, and reading messages as they are now.
 *
 * A room's sequence numbers are gap-free and strictly increasing across its messages (each row of
 * `messages` is the event of its own creation) and the changes to them (rows of
 * `message_changes`). A change row holds no text: replaying it reads the message as it is now.
 */

const { messages, messageChanges, reactions, rooms, roomMembers, users } = schema;

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
      .select({ id: users.id, username: users.username, displayName: users.displayName, role: roomMembers.role })
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
    role: member.role,
  });
  if (!row) throw notAMember();
  const { lastSeq, ...writer } = row;
  return { seq: lastSeq, writer };
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

/**
 * Writes a change to the room's log and announces it (after the commit, by `emit`) with the message
 * as it is now, inside the transaction that made the change. Answers that message.
 */
export async function recordChange(tx: Transaction, emit: Emit, record: ChangeRecord): Promise<MessageOut> {
  const { roomId, seq, messageId, change, actorId, emoji = null } = record;
  await tx.insert(messageChanges).values({ roomId, seq, messageId, change, actorId, emoji });
  const [message] = await readMessages(tx, [messageId]);
  if (!message) throw notFound(`message ${messageId}`);
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
export const authorColumns = { id: users.id, username: users.username, displayName: users.displayName };

export const messageRows = (db: Reader) =>
  db
    .select({ message: messages, author: authorColumns })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.authorId))
    .$dynamic();

export type MessageRow = Awaited<ReturnType<ReturnType<typeof messageRows>["execute"]>>[number];

/**
 * The reactions of some messages, in one query: each message's emoji in the order first used,
 * each with its count and its users, oldest first. Messages without reactions are not in the map.
 */
export async function reactionsOf(db: Reader, messageIds: number[]): Promise<Map<number, ReactionOut[]>> {
  const byMessage = new Map<number, ReactionOut[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .select({
      messageId: reactions.messageId,
      emoji: reactions.emoji,
      userIds: sql<number[]>`array_agg(${reactions.userId} order by ${reactions.createdAt}, ${reactions.userId})`,
      first: sql<string>`min(${reactions.createdAt})`,
    })
    .from(reactions)
    .where(inArray(reactions.messageId, messageIds))
    .groupBy(reactions.messageId, reactions.emoji)
    .orderBy(asc(reactions.messageId), sql`min(${reactions.createdAt})`, asc(reactions.emoji));
  for (const { messageId, emoji, userIds } of rows) {
    const list = byMessage.get(messageId) ?? [];
    list.push({ emoji, count: userIds.length, userIds });
    byMessage.set(messageId, list);
  }
  return byMessage;
}

/** Message rows as they leave the server, with their reactions (one more query for all of them). */
export async function withReactions(db: Reader, rows: MessageRow[]): Promise<MessageOut[]> {
  const byMessage = await reactionsOf(
    db,
    rows.map((r) => r.message.id),
  );
  return rows.map((r) => messageOutOf(r.message, r.author, byMessage.get(r.message.id)));
}

/** Messages by id, as they are now (tombstones included), in the order of `ids`; missing ids are left out. */
export async function readMessages(db: Reader, ids: number[]): Promise<MessageOut[]> {
  if (ids.length === 0) return [];
  const rows = await messageRows(db).where(inArray(messages.id, ids));
  const out = await withReactions(db, rows);
  const byId = new Map(out.map((m) => [m.id, m]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
