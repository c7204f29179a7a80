import { type Message, schema, type Transaction } from "@parley/db";
import { and, asc, desc, eq, gt, isNotNull, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import {
  type EditMessageInput,
  MAX_PINNED_PER_ROOM,
  MAX_REACTIONS_PER_MESSAGE,
  type MessageOut,
  type MessageRef,
  type ReactionInput,
  type ThreadInput,
  type ThreadPage,
} from "../schemas";
import { canonicalEmoji, isSingleEmoji, NOT_AN_EMOJI } from "./emoji";
import { purgeMessageFiles } from "./files";
import { type MentionCandidates, mentionCandidates, mentionsOut, resolveMentions, writeMentions } from "./mentions";
import {
  type ChangeRecord,
  type ChangeWrites,
  messageRows,
  nextSeqOfMessage,
  readMessages,
  recordChange,
  type Writer,
  withReactions,
} from "./message-log";
import { notAMember, requireMemberCached } from "./room-access";
import { recountThread } from "./threads";
import { type Emit, transact } from "./transact";

/**
 * Changes to messages: edit, delete, react, unreact, pin and unpin. Each runs in one transaction
 * that first takes the room's next sequence number (locking the room row, so a room's changes take
 * turns), checks the rule inside it, writes a `message_changes` row with that number, and publishes
 * a `room.change` after the commit. A message a stranger may not read answers NOT_FOUND exactly as
 * a message that does not exist.
 *
 * A change that would change nothing (the same reaction twice, unpinning what is not pinned, an
 * edit to the same text) rolls back, so it takes no sequence number and publishes nothing, and
 * answers the message as it is.
 */

const { files, mentions, messages, reactions, rooms, roomMembers } = schema;

const messageNotFound = (id: number) => new AppError("NOT_FOUND", `message ${id} was not found`);

/**
 * Where a message is, for a caller: its room and the caller's role in it (null when not a member).
 * As `accessRoom` has it, a private room's message is NOT_FOUND for anybody but its members, with
 * the same words as a message that does not exist; a public room's message is visible to all.
 */
export async function locateMessage(
  db: Deps["db"] | Transaction,
  userId: number,
  messageId: number,
): Promise<{ roomId: number; parentId: number | null; role: "owner" | "member" | null }> {
  const [row] = await db
    .select({
      roomId: messages.roomId,
      parentId: messages.parentId,
      isPrivate: rooms.isPrivate,
      role: roomMembers.role,
    })
    .from(messages)
    .innerJoin(rooms, eq(rooms.id, messages.roomId))
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, messages.roomId), eq(roomMembers.userId, userId)))
    .where(eq(messages.id, messageId))
    .limit(1);
  if (!row || (row.isPrivate && !row.role)) throw messageNotFound(messageId);
  return { roomId: row.roomId, parentId: row.parentId, role: row.role };
}

/** Thrown out of a change's transaction to roll it back when it would change nothing. */
class Unchanged extends Error {}
const UNCHANGED = Symbol("unchanged");

/** What `lockMessage` reads besides the message, for the change that asks. */
interface LockExtras {
  /** For a reaction: how the message's reactions stand for this emoji and user. */
  reaction?: { emoji: string; userId: number };
  /** For a pin: count the room's pinned messages. */
  pins?: boolean;
  /** For a deletion: whether the message carries files (not yet deleted). */
  files?: boolean;
}

interface Locked {
  message: Message;
  /** Asked with `reaction`: distinct emoji on the message, and whether this one is used, by the user. */
  reaction: { distinct: number; used: boolean; mine: boolean } | null;
  /** Asked with `pins`: how many messages of the room are pinned. */
  pinned: number | null;
  /** Asked with `files`: whether the message has files; null when not asked. */
  hasFiles: boolean | null;
}

/**
 * Reads and locks FOR UPDATE a message, after `nextSeqOfMessage` locked its room (the one lock
 * order: room, then message), with what the change needs to check its rule, in one statement.
 */
async function lockMessage(tx: Transaction, messageId: number, extras: LockExtras = {}): Promise<Locked | null> {
  const { reaction, pins, files: withFiles } = extras;
  // Qualified by hand: drizzle writes a one-table query's columns unqualified, which a subquery would read as its own.
  const outer = (column: { name: string }) => sql`${messages}.${sql.identifier(column.name)}`;
  const ofMessage = sql`r.message_id = ${outer(messages.id)}`;
  const [row] = await tx
    .select({
      message: messages,
      distinct: reaction
        ? sql<number>`(select count(distinct r.emoji) from ${reactions} r where ${ofMessage})`.mapWith(Number)
        : sql<null>`null`,
      used: reaction
        ? sql<boolean>`exists (select 1 from ${reactions} r where ${ofMessage} and r.emoji = ${reaction.emoji})`
        : sql<null>`null`,
      mine: reaction
        ? sql<boolean>`exists (select 1 from ${reactions} r where ${ofMessage} and r.emoji = ${reaction.emoji} and r.user_id = ${reaction.userId})`
        : sql<null>`null`,
      pinned: pins
        ? sql<number>`(select count(*) from ${messages} p where p.room_id = ${outer(messages.roomId)} and p.pinned_at is not null)`.mapWith(
            Number,
          )
        : sql<null>`null`,
      hasFiles: withFiles
        ? sql<boolean>`exists (select 1 from ${files} f where f.message_id = ${outer(messages.id)} and f.deleted_at is null)`
        : sql<null>`null`,
    })
    .from(messages)
    .where(eq(messages.id, messageId))
    .for("update");
  if (!row) return null;
  return {
    message: row.message,
    reaction: reaction ? { distinct: Number(row.distinct), used: Boolean(row.used), mine: Boolean(row.mine) } : null,
    pinned: pins ? Number(row.pinned) : null,
    hasFiles: withFiles ? Boolean(row.hasFiles) : null,
  };
}

interface ChangeContext extends Locked {
  tx: Transaction;
  emit: Emit;
  seq: number;
  writer: Writer;
  /**
   * Writes the change to the room's log under `seq` and announces it; answers the message now. The
   * change's own writes may run in the same statement (see `recordChange`).
   */
  record(
    change: Omit<ChangeRecord, "roomId" | "seq" | "messageId" | "actorId">,
    writes?: ChangeWrites,
  ): Promise<MessageOut>;
}

/**
 * An update of the locked message as a CTE for `record`'s statement, with the row as it leaves it
 * (the statement reads the row as it was before).
 */
function messageUpdate(tx: Transaction, message: Message, set: Partial<Message>, name = "updated") {
  return {
    cte: tx
      .$with(name)
      .as(tx.update(messages).set(set).where(eq(messages.id, message.id)).returning({ id: messages.id })),
    after: { ...message, ...set },
  };
}

/**
 * The room of each message a change was made to, by database (a message's room never changes):
 * lets `changeMessage` count the rate limit before its transaction. Bounded; forgetting is harmless.
 */
const roomsOfMessages = new WeakMap<object, Map<number, number>>();
const ROOMS_REMEMBERED = 10_000;

function remembered(deps: Deps): Map<number, number> {
  let map = roomsOfMessages.get(deps.db);
  if (!map) {
    map = new Map();
    roomsOfMessages.set(deps.db, map);
  }
  return map;
}

/**
 * The frame of every change, in one transaction: take the sequence number of the message's room
 * (`nextSeqOfMessage`: the room found from the message, the room locked, the membership checked,
 * in one statement), lock the message with what `lock` asks, and let `work` check its rules and
 * write. When the first statement finds nothing, one more query tells NOT_FOUND (no such message,
 * or a private room's stranger: the same words) from FORBIDDEN (a public room's non-member).
 * `work` answering UNCHANGED rolls everything back. `prepare` runs first in the transaction,
 * before the room is locked (see `mentionCandidates`), with the message's room as a subquery.
 *
 * Rate limit: LIMIT_CHANGES_PER_ROOM per user per room, counted for every call that reaches a
 * message (a change that changes nothing included). When this process has seen the message's room
 * before, it is counted before the transaction (a refusal answers a stranger NOT_FOUND all the
 * same); otherwise right after the room is known, inside it (a refusal rolls back and takes no
 * sequence number). Calls on messages outside the caller's rooms count in one bucket of their own.
 */
async function changeMessage<Prepared = undefined>(
  deps: Deps,
  actor: Actor,
  messageId: number,
  work: (ctx: ChangeContext, prepared: Prepared) => Promise<MessageOut | typeof UNCHANGED>,
  options: { lock?: LockExtras; prepare?: (tx: Transaction, room: SQL) => Promise<Prepared> } = {},
): Promise<MessageOut> {
  const known = remembered(deps);
  const limitKey = (roomId: number) => `${actor.userId}:${roomId}`;
  const knownRoom = known.get(messageId);
  if (knownRoom !== undefined) {
    try {
      await deps.limits.take("changesPerRoom", limitKey(knownRoom));
    } catch (error) {
      // Refused before anything is checked: a stranger to the message's room still hears NOT_FOUND,
      // exactly as for a message that does not exist, and learns nothing from the limit.
      await locateMessage(deps.db, actor.userId, messageId);
      throw error;
    }
  }
  try {
    return await transact(deps, async (tx, emit) => {
      const roomOf = sql`(select ${messages.roomId} from ${messages} where ${messages.id} = ${messageId})`;
      const prepared = (await options.prepare?.(tx, roomOf)) as Prepared;
      const taken = await nextSeqOfMessage(tx, messageId, actor.userId);
      if (!taken) {
        // No room of the caller's: counted apart from every room (so the answer tells nothing of
        // the message), so that nobody can make these calls, and their mention lookups, unbounded.
        if (knownRoom === undefined) await deps.limits.take("changesPerRoom", `${actor.userId}:none`);
        await locateMessage(tx, actor.userId, messageId);
        throw notAMember();
      }
      const { roomId, seq, writer } = taken;
      if (knownRoom === undefined) {
        if (known.size >= ROOMS_REMEMBERED) known.clear();
        known.set(messageId, roomId);
        await deps.limits.take("changesPerRoom", limitKey(roomId));
      }
      const locked = await lockMessage(tx, messageId, options.lock);
      if (!locked) throw messageNotFound(messageId);
      const record: ChangeContext["record"] = (change, writes) =>
        recordChange(tx, emit, { ...change, roomId, seq, messageId, actorId: writer.id }, writes);
      const out = await work({ tx, emit, seq, writer, ...locked, record }, prepared);
      if (out === UNCHANGED) throw new Unchanged();
      return out;
    });
  } catch (error) {
    if (!(error instanceof Unchanged)) throw error;
    const [now] = await readMessages(deps.db, [messageId]);
    if (!now) throw messageNotFound(messageId);
    return now;
  }
}

const deletedConflict = (id: number, what: string) =>
  new AppError("CONFLICT", `message ${id} was deleted: it can't be ${what}`);

function editWindowWords(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = seconds / 60;
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/** Whether a message carries files (not deleted). */
async function hasFiles(tx: Transaction, messageId: number): Promise<boolean> {
  const [row] = await tx
    .select({ id: files.id })
    .from(files)
    .where(and(eq(files.messageId, messageId), isNull(files.deletedAt)))
    .limit(1);
  return row !== undefined;
}

/**
 * Replaces the author's own text and the mentions it makes (`mentions` rows rewritten). Answers the
 * message as edited. FORBIDDEN for others' messages, system notices, and past MESSAGE_EDIT_WINDOW
 * after sending; CONFLICT for a deleted message. The same text again changes nothing. A message's
 * files stay; the text of a message with files (their caption) may be emptied, any other's not
 * (BAD_INPUT).
 */
export async function editMessage(deps: Deps, actor: Actor, input: EditMessageInput): Promise<MessageOut> {
  const edit = async ({ tx, writer, message, record }: ChangeContext, candidates: MentionCandidates | null) => {
    // Refused as the schema refuses bad input, before any rule: only a caption beside files may be empty.
    if (input.text === "" && !(await hasFiles(tx, message.id))) {
      throw new AppError("BAD_INPUT", "message must not be empty (only a message with files may have no text)");
    }
    if (message.kind !== "text") throw new AppError("FORBIDDEN", "system notices can't be edited");
    if (message.authorId !== actor.userId) throw new AppError("FORBIDDEN", "you can only edit your own messages");
    if (message.deletedAt) throw deletedConflict(message.id, "edited");
    const window = deps.messages.editWindowSeconds;
    if (window && deps.clock().getTime() - message.createdAt.getTime() > window * 1000) {
      throw new AppError("FORBIDDEN", `messages can be edited for ${editWindowWords(window)} after sending`);
    }
    if (message.body === input.text) return UNCHANGED;
    const mentioned = await resolveMentions(tx, message.roomId, writer, candidates);
    // No "@" in the old text: it notified nobody, there are no `mentions` rows to replace.
    await writeMentions(tx, message, mentioned.notified, message.body.includes("@"));
    const edited = messageUpdate(tx, message, {
      body: input.text,
      editedAt: deps.clock(),
      mentionIds: mentioned.userIds,
      mentionsRoom: mentioned.room,
    });
    return record(
      { change: "edited", mentionsBefore: mentionsOut({ userIds: message.mentionIds, room: message.mentionsRoom }) },
      { writes: [edited.cte], message: edited.after },
    );
  };
  return changeMessage(deps, actor, input.messageId, edit, {
    prepare: (tx, room) => mentionCandidates(tx, room, input.text),
  });
}

/**
 * Deletes a message: its author may, and so may the room's owner (anyone's). It becomes a tombstone:
 * id, room, sequence number, author and times stay; its text, notice, mentions, reactions and pin
 * are removed from storage. A deleted reply leaves its parent's thread (count, last reply time and
 * participants read again); a deleted parent keeps its replies. Answers the tombstone. FORBIDDEN for
 * others' messages; CONFLICT when already deleted. Its files are marked deleted in the same
 * transaction (nobody can download them from the commit on); their bytes and rows are removed
 * right after it, or by the file sweeper if that fails.
 */
export async function deleteMessage(deps: Deps, actor: Actor, input: MessageRef): Promise<MessageOut> {
  // Whether the message had files: only then is there anything to remove after the commit.
  let hadFiles = false;
  const deleted = await changeMessage(
    deps,
    actor,
    input.messageId,
    async ({ tx, writer, message, hasFiles, record }) => {
      if (message.authorId !== actor.userId && writer.role !== "owner") {
        throw new AppError("FORBIDDEN", "you can only delete your own messages (a room's owner may delete any)");
      }
      if (message.deletedAt) throw new AppError("CONFLICT", `message ${message.id} was already deleted`);
      // The tombstone, its reactions and (when its text could mention) its mentions gone: one statement.
      const reactionsGone = tx
        .$with("reactions_gone")
        .as(tx.delete(reactions).where(eq(reactions.messageId, message.id)).returning({ id: reactions.messageId }));
      const mentionsGone = tx
        .$with("mentions_gone")
        .as(tx.delete(mentions).where(eq(mentions.messageId, message.id)).returning({ id: mentions.messageId }));
      const tombstone = messageUpdate(tx, message, {
        body: "",
        notice: null,
        mentionIds: [],
        mentionsRoom: false,
        pinnedAt: null,
        pinnedBy: null,
        deletedAt: deps.clock(),
      });
      const filesGone = tx.$with("files_gone").as(
        tx
          .update(files)
          .set({ deletedAt: deps.clock() })
          .where(and(eq(files.messageId, message.id), isNull(files.deletedAt)))
          .returning({ id: files.id }),
      );
      hadFiles = hasFiles === true;
      const writes = [
        reactionsGone,
        ...(hadFiles ? [filesGone] : []),
        ...(message.body.includes("@") ? [mentionsGone] : []),
        tombstone.cte,
      ];
      const change = {
        change: "deleted" as const,
        mentionsBefore: mentionsOut({ userIds: message.mentionIds, room: message.mentionsRoom }),
      };
      if (message.parentId === null) return record(change, { writes, message: tombstone.after, reactions: "none" });
      // A reply: its parent's thread is counted again once the reply is a tombstone, then recorded.
      await tx
        .with(...writes)
        .select({ id: messages.id })
        .from(messages)
        .where(eq(messages.id, message.id));
      const parent = await recountThread(tx, message.parentId);
      return record({ ...change, parent });
    },
    { lock: { files: true } },
  );
  if (hadFiles) await purgeMessageFiles(deps, deleted.id);
  return deleted;
}

/** The reaction's emoji in its one spelling (see `canonicalEmoji`); BAD_INPUT for anything but one emoji. */
function reactionEmoji(given: string): string {
  const emoji = canonicalEmoji(given);
  if (!isSingleEmoji(emoji)) throw new AppError("BAD_INPUT", NOT_AN_EMOJI);
  return emoji;
}

/**
 * Adds the caller's reaction with one emoji; reacting again with it changes nothing. BAD_INPUT for
 * anything but one emoji; CONFLICT for a deleted message, or a new emoji beyond
 * MAX_REACTIONS_PER_MESSAGE distinct ones.
 */
export async function react(deps: Deps, actor: Actor, input: ReactionInput): Promise<MessageOut> {
  const reaction = { emoji: reactionEmoji(input.emoji), userId: actor.userId };
  const add = async ({ tx, message, reaction: used, record }: ChangeContext) => {
    if (message.deletedAt) throw deletedConflict(message.id, "reacted to");
    if (!used) throw new Error("react: the message was locked without its reactions");
    if (used.mine) return UNCHANGED;
    if (!used.used && used.distinct >= MAX_REACTIONS_PER_MESSAGE) {
      throw new AppError(
        "CONFLICT",
        `a message can have at most ${MAX_REACTIONS_PER_MESSAGE} different reactions: use one already there`,
      );
    }
    const added = tx.$with("added").as(
      tx
        .insert(reactions)
        .values({ messageId: message.id, ...reaction })
        .returning({ emoji: reactions.emoji }),
    );
    return record({ change: "reacted", emoji: reaction.emoji }, { writes: [added], reactions: { added: reaction } });
  };
  return changeMessage(deps, actor, input.messageId, add, { lock: { reaction } });
}

/** Removes the caller's reaction with one emoji; removing one that isn't there changes nothing. */
export async function unreact(deps: Deps, actor: Actor, input: ReactionInput): Promise<MessageOut> {
  const reaction = { emoji: reactionEmoji(input.emoji), userId: actor.userId };
  const remove = async ({ tx, message, reaction: used, record }: ChangeContext) => {
    // Every write of a message's reactions locks the message first: `mine` holds until the commit.
    if (!used?.mine) return UNCHANGED;
    const removed = tx.$with("removed").as(
      tx
        .delete(reactions)
        .where(
          and(
            eq(reactions.messageId, message.id),
            eq(reactions.emoji, reaction.emoji),
            eq(reactions.userId, reaction.userId),
          ),
        )
        .returning({ userId: reactions.userId }),
    );
    return record(
      { change: "unreacted", emoji: reaction.emoji },
      { writes: [removed], reactions: { removed: reaction } },
    );
  };
  return changeMessage(deps, actor, input.messageId, remove, { lock: { reaction } });
}

/**
 * Pins a message to its room. Any member may (as in Slack, pins are the room's shared bookmarks, and
 * the pin event names who pinned). Pinning a pinned message changes nothing. CONFLICT for a deleted
 * message, or when the room already has MAX_PINNED_PER_ROOM pinned.
 */
export async function pin(deps: Deps, actor: Actor, input: MessageRef): Promise<MessageOut> {
  const pinIt = async ({ tx, message, pinned, record }: ChangeContext) => {
    if (message.deletedAt) throw deletedConflict(message.id, "pinned");
    if (message.pinnedAt) return UNCHANGED;
    if ((pinned ?? 0) >= MAX_PINNED_PER_ROOM) {
      throw new AppError("CONFLICT", `a room can have at most ${MAX_PINNED_PER_ROOM} pinned messages: unpin one first`);
    }
    const pinning = messageUpdate(tx, message, { pinnedAt: deps.clock(), pinnedBy: actor.userId });
    return record({ change: "pinned" }, { writes: [pinning.cte], message: pinning.after });
  };
  return changeMessage(deps, actor, input.messageId, pinIt, { lock: { pins: true } });
}

/** Unpins a message (any member); unpinning a message not pinned changes nothing. */
export async function unpin(deps: Deps, actor: Actor, input: MessageRef): Promise<MessageOut> {
  return changeMessage(deps, actor, input.messageId, async ({ tx, message, record }) => {
    if (!message.pinnedAt) return UNCHANGED;
    const unpinned = messageUpdate(tx, message, { pinnedAt: null, pinnedBy: null });
    return record({ change: "unpinned" }, { writes: [unpinned.cte], message: unpinned.after });
  });
}

/**
 * A room's pinned messages, most recently pinned first (at most MAX_PINNED_PER_ROOM), each as it is
 * now; for members only (NOT_FOUND for a private room's strangers, FORBIDDEN for a public room's).
 */
export async function pinnedMessages(deps: Deps, actor: Actor, roomId: number): Promise<MessageOut[]> {
  await requireMemberCached(deps, actor.userId, roomId);
  const rows = await messageRows(deps.db)
    .where(and(eq(messages.roomId, roomId), isNotNull(messages.pinnedAt)))
    .orderBy(desc(messages.pinnedAt), desc(messages.seq))
    .limit(MAX_PINNED_PER_ROOM);
  return withReactions(deps.db, rows);
}

/**
 * A thread: its parent as it is now, and a page of its replies keyset-paged by sequence number:
 * `after` one (or from the first reply) oldest first, or `before` one newest first. For the room's
 * members; NOT_FOUND when the caller may not see the message, FORBIDDEN for a public room's
 * non-members, BAD_INPUT when the message is itself a reply. Three queries.
 */
export async function threadReplies(deps: Deps, actor: Actor, input: ThreadInput): Promise<ThreadPage> {
  const { messageId, before, limit } = input;
  const located = await locateMessage(deps.db, actor.userId, messageId);
  if (!located.role) throw notAMember();
  if (located.parentId !== null) {
    throw new AppError(
      "BAD_INPUT",
      `message ${messageId} is a reply: read its thread from the first message (${located.parentId})`,
    );
  }
  const inThread = eq(messages.parentId, messageId);
  const query = messageRows(deps.db).limit(limit + 1);
  const rows =
    before !== undefined
      ? await query.where(and(inThread, lt(messages.seq, before))).orderBy(desc(messages.seq))
      : await query.where(and(inThread, gt(messages.seq, input.after ?? 0))).orderBy(asc(messages.seq));
  const parentRows = await messageRows(deps.db).where(eq(messages.id, messageId));
  const [parent, ...items] = await withReactions(deps.db, [...parentRows, ...rows.slice(0, limit)]);
  if (!parent) throw messageNotFound(messageId);
  return { parent, items, hasMore: rows.length > limit };
}
