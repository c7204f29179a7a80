import { type Database, schema, type Transaction } from "@parley/db";
import { and, eq, gt, isNull, lt, ne, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Actor, Deps } from "../deps";
import { MAX_UNREAD, type MarkReadInput } from "../schemas";
import { currentMembership, notAMember, requireMemberCached } from "./room-access";

const { messages, mentions, rooms, roomMembers } = schema;

/**
 * Marks a room read up to `seq` for one of its members: never backwards, never past the room's
 * newest message. Tells the caller's other tabs, after the commit, when that moved anything, and
 * whether the mark then reached the room's newest sequence number (`caughtUp`: nothing of the room
 * was left unread or mentioning them, so their streams need not count again). One statement, its
 * own transaction. FORBIDDEN when the caller is not a member when the mark is written (left
 * meanwhile, on any instance).
 */
export async function markRead(deps: Deps, actor: Actor, { roomId, seq }: MarkReadInput): Promise<void> {
  await requireMemberCached(deps, actor.userId, roomId);
  const readUpTo = sql<number>`least(${seq}, ${rooms.lastSeq})`;
  const [moved] = await deps.db
    .update(roomMembers)
    .set({ lastReadSeq: readUpTo })
    .from(rooms)
    .where(
      and(
        eq(roomMembers.roomId, roomId),
        eq(roomMembers.userId, actor.userId),
        eq(rooms.id, roomMembers.roomId),
        lt(roomMembers.lastReadSeq, readUpTo),
      ),
    )
    // The room's sequence number as this statement read it, in the snapshot the mark was written in.
    .returning({ lastReadSeq: roomMembers.lastReadSeq, lastSeq: rooms.lastSeq });
  if (moved) {
    const { lastReadSeq, lastSeq } = moved;
    await deps.bus.publish({
      type: "user.read",
      userId: actor.userId,
      roomId,
      lastReadSeq,
      caughtUp: lastReadSeq >= lastSeq,
    });
  }
  // Nothing moved: already read that far (nobody needs telling), or no longer a member. The update
  // skipped a membership deleted by a leave committed before it; this read sees that leave.
  else if (!(await currentMembership(deps.db, actor.userId, roomId))) throw notAMember();
}

/**
 * A new member has read the room up to `seq`: the notice of their own arrival, which the caller
 * has just appended (holding the room's row lock, so nothing came after it).
 */
export async function startReadingAt(tx: Transaction, roomId: number, userId: number, seq: number): Promise<void> {
  await tx
    .update(roomMembers)
    .set({ lastReadSeq: seq })
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
}

/**
 * The unread count of the membership `member` of user `userId` (a `room_members` row of the outer
 * query), for a LATERAL join: others' top-level text messages (not replies, which live in their
 * threads) after its read mark that are not deleted, read on the (room_id, seq) index of top-level
 * messages and counted no further than MAX_UNREAD. Changes to messages take sequence numbers too:
 * the count is of messages, never `last_seq - lastReadSeq`.
 */
export function unreadOf(db: Database, member: { roomId: AnyPgColumn; lastReadSeq: AnyPgColumn }, userId: number) {
  const counted = db
    .select({ seq: messages.seq })
    .from(messages)
    .where(
      and(
        eq(messages.roomId, member.roomId),
        gt(messages.seq, member.lastReadSeq),
        eq(messages.kind, "text"),
        isNull(messages.parentId),
        isNull(messages.deletedAt),
        // The caller's id as a value, not the member's column: the planner then estimates how
        // few messages are the caller's own from the statistics, and reads the index in order.
        ne(messages.authorId, userId),
      ),
    )
    // In index order: without it, a LIMIT can make a scan of the whole table look cheaper.
    .orderBy(messages.seq)
    .limit(MAX_UNREAD)
    .as("counted");
  return db
    .select({ count: sql<number>`count(*)::int`.as("unread_count") })
    .from(counted)
    .as("unread");
}

/**
 * The mention count of the membership `member` of user `userId`, for a LATERAL join: the messages
 * (replies included) after its read mark that notify the user (`mentions` rows, written with each
 * message and edit and gone with a deletion), read on that table's primary key (user, room, seq)
 * and counted no further than MAX_UNREAD.
 */
export function mentionsOf(db: Database, member: { roomId: AnyPgColumn; lastReadSeq: AnyPgColumn }, userId: number) {
  const counted = db
    .select({ seq: mentions.seq })
    .from(mentions)
    .where(and(eq(mentions.userId, userId), eq(mentions.roomId, member.roomId), gt(mentions.seq, member.lastReadSeq)))
    .orderBy(mentions.seq)
    .limit(MAX_UNREAD)
    .as("mentioned_rows");
  return db
    .select({ count: sql<number>`count(*)::int`.as("mention_count") })
    .from(counted)
    .as("mentioned");
}

/**
 * A member's unread and mention counts in one room, and the room's sequence number they were read
 * at, in one statement, so in one snapshot: the counts are exactly those of the room's events up
 * to `lastSeq`. Undefined when the user is not a member.
 */
export async function roomCountsOf(
  db: Database,
  userId: number,
  roomId: number,
): Promise<{ unread: number; mentions: number; lastSeq: number } | undefined> {
  const unread = unreadOf(db, roomMembers, userId);
  const mentioned = mentionsOf(db, roomMembers, userId);
  const [row] = await db
    .select({ unread: unread.count, mentions: mentioned.count, lastSeq: rooms.lastSeq })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .crossJoinLateral(unread)
    .crossJoinLateral(mentioned)
    .where(and(eq(roomMembers.userId, userId), eq(roomMembers.roomId, roomId)));
  return row;
}
