import { type Database, schema } from "@parley/db";
import { and, asc, eq, gt, lte } from "drizzle-orm";
import type { ParentUpdate } from "../bus";
import type { MessageOut, ThreadSummary } from "../schemas";
import type { RoomStreamItem } from "./live";
import { readMessages } from "./message-log";

/**
 * Replays a room's log: its events after a sequence number, read from the database, each shown
 * with the message AS IT IS NOW (a since-deleted message is a tombstone, so its text is never sent
 * again; an edited one shows its latest text and reactions).
 *
 * A room's events are its messages (each row of `messages` is the event of its own creation) and
 * the changes to them (rows of `message_changes`); the two share the room's gap-free sequence.
 */

const { messages, messageChanges } = schema;

/** The most events one replay page holds. */
export const REPLAY_PAGE = 100;

/**
 * The room's events `after` < seq <= `upTo`, oldest first, at most `limit` (<= REPLAY_PAGE) of
 * them, in four queries whatever the page holds: the messages created in the range, the changes in
 * it, then every message they concern and the parents of the replies among them (with their
 * reactions). A reply, and any change to a reply, carries its parent's thread summary as it is now.
 * Fewer than `limit` items (none at the end) when the range holds fewer events.
 */
export async function replayPage(
  db: Database,
  roomId: number,
  after: number,
  upTo: number,
  limit = REPLAY_PAGE,
): Promise<RoomStreamItem[]> {
  // The sequence is gap-free: the next `limit` events are the next `limit` sequence numbers.
  const last = Math.min(upTo, after + Math.min(limit, REPLAY_PAGE));
  if (last <= after) return [];
  const [created, changed] = await Promise.all([
    db
      .select({ seq: messages.seq, messageId: messages.id, parentId: messages.parentId })
      .from(messages)
      .where(and(eq(messages.roomId, roomId), gt(messages.seq, after), lte(messages.seq, last)))
      .orderBy(asc(messages.seq)),
    db
      .select({
        seq: messageChanges.seq,
        messageId: messageChanges.messageId,
        change: messageChanges.change,
        actorId: messageChanges.actorId,
        emoji: messageChanges.emoji,
        parentId: messages.parentId,
      })
      .from(messageChanges)
      .innerJoin(messages, eq(messages.id, messageChanges.messageId))
      .where(and(eq(messageChanges.roomId, roomId), gt(messageChanges.seq, after), lte(messageChanges.seq, last)))
      .orderBy(asc(messageChanges.seq)),
  ]);
  const ids = new Set<number>();
  for (const row of [...created, ...changed]) {
    ids.add(row.messageId);
    if (row.parentId !== null) ids.add(row.parentId);
  }
  const now = new Map((await readMessages(db, [...ids])).map((m) => [m.id, m]));
  const parentOf = (parentId: number | null): { parent?: ParentUpdate } => {
    const parent = parentId === null ? undefined : now.get(parentId);
    return parent ? { parent: { id: parent.id, thread: threadOf(parent) } } : {};
  };

  const items: RoomStreamItem[] = [];
  for (const row of created) {
    const message = now.get(row.messageId);
    if (message) items.push({ seq: row.seq, event: { type: "message", message, ...parentOf(row.parentId) } });
  }
  for (const row of changed) {
    const message = now.get(row.messageId);
    if (!message) continue;
    items.push({
      seq: row.seq,
      event: {
        type: "change",
        change: row.change,
        // A change is always someone's; the column is nullable only for the foreign key's sake.
        actorId: row.actorId,
        emoji: row.emoji,
        message,
        ...parentOf(row.parentId),
      },
    });
  }
  return items.sort((a, b) => a.seq - b.seq);
}

/**
 * Every event `from` < seq <= `to`, page after page (each page `replayPage`'s four queries).
 * Yields nothing for an empty range.
 */
export async function* replay(db: Database, roomId: number, from: number, to: number): AsyncGenerator<RoomStreamItem> {
  for (let after = from; after < to; ) {
    const page = await replayPage(db, roomId, after, to);
    for (const item of page) yield item;
    // Gap-free: a page covers its whole range even if (impossibly) an event were missing from it.
    after = Math.min(to, after + REPLAY_PAGE);
  }
}

/** A thread's summary as a parent shows it now: none yet (or every reply deleted) is a zero count. */
export const threadOf = (parent: MessageOut): ThreadSummary =>
  parent.thread ?? { replyCount: 0, lastReplyAt: null, participantIds: [] };
