import { type Database, type NoticeData, schema, type Transaction } from "@parley/db";
import { and, asc, desc, eq, gt, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { PgSelect } from "drizzle-orm/pg-core";
import type { ParentUpdate } from "../bus";
import type { Actor, Deps } from "../deps";
import { isUniqueViolation, notFound } from "../errors";
import { RateLimited } from "../limits";
import {
  type HistoryAroundInput,
  type HistoryAroundPage,
  type HistoryInput,
  type HistoryPage,
  MAX_PAGE,
  type MessageOut,
  type SendMessageInput,
} from "../schemas";
import { assertDirectOpen } from "./direct";
import { attachFiles } from "./files";
import { pageRowOut, readTopLevelPage } from "./history-rows";
import { mentionCandidates, mentioner, NO_MENTIONS, resolveMentions, writeMentions } from "./mentions";
import { type MessageRow, messageRows, nextSeq, withReactions } from "./message-log";
import { type MessageAuthor, messageOutOf } from "./output";
import { requireMember, requireMemberCached } from "./room-access";
import { roomLastSeq } from "./stream-reads";
import { addReply, lockParent } from "./threads";
import { type Emit, transact } from "./transact";

const { messages } = schema;

interface NewMessage {
  roomId: number;
  /** The member who says it (null for a system notice): a member at the moment it is stored. */
  authorId: number | null;
  body: string;
  notice?: NoticeData;
  clientId?: string | undefined;
  /** A reply: the thread's first message (see `lockParent` for what it must be). */
  parentId?: number | undefined;
  /** The author's pending uploads to attach, in order (see `attachFiles`). */
  fileIds?: readonly string[] | undefined;
  /** An incoming webhook's message: the name and picture it shows instead of its bot's. */
  senderOverride?: schema.SenderOverride | null | undefined;
  /**
   * An incoming webhook's message, which mentions as the room's owner would: its `@room` (Slack's
   * `<!here>`, `<!channel>`, `<!everyone>`) notifies every member. The hook is the owner's own
   * integration, made and kept by them; anyone else's `@room` stays plain text.
   */
  mentionsAsOwner?: boolean | undefined;
}

/**
 * Appends a message to a room inside the caller's transaction. The room row's `last_seq` is
 * bumped first, which locks the row: senders to one room take turns, and a rolled-back
 * transaction gives its number back, so sequence numbers are gap-free and strictly increasing.
 *
 * A text message's author must be a member of the room when it is stored, and is shown by the
 * name they have then: the same statement that bumps the room reads (and locks with FOR KEY SHARE)
 * the author's membership and user rows. A leave (which deletes the membership) or a rename
 * (which locks the user FOR UPDATE) therefore either waits for this message or has committed
 * before it was read, whatever the timing and whatever any cache believes. Throws FORBIDDEN when
 * the author is not a member (any more), NOT_FOUND when the room does not exist.
 *
 * A text's mentions are resolved against the members then (see mentions.ts) and stored with it. A
 * reply locks its parent, checks it (NOT_FOUND outside the room, BAD_INPUT for a reply or a notice,
 * CONFLICT when deleted), and counts itself in the parent's thread; its `room.message` event
 * carries the parent's new thread summary. Files are attached in the same transaction (BAD_INPUT,
 * and nothing stored, when one is not the author's pending upload to this room).
 */
export async function appendMessage(tx: Transaction, emit: Emit, message: NewMessage): Promise<MessageOut> {
  const { roomId, authorId, parentId } = message;
  const candidates = authorId === null ? null : await mentionCandidates(tx, roomId, message.body);
  const { seq, writer } = await nextSeq(tx, roomId, authorId);
  if (parentId !== undefined) await lockParent(tx, roomId, parentId);
  const mentioned = writer ? await resolveMentions(tx, roomId, mentioner(message, writer), candidates) : NO_MENTIONS;
  const [row] = await tx
    .insert(messages)
    .values({
      roomId,
      authorId,
      kind: authorId === null ? "system" : "text",
      body: message.body,
      notice: message.notice ?? null,
      seq,
      clientId: message.clientId ?? null,
      parentId: parentId ?? null,
      mentionIds: mentioned.userIds,
      mentionsRoom: mentioned.room,
      senderOverride: message.senderOverride ?? null,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  await writeMentions(tx, row, mentioned.notified, false);
  const attached =
    authorId !== null && message.fileIds?.length
      ? await attachFiles(tx, { id: row.id, roomId, authorId }, message.fileIds)
      : [];
  let parent: ParentUpdate | undefined;
  if (parentId !== undefined && authorId !== null) {
    parent = await addReply(tx, parentId, { authorId, createdAt: row.createdAt });
  }
  const author: MessageAuthor | null = writer && {
    id: writer.id,
    username: writer.username,
    displayName: writer.displayName,
    isBot: writer.isBot,
  };
  const out = messageOutOf(row, author, [], attached);
  emit({ type: "room.message", roomId: out.roomId, seq: out.seq, message: out, ...(parent ? { parent } : {}) });
  return out;
}

/** Writes a system notice (join, leave, invite, rename) into a room's history. */
export const appendNotice = (tx: Transaction, emit: Emit, roomId: number, notice: NoticeData) =>
  appendMessage(tx, emit, { roomId, authorId: null, body: noticeText(notice), notice });

export function noticeText(notice: NoticeData): string {
  switch (notice.event) {
    case "joined":
      return `${notice.username} joined the room`;
    case "left":
      return `${notice.username} left the room`;
    case "invited":
      return `${notice.username} was invited to the room`;
    case "renamed":
      return `${notice.from} is now known as ${notice.to}`;
    case "room-renamed":
      return `${notice.username} renamed the room from ${notice.from} to ${notice.to}`;
    case "topic-changed":
      return notice.topic === null
        ? `${notice.username} cleared the topic`
        : `${notice.username} set the topic: ${notice.topic}`;
    case "removed":
      return `${notice.username} was removed from the room`;
  }
}

/**
 * Sends a text message, with the caller's pending uploads to the room (`fileIds`, see
 * `attachFiles`) when given; the text is then their caption and may be empty. Idempotent by
 * `clientId`: a retry returns the message already stored (with its original sequence number and
 * its files) and writes nothing.
 *
 * A plain text message (not a reply, no files) is stored by the process's group commit with the
 * others sent meanwhile (see send-batch.ts), each with the guarantees of a message stored alone;
 * replies and messages with files, rarer and with more to check, are stored one by one.
 */
export async function sendMessage(deps: Deps, actor: Actor, input: SendMessageInput): Promise<MessageOut> {
  const timer = deps.metrics.sendSeconds.startTimer();
  try {
    return await storeMessage(deps, actor, input);
  } finally {
    timer();
  }
}

async function storeMessage(deps: Deps, actor: Actor, input: SendMessageInput): Promise<MessageOut> {
  // Refuses the plainly wrong early (and a private room's outsiders with NOT_FOUND); the write
  // itself checks membership again, in its own statement (see appendMessage and send-batch.ts).
  const { room } = await requireMemberCached(deps, actor.userId, input.roomId);
  if (room.kind === "direct") await assertDirectOpen(deps.db, room.id, actor.userId);
  const { sends } = deps;
  if (!sends || input.parentId !== undefined || input.fileIds?.length) return storeOne(deps, actor, input);
  const rate = `${actor.userId}:${input.roomId}`;
  try {
    await deps.limits.take("messagesPerRoom", rate);
  } catch (error) {
    // A retry of a message that was stored is answered even over the rate.
    const existing =
      error instanceof RateLimited && input.clientId
        ? await findByClientId(deps.db, input.roomId, actor.userId, input.clientId)
        : undefined;
    if (existing) return existing;
    throw error;
  }
  const { message, stored } = await sends.send(
    { roomId: input.roomId, authorId: actor.userId, body: input.text, clientId: input.clientId },
    deps,
  );
  if (!stored) await deps.limits.refund("messagesPerRoom", rate); // a retry is not counted against the rate
  return message;
}

/**
 * A bot's message (an incoming webhook's post, an outgoing webhook's reply): stored as a member's
 * plain text is, by the process's group commit where there is one (else alone in its transaction),
 * so that its sequence number, live delivery, mentions and search are those of any message; a reply
 * in a thread (`parentId`, checked as `appendMessage` checks it) alone in its transaction. The
 * caller has checked the bot and counted its own rate; the bot must be a member of the room
 * (FORBIDDEN otherwise).
 */
export async function sendBotMessage(
  deps: Deps,
  message: {
    roomId: number;
    authorId: number;
    body: string;
    senderOverride: schema.SenderOverride | null;
    mentionsAsOwner?: boolean;
    parentId?: number;
  },
): Promise<MessageOut> {
  const timer = deps.metrics.sendSeconds.startTimer();
  try {
    if (deps.sends && message.parentId === undefined) return (await deps.sends.send(message, deps)).message;
    return await transact(deps, (tx, emit) => appendMessage(tx, emit, message));
  } finally {
    timer();
  }
}

/** A reply or a message with files: alone in its transaction (see `appendMessage`). */
async function storeOne(deps: Deps, actor: Actor, input: SendMessageInput): Promise<MessageOut> {
  const retried = () =>
    input.clientId ? findByClientId(deps.db, input.roomId, actor.userId, input.clientId) : undefined;
  const existing = await retried();
  if (existing) return existing; // a retry: answered, and not counted against the rate
  await deps.limits.take("messagesPerRoom", `${actor.userId}:${input.roomId}`);
  try {
    return await transact(deps, (tx, emit) =>
      appendMessage(tx, emit, {
        roomId: input.roomId,
        authorId: actor.userId,
        body: input.text,
        clientId: input.clientId,
        parentId: input.parentId,
        fileIds: input.fileIds,
      }),
    );
  } catch (error) {
    // A concurrent retry committed first; our transaction rolled back, sequence number and all.
    if (isUniqueViolation(error, "messages_client_id_key")) {
      const winner = await retried();
      if (winner) return winner;
    }
    throw error;
  }
}

async function findByClientId(
  db: Database,
  roomId: number,
  authorId: number,
  clientId: string,
): Promise<MessageOut | undefined> {
  const rows = await messageRows(db)
    .where(and(eq(messages.roomId, roomId), eq(messages.authorId, authorId), eq(messages.clientId, clientId)))
    .limit(1);
  const [found] = await withReactions(db, rows);
  return found;
}

/** Keyset on (room_id, seq) in the direction asked, one row more than the page to tell whether there is more. */
function keyset<Q extends PgSelect>(
  rows: Q,
  where: SQL | undefined,
  { before, after, limit }: Omit<HistoryInput, "roomId">,
) {
  const page = rows.limit(limit + 1);
  if (after !== undefined) return page.where(and(where, gt(messages.seq, after))).orderBy(asc(messages.seq));
  return page
    .where(and(where, before !== undefined ? lt(messages.seq, before) : undefined))
    .orderBy(desc(messages.seq));
}

const keysetPage = (db: Database, where: SQL | undefined, input: Omit<HistoryInput, "roomId">) =>
  keyset(messageRows(db), where, input);

/**
 * Every message of a room (replies and tombstones included) by keyset on (room_id, seq), served by
 * the unique index on those columns at any depth. One row more than asked tells whether there is
 * more. Rows as stored, without reactions.
 */
export function historyQuery(db: Database, input: HistoryInput) {
  return keysetPage(db, eq(messages.roomId, input.roomId), input);
}

/**
 * A page of a room's history for one of its members: `before` a sequence number (or from the
 * newest) newest first, or `after` one oldest first. Top-level messages only (replies are read
 * with their thread; a parent carries its thread's summary), each as it is now: edited text,
 * reactions, pin, and tombstones of deleted messages (body ''). One query per page (`readTopLevelPage`).
 */
export async function getHistory(deps: Deps, actor: Actor, input: HistoryInput): Promise<HistoryPage> {
  await requireMemberCached(deps, actor.userId, input.roomId);
  const rows = await readTopLevelPage(deps.db, input);
  return {
    items: rows.slice(0, input.limit).map(pageRowOut),
    hasMore: rows.length > input.limit,
    lastSeq: rows[0]?.roomSeq ?? (await roomLastSeq(deps.db, input.roomId)),
  };
}

/** A page from its rows (one more than `limit` tells whether there is more), with reactions. */
async function pageOf(db: Database, rows: MessageRow[], limit: number): Promise<Omit<HistoryPage, "lastSeq">> {
  return { items: await withReactions(db, rows.slice(0, limit)), hasMore: rows.length > limit };
}

/**
 * A page of history older than a message, by its id rather than its sequence number (the seed
 * protocols page that way); message id 0 means from the newest. Newest first. The seeds know no
 * threads and no deletions: replies are included as plain messages, deleted messages left out,
 * and every text is the current one.
 */
export async function getHistoryBeforeMessage(
  deps: Deps,
  actor: Actor,
  { roomId, beforeMessageId, limit = MAX_PAGE }: { roomId: number; beforeMessageId: number; limit?: number },
): Promise<Omit<HistoryPage, "lastSeq">> {
  await requireMember(deps.db, actor.userId, roomId);
  let before: number | undefined;
  if (beforeMessageId > 0) {
    const [row] = await deps.db
      .select({ seq: messages.seq })
      .from(messages)
      .where(and(eq(messages.roomId, roomId), eq(messages.id, beforeMessageId)));
    if (!row) throw notFound(`message ${beforeMessageId} of room ${roomId}`);
    before = row.seq;
  }
  const notDeleted = and(eq(messages.roomId, roomId), isNull(messages.deletedAt));
  return pageOf(deps.db, await keysetPage(deps.db, notDeleted, { before, after: undefined, limit }), limit);
}

/**
 * History around a sequence number, for a search result's "jump to message": the anchor (the
 * top-level message created with `seq`, or, for a reply's `seq`, the message its thread hangs on)
 * and up to `limit` top-level messages on each side, oldest first, each as it is now (tombstones
 * included, as in `getHistory`). `hasMoreBefore`/`hasMoreAfter` say whether `history.list` has more
 * with `before` the first item's seq / `after` the last one's.
 *
 * A `seq` no message was created with (a change's, or beyond the room's last) has no anchor:
 * `anchorId` is null and the items are the top-level messages nearest it, `limit` before it and
 * `limit` after it. Membership as `getHistory` (NOT_FOUND for a room the caller may not see,
 * FORBIDDEN for a public room they have not joined). Two round trips: the anchor, then at once
 * each side (on the partial index `messages_room_top_level_seq_idx`, with their reactions) and
 * the anchor's reactions.
 */
export async function getHistoryAround(
  deps: Deps,
  actor: Actor,
  input: HistoryAroundInput,
): Promise<HistoryAroundPage> {
  await requireMemberCached(deps, actor.userId, input.roomId);
  const { roomId, seq, limit } = input;
  const holder = sql`(select coalesce(${messages.parentId}, ${messages.id}) from ${messages} where ${messages.roomId} = ${roomId} and ${messages.seq} = ${seq})`;
  const [anchor] = await messageRows(deps.db).where(and(eq(messages.id, holder), eq(messages.roomId, roomId)));
  const at = anchor?.message.seq ?? seq;
  const [older, newer, [anchorOut]] = await Promise.all([
    readTopLevelPage(deps.db, { roomId, before: at, after: undefined, limit }),
    readTopLevelPage(deps.db, { roomId, before: undefined, after: at, limit }),
    anchor ? withReactions(deps.db, [anchor]) : [],
  ]);
  const olderShown = older.slice(0, limit).reverse();
  const newerShown = newer.slice(0, limit);
  const lastSeq = older[0]?.roomSeq ?? newer[0]?.roomSeq ?? (await roomLastSeq(deps.db, roomId));
  return {
    items: [...olderShown.map(pageRowOut), ...(anchorOut ? [anchorOut] : []), ...newerShown.map(pageRowOut)],
    anchorId: anchor?.message.id ?? null,
    hasMoreBefore: older.length > limit,
    hasMoreAfter: newer.length > limit,
    lastSeq,
  };
}
