import { type Message, schema, type Transaction } from "@parley/db";
import { and, count, eq, isNull, max, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { ParentUpdate } from "../bus";
import { AppError } from "../errors";
import type { ThreadSummary } from "../schemas";

/**
 * Threads, one level deep: a reply's parent is a top-level message of the same room, and the parent
 * carries its thread's summary (reply count, last reply time, participants), kept up to date by the
 * transaction that adds or deletes a reply, under the room's lock (see `nextSeq`).
 */

const { messages } = schema;

/** The words for a parent that is not a message of the room: the same whether it exists elsewhere or not. */
const notInRoom = (id: number) => new AppError("NOT_FOUND", `message ${id} was not found in this room`);

/**
 * Inside a reply's transaction: the parent, locked FOR UPDATE, once checked to be a top-level,
 * not deleted text message of `roomId`. NOT_FOUND (also for a message of another room), BAD_INPUT
 * for a reply or a system notice, CONFLICT for a deleted message.
 */
export async function lockParent(tx: Transaction, roomId: number, parentId: number): Promise<Message> {
  const [parent] = await tx.select().from(messages).where(eq(messages.id, parentId)).for("update");
  if (!parent || parent.roomId !== roomId) throw notInRoom(parentId);
  if (parent.parentId !== null) {
    throw new AppError("BAD_INPUT", "threads are one level deep: reply to the thread's first message");
  }
  if (parent.kind !== "text") throw new AppError("BAD_INPUT", "system notices can't be replied to");
  if (parent.deletedAt !== null) throw new AppError("CONFLICT", "can't reply to a deleted message");
  return parent;
}

const summaryColumns = {
  replyCount: messages.replyCount,
  lastReplyAt: messages.lastReplyAt,
  threadParticipantIds: messages.threadParticipantIds,
};

type SummaryRow = Pick<Message, "replyCount" | "lastReplyAt" | "threadParticipantIds">;

export const threadSummaryOf = (row: SummaryRow): ThreadSummary => ({
  replyCount: row.replyCount,
  lastReplyAt: row.lastReplyAt?.toISOString() ?? null,
  participantIds: row.threadParticipantIds,
});

/** Counts a new reply in its parent's thread (parent locked by `lockParent`); answers the parent's new summary. */
export async function addReply(
  tx: Transaction,
  parentId: number,
  reply: { authorId: number; createdAt: Date },
): Promise<ParentUpdate> {
  const ids = messages.threadParticipantIds;
  const author = sql`${reply.authorId}::integer`;
  const [row] = await tx
    .update(messages)
    .set({
      replyCount: sql`${messages.replyCount} + 1`,
      lastReplyAt: reply.createdAt,
      threadParticipantIds: sql`case when ${author} = any(${ids}) then ${ids} else array_append(${ids}, ${author}) end`,
    })
    .where(eq(messages.id, parentId))
    .returning(summaryColumns);
  if (!row) throw new Error(`thread parent ${parentId} vanished`);
  return { id: parentId, thread: threadSummaryOf(row) };
}

/**
 * Reads a thread's summary again from its replies not deleted (after one of them was deleted, in
 * the same transaction): count, newest reply time, authors in the order they first replied.
 */
export async function recountThread(tx: Transaction, parentId: number): Promise<ParentUpdate> {
  await tx.select({ id: messages.id }).from(messages).where(eq(messages.id, parentId)).for("update");
  const reply = alias(messages, "reply");
  const live = and(eq(reply.parentId, parentId), isNull(reply.deletedAt));
  const [totals] = await tx
    .select({ replyCount: count(), lastReplyAt: max(reply.createdAt) })
    .from(reply)
    .where(live);
  const authors = await tx
    .select({ authorId: reply.authorId })
    .from(reply)
    .where(live)
    .groupBy(reply.authorId)
    .orderBy(sql`min(${reply.seq})`);
  const summary: SummaryRow = {
    replyCount: totals?.replyCount ?? 0,
    lastReplyAt: totals?.lastReplyAt ? new Date(totals.lastReplyAt) : null,
    threadParticipantIds: authors.flatMap((a) => (a.authorId === null ? [] : [a.authorId])),
  };
  const [row] = await tx.update(messages).set(summary).where(eq(messages.id, parentId)).returning(summaryColumns);
  if (!row) throw new Error(`thread parent ${parentId} vanished`);
  return { id: parentId, thread: threadSummaryOf(row) };
}
