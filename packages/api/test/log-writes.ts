import { schema } from "@parley/db";
import { and, eq, sql } from "drizzle-orm";
import type { Deps } from "../src/deps";
import type { MessageChangeKind, MessageOut } from "../src/schemas";
import { nextSeq, readMessages, recordChange } from "../src/services/message-log";
import { threadOf } from "../src/services/replay";
import { transact } from "../src/services/transact";

/**
 * Writes to a room's log for the live-side tests, straight through the log's own primitives
 * (`nextSeq`, `recordChange`): what the message services store, without their rules, so that the
 * replay, stream and count tests do not depend on them. Every write takes the room's next sequence
 * number and publishes its event after the commit, as the services do.
 */

const { messages, mentions, reactions } = schema;

type LogDeps = Pick<Deps, "db" | "bus">;

/** A text message (a reply with `parentId`) that mentions `mentionIds` (each notified). */
export async function writeMessage(
  deps: LogDeps,
  input: { roomId: number; authorId: number; body: string; parentId?: number; mentionIds?: number[] },
): Promise<MessageOut> {
  const { roomId, authorId, body, parentId = null, mentionIds = [] } = input;
  return transact(deps, async (tx, emit) => {
    const { seq } = await nextSeq(tx, roomId, authorId);
    const [row] = await tx
      .insert(messages)
      .values({ roomId, authorId, kind: "text", body, seq, parentId, mentionIds })
      .returning({ id: messages.id });
    if (!row) throw new Error("insert returned no row");
    for (const userId of mentionIds) await tx.insert(mentions).values({ userId, roomId, seq, messageId: row.id });
    if (parentId !== null) {
      await tx
        .update(messages)
        .set({
          replyCount: sql`${messages.replyCount} + 1`,
          lastReplyAt: new Date(),
          threadParticipantIds: sql`case when ${authorId} = any(${messages.threadParticipantIds}) then ${messages.threadParticipantIds} else array_append(${messages.threadParticipantIds}, ${authorId}) end`,
        })
        .where(eq(messages.id, parentId));
    }
    const [message, parent] = await readMessages(tx, parentId === null ? [row.id] : [row.id, parentId]);
    if (!message) throw new Error("message vanished");
    emit({
      type: "room.message",
      roomId,
      seq,
      message,
      ...(parent ? { parent: { id: parent.id, thread: threadOf(parent) } } : {}),
    });
    return message;
  });
}

/** A change to a message by `actorId`: `apply` makes it, under the change's sequence number. */
async function writeChange(
  deps: LogDeps,
  actorId: number,
  messageId: number,
  change: MessageChangeKind,
  apply: (tx: Parameters<Parameters<typeof transact>[1]>[0], message: MessageOut) => Promise<unknown>,
  emoji: string | null = null,
): Promise<MessageOut> {
  return transact(deps, async (tx, emit) => {
    const [before] = await readMessages(tx, [messageId]);
    if (!before) throw new Error(`no message ${messageId}`);
    const { seq } = await nextSeq(tx, before.roomId, actorId);
    await apply(tx, before);
    let parent: { id: number; thread: ReturnType<typeof threadOf> } | undefined;
    if (change === "deleted" && before.parentId !== null) {
      await tx
        .update(messages)
        .set({ replyCount: sql`${messages.replyCount} - 1` })
        .where(eq(messages.id, before.parentId));
      const [p] = await readMessages(tx, [before.parentId]);
      if (p) parent = { id: p.id, thread: threadOf(p) };
    }
    return recordChange(tx, emit, {
      roomId: before.roomId,
      seq,
      messageId,
      change,
      actorId,
      emoji,
      ...(change === "edited" || change === "deleted" ? { mentionsBefore: before.mentions } : {}),
      ...(parent ? { parent } : {}),
    });
  });
}

/** Replaces a message's text and whom it mentions. */
export const editMessage = (
  deps: LogDeps,
  actorId: number,
  messageId: number,
  body: string,
  mentionIds: number[] = [],
) =>
  writeChange(deps, actorId, messageId, "edited", async (tx, before) => {
    await tx.update(messages).set({ body, editedAt: new Date(), mentionIds }).where(eq(messages.id, messageId));
    await tx.delete(mentions).where(eq(mentions.messageId, messageId));
    for (const userId of mentionIds) {
      await tx.insert(mentions).values({ userId, roomId: before.roomId, seq: before.seq, messageId });
    }
  });

/** Leaves a tombstone: text, mentions, reactions and pin gone from storage. */
export const deleteMessage = (deps: LogDeps, actorId: number, messageId: number) =>
  writeChange(deps, actorId, messageId, "deleted", async (tx) => {
    await tx
      .update(messages)
      .set({
        body: "",
        notice: null,
        deletedAt: new Date(),
        mentionIds: [],
        mentionsRoom: false,
        pinnedAt: null,
        pinnedBy: null,
      })
      .where(eq(messages.id, messageId));
    await tx.delete(mentions).where(eq(mentions.messageId, messageId));
    await tx.delete(reactions).where(eq(reactions.messageId, messageId));
  });

/** Adds `actorId`'s reaction. */
export const reactTo = (deps: LogDeps, actorId: number, messageId: number, emoji: string) =>
  writeChange(
    deps,
    actorId,
    messageId,
    "reacted",
    (tx) => tx.insert(reactions).values({ messageId, emoji, userId: actorId }).onConflictDoNothing(),
    emoji,
  );

/** Removes `actorId`'s reaction. */
export const unreactTo = (deps: LogDeps, actorId: number, messageId: number, emoji: string) =>
  writeChange(
    deps,
    actorId,
    messageId,
    "unreacted",
    (tx) =>
      tx
        .delete(reactions)
        .where(and(eq(reactions.messageId, messageId), eq(reactions.emoji, emoji), eq(reactions.userId, actorId))),
    emoji,
  );
