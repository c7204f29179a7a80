import { type Database, schema } from "@parley/db";
import { and, desc, eq, gt, inArray, isNull, lte } from "drizzle-orm";
import { type BusEvent, type ParentUpdate, roomChannel, type StopSignal, type Subscription, userChannel } from "../bus";
import type { SubscriptionWire } from "../context";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import { MAX_UNREAD, type MessageChangeKind, type MessageOut, type RoomEventsInput } from "../schemas";
import { readMessages } from "./message-log";
import { roomCountsOf } from "./read-state";
import { replay } from "./replay";
import { accessRoom, currentMembership, notAMember, requireMember, requireMemberCached } from "./room-access";
import { memberRoomIdsNow, roomLastSeq, roomLastSeqs } from "./stream-reads";

/**
 * What a room's live stream carries. Messages, changes to them (and resets) have a sequence
 * number. A replayed message or change shows the message as it is now, so a deleted message's
 * text is never sent again; live ones show it as the change left it.
 */
export type RoomStreamEvent =
  /** A new message, notice or reply; a reply carries its parent's new thread summary. */
  | { type: "message"; message: MessageOut; parent?: ParentUpdate }
  /** A change to a message: `message` is its state after the change. */
  | {
      type: "change";
      change: MessageChangeKind;
      actorId: number;
      emoji: string | null;
      message: MessageOut;
      parent?: ParentUpdate;
    }
  /** More was missed than a stream replays: refetch history, then go on from `lastSeq`. */
  | { type: "reset"; lastSeq: number }
  | { type: "typing"; userId: number; username: string; until: number }
  /**
   * Sent once, after the replay: the stream is subscribed and caught up, and what follows is live.
   * (Who is online is not a room's business: see `events.presence`.)
   */
  | { type: "live" };

export interface RoomStreamItem {
  /**
   * The room sequence number the client has reached with this event: the id it resumes from.
   * A message or a change carries its own; a reset the one to go on from; typing and `live` the
   * last one.
   */
  seq: number;
  event: RoomStreamEvent;
}

/** Why an open room stream ends when an administrator deleted the room, in words the member's client shows. */
const roomDeleted = () => new AppError("NOT_FOUND", "this room was deleted by an administrator");

/** Why a removed member's open room stream ends, in words the member's client shows. */
const removedFromRoom = () =>
  new AppError("FORBIDDEN", "you were removed from this room by its owner: you are no longer a member");

/** A live message or change as a room stream carries it: the state the write left. */
function streamEventOf(event: Extract<BusEvent, { type: "room.message" | "room.change" }>): RoomStreamEvent {
  const parent = event.parent ? { parent: event.parent } : {};
  if (event.type === "room.message") return { type: "message", message: event.message, ...parent };
  const { change, actorId, emoji, message } = event;
  return { type: "change", change, actorId, emoji, message, ...parent };
}
const { messages, messageChanges } = schema;

/**
 * A public room's new messages, live only, for a listener without a token (the seed sockets'
 * plain `/ws`). Subscribed when this resolves. Throws NOT_FOUND for a private room or a direct
 * conversation (by `accessRoom`, the one rule of who may know about a room): nobody without a
 * token hears those, whichever room id the caller was handed.
 */
export async function listenToPublicRoom(
  deps: Pick<Deps, "db" | "bus">,
  roomId: number,
  signal: StopSignal,
): Promise<AsyncIterable<MessageOut>> {
  const { room } = await accessRoom(deps.db, null, roomId);
  const stream = await deps.bus.subscribe(roomChannel(room.id), signal);
  return (async function* () {
    // New messages only (replies too, as plain messages): seed clients cannot parse changes.
    let newest = 0; // the highest sequence number heard, of a message or a change
    for await (const event of stream) {
      if (event.type === "room.change") newest = Math.max(newest, event.seq);
      if (event.type !== "room.message") continue;
      if (event.seq < newest) {
        // Late (its publish was slow): a change heard before it may have deleted it meanwhile,
        // and a deleted message's text is never sent. Sent as it is now, or not at all.
        const [now] = await readMessages(deps.db, [event.message.id]);
        if (now && now.deletedAt === null) yield now;
        continue;
      }
      newest = event.seq;
      yield event.message;
    }
  })();
}

/**
 * A room's events for one of its members, resumable with no message lost or repeated.
 *
 * Subscribes to the bus first, then replays from the database everything after `lastEventId`,
 * then streams live events, dropping any it has already yielded. A live event that skips sequence
 * numbers (the bus between processes is at-most-once) is preceded by the missing ones, read from
 * the database; so is everything after the bus reports it reconnected. When more is missing than
 * `resumeLimit`, the stream says `reset` instead of replaying a partial history. It ends when the
 * caller leaves the room, fails with FORBIDDEN when the room's owner removes the caller (on every
 * instance: the removal is published on the room's channel and the caller's), and fails when the
 * caller's token is revoked.
 *
 * Messages and changes to them share the room's sequence: both are tracked alike, and a replayed
 * one (from `lastEventId`, or filling a gap) shows the message as it is now (see `replay`).
 *
 * Given a `wire`, each live plain message (not a reply) that follows the last one with nothing
 * else waiting goes straight to the socket from the bus; everything else (replies, changes, gaps,
 * typing, the end) takes the generator, in order.
 */
export async function* roomEvents(
  deps: Deps,
  actor: Actor,
  input: RoomEventsInput,
  signal: StopSignal,
  wire?: SubscriptionWire,
): AsyncGenerator<RoomStreamItem> {
  const { room } = await requireMemberCached(deps, actor.userId, input.roomId);
  const stream = await deps.bus.subscribe([roomChannel(room.id), userChannel(actor.userId)], signal);
  let last = await roomLastSeq(deps.db, room.id);
  const resumeFrom = parseEventId(input.lastEventId);

  if (resumeFrom !== undefined && resumeFrom !== last) yield* roomCatchUp(deps, room.id, resumeFrom, last);

  const caughtUp: RoomStreamEvent = { type: "live" };
  if (wire) {
    wire.mark(caughtUp);
    stream.offerDirectly((event) => {
      // Plain messages only: a reply's parent update and every change take the generator.
      if (event.type !== "room.message" || event.parent || event.seq !== last + 1) return false;
      if (!wire.writeMessage(event.seq, event.message)) return false;
      last = event.seq;
      return true;
    });
  }
  yield { seq: last, event: caughtUp };

  // The live phase, in this generator itself (not a nested one delegated to with `yield*`): an
  // idle stream is this one suspended frame, waiting on its bus subscription's one promise.
  for await (const event of stream) {
    switch (event.type) {
      case "room.message":
      case "room.change":
        if (event.seq <= last) continue; // replayed already
        if (event.seq > last + 1) yield* roomCatchUp(deps, room.id, last, event.seq - 1);
        last = event.seq;
        yield { seq: event.seq, event: streamEventOf(event) };
        break;
      case "bus.resync": {
        const latest = await roomLastSeq(deps.db, room.id);
        if (latest > last) {
          yield* roomCatchUp(deps, room.id, last, latest);
          last = latest;
        }
        break;
      }
      case "room.typing":
        if (event.userId !== actor.userId) {
          yield {
            seq: last,
            event: { type: "typing", userId: event.userId, username: event.username, until: event.until },
          };
        }
        break;
      case "user.room":
        if (event.room.id !== room.id) break;
        if (event.change === "left") return;
        if (event.change === "removed") throw removedFromRoom();
        if (event.change === "deleted") throw roomDeleted();
        break;
      case "room.member":
        // The room's own channel says so too: whichever of the two arrives first ends the stream.
        if (event.change === "removed" && event.userId === actor.userId) throw removedFromRoom();
        break;
      case "user.session-revoked":
        if (event.jti === actor.jti) throw new AppError("UNAUTHENTICATED", "this session has ended: log in again");
        break;
    }
  }
}

/** What a room stream missed after `from` up to `to`: replayed from the database, or a `reset` when that is more than `resumeLimit`. */
async function* roomCatchUp(deps: Deps, roomId: number, from: number, to: number): AsyncGenerator<RoomStreamItem> {
  if (to - from > deps.live.resumeLimit || from > to) {
    yield { seq: to, event: { type: "reset", lastSeq: to } };
  } else {
    yield* replay(deps.db, roomId, from, to);
  }
}

/**
 * A new message or notice in one of the caller's rooms, or an edit or deletion that changes what
 * the caller's sidebar counts: enough to keep the unread and mention counts true without a refetch.
 * Reactions and pins are not activity.
 */
export interface RoomActivity {
  type: "room.activity";
  roomId: number;
  /** The event's sequence number in the room (a message's own, or its change's). */
  seq: number;
  change: "created" | "edited" | "deleted";
  messageId: number;
  /** The message's own sequence number: unread when after the caller's read mark. */
  messageSeq: number;
  /** Null for a system notice. */
  authorId: number | null;
  kind: MessageOut["kind"];
  /** The thread it replies in; null for a top-level message. */
  parentId: number | null;
  /** The message mentions the caller now (by name or `@room`, and not by the caller). */
  mentioned: boolean;
  /** For an edit or deletion: it mentioned the caller before. */
  mentionedBefore: boolean;
}

/**
 * A room's unread and mention counts for the caller as the database has them now: sent when the
 * stream cannot tell how a change moved them (a gap it filled from the database held edits or
 * deletions), so that the sidebar shows the truth without refetching every room. The client
 * replaces its counts with these. They include every event of the room up to the moment they were
 * read: the stream sends no activity for those (so nothing is counted twice), and counts on from
 * the next one.
 */
export interface RoomCounts {
  type: "room.counts";
  roomId: number;
  unread: number;
  mentions: number;
}

/**
 * Events may have been lost while the bus was reconnecting: whatever the client holds about its
 * rooms and their members, it reads again.
 */
export interface StreamResync {
  type: "resync";
}

/**
 * What the caller's own stream carries: their user events, activity in each of their rooms,
 * changes to those rooms' members (joins, leaves, removals, renames and display names), and to the
 * rooms themselves (name, topic).
 */
export type UserStreamEvent =
  | Exclude<Extract<BusEvent, { type: `user.${string}` | "room.member" | "room.updated" }>, { type: "user.read" }>
  | Omit<Extract<BusEvent, { type: "user.read" }>, "caughtUp">
  | RoomActivity
  | RoomCounts
  | StreamResync;

/** How many members' latest profiles a user stream remembers, to pass each change on once. */
const PROFILES_REMEMBERED = 1000;

/**
 * The caller's own events (rooms joined, left and invited to, direct conversations, read marks,
 * each followed by the counts it left in its room, profile), and, in each room the caller is a member of, a `room.activity` for every new message
 * and deletion and for each edit that mentions the caller or stops doing so (the mentioned user's
 * every tab learns of a mention at once), or the room's counts (`room.counts`) when a gap it
 * filled from the database held edits or deletions.
 *
 * Follows the caller's memberships while it runs: a room joined, invited to or opened is
 * followed from then on, a room left is not. Each followed room's sequence is checked the way
 * `roomEvents` checks it: what the bus skipped (a gap, a reconnect, the moment between joining
 * and following) is read from the database, and nothing is yielded twice. It fails when the
 * caller's token is revoked.
 */
export async function* userEvents(deps: Deps, actor: Actor, signal: StopSignal): AsyncGenerator<UserStreamEvent> {
  const stream = await deps.bus.subscribe(userChannel(actor.userId), signal);
  const user: UserStream = { deps, actor, stream, followed: new Map(), profiles: undefined };
  const { followed } = user;

  // Nothing is followed yet, so nothing is missed: the rooms' current state is the starting point.
  yield* followMemberships(user);

  for await (const event of stream) {
    switch (event.type) {
      case "room.message":
      case "room.change": {
        const last = followed.get(event.roomId);
        if (last === undefined || event.seq <= last) continue; // not followed (any more), or yielded already
        const counts = event.seq > last + 1 && (yield* missed(user, event.roomId, last, event.seq - 1));
        followed.set(event.roomId, event.seq);
        const activity = activityOf(event, actor.userId);
        if (activity) yield activity;
        // After this event's own activity, so that the event that revealed the gap is told too.
        if (counts) yield* recount(user, event.roomId);
        break;
      }
      case "room.typing":
      case "directory.room":
      case "presence":
        break; // the open room's own stream shows typing; the directory and presence are not followed here
      case "bus.resync":
        user.profiles = undefined;
        yield* followMemberships(user);
        yield { type: "resync" };
        break;
      case "room.updated":
        if (followed.has(event.roomId)) yield event;
        break;
      case "room.member": {
        if (!followed.has(event.roomId)) continue;
        if (event.change === "removed" && event.userId === actor.userId) unfollow(user, event.roomId); // its user.room follows
        if (event.change === "updated") {
          const profile = JSON.stringify(event.user);
          user.profiles ??= new Map();
          const { profiles } = user;
          if (profiles.get(event.user.id) === profile) continue;
          if (profiles.size >= PROFILES_REMEMBERED) profiles.clear();
          profiles.set(event.user.id, profile);
        }
        yield event;
        break;
      }
      case "user.room":
        if (event.change === "left" || event.change === "removed" || event.change === "deleted") {
          unfollow(user, event.room.id);
          yield event;
        } else {
          yield event;
          yield* follow(user, event.room.id, event.room.lastSeq);
        }
        break;
      case "user.direct":
        yield event;
        yield* follow(user, event.conversation.room.id, event.conversation.room.lastSeq);
        break;
      case "user.read": {
        const { caughtUp, ...read } = event;
        yield read;
        const last = followed.get(event.roomId);
        if (last === undefined) break;
        // A mark at the room's newest message left nothing to count, in the snapshot it was written
        // in: the counts are 0 there, unless this stream has already counted past it (a message
        // after the mark arrived first). Otherwise (the reader saw only so far, or a message came
        // in between) the counts it left are read again and sent to every tab, rather than guessed.
        if (caughtUp && last <= event.lastReadSeq) {
          followed.set(event.roomId, event.lastReadSeq);
          yield { type: "room.counts", roomId: event.roomId, unread: 0, mentions: 0 };
        } else yield* recount(user, event.roomId);
        break;
      }
      case "user.session-revoked":
        if (event.jti === actor.jti) throw new AppError("UNAUTHENTICATED", "this session has ended: log in again");
        yield event;
        break;
      case "access.session-revoked":
      case "access.user-changed":
      case "access.sessions-ended":
      case "access.membership-ended":
        break; // for the processes' caches, on their own channel: never on a user's
      default:
        yield event;
    }
  }
}

/**
 * What one user stream (`userEvents`) keeps while it runs, shared by the steps below: module-level
 * functions over this record rather than closures made anew for every stream.
 */
interface UserStream {
  deps: Deps;
  actor: Actor;
  stream: Subscription;
  /** The rooms followed, each with the last sequence number the stream has accounted for. */
  followed: Map<number, number>;
  /**
   * The profiles last passed on, by user id: a member who shares many rooms with the caller is
   * announced on each of them, and the caller hears of the change once. Made at the first.
   */
  profiles: Map<number, string> | undefined;
}

/** Follows the rooms the caller is a member of now, and stops following the others. */
async function* followMemberships(user: UserStream): AsyncGenerator<RoomActivity | RoomCounts> {
  const { deps, actor, stream, followed } = user;
  const roomIds = await memberRoomIdsNow(deps.db, actor.userId);
  const member = new Set(roomIds);
  const gone = [...followed.keys()].filter((roomId) => !member.has(roomId));
  stream.removeChannels(gone.map(roomChannel));
  for (const roomId of gone) followed.delete(roomId);
  await stream.addChannels(roomIds.map(roomChannel));
  // Read after the channels are live: anything newer than this arrives on the bus.
  const lastSeqs = await roomLastSeqs(deps.db, roomIds);
  for (const roomId of roomIds) {
    const lastSeq = lastSeqs.get(roomId);
    if (lastSeq === undefined) continue; // deleted meanwhile
    const last = followed.get(roomId);
    if (last !== undefined) yield* catchUpActivity(user, roomId, last, lastSeq);
    followed.set(roomId, Math.max(last ?? 0, lastSeq));
  }
}

/** Stops following a room the caller is no longer a member of: nothing more of it is heard. */
function unfollow({ stream, followed }: UserStream, roomId: number) {
  stream.removeChannels(roomChannel(roomId));
  followed.delete(roomId);
}

/** Follows a room the caller has just entered, whose newest message was `seq` when they did. */
async function* follow(user: UserStream, roomId: number, seq: number): AsyncGenerator<RoomActivity | RoomCounts> {
  if (user.followed.has(roomId)) return;
  await user.stream.addChannels(roomChannel(roomId));
  user.followed.set(roomId, seq);
  // Messages sent between entering and following were published before the channel was live.
  const latest = (await roomLastSeqs(user.deps.db, [roomId])).get(roomId);
  if (latest !== undefined) yield* catchUpActivity(user, roomId, seq, latest);
}

/**
 * The activity of the messages created `after` < seq <= `upTo`, from the database, each as it is
 * now. Returns whether the room's counts must be read again: the range held edits or deletions,
 * or one of its messages has been edited or deleted since, so its activity alone would not add
 * up (see `recount`).
 */
async function* missed(
  { deps, actor, followed }: UserStream,
  roomId: number,
  after: number,
  upTo: number,
): AsyncGenerator<RoomActivity, boolean> {
  if (upTo <= after) return false;
  const { created, recount } = await activitySince(deps.db, roomId, after, upTo, actor.userId);
  for (const activity of created) {
    if (activity.seq <= (followed.get(roomId) ?? 0)) continue;
    followed.set(roomId, activity.seq);
    yield activity;
  }
  followed.set(roomId, Math.max(followed.get(roomId) ?? 0, upTo));
  return recount;
}

/**
 * The room's counts as the database has them now, read in one snapshot with the room's sequence
 * number, which the stream then has accounted for: the events up to it, still on their way on the
 * bus, are skipped (their activity is in the counts), the ones after it count one by one.
 */
async function* recount({ deps, actor, followed }: UserStream, roomId: number): AsyncGenerator<RoomCounts> {
  const counts = await roomCountsOf(deps.db, actor.userId, roomId);
  if (!counts) return; // left meanwhile: its user.room event follows
  followed.set(roomId, Math.max(followed.get(roomId) ?? 0, counts.lastSeq));
  yield { type: "room.counts", roomId, unread: counts.unread, mentions: counts.mentions };
}

/** `missed`, then the counts when it says so. */
async function* catchUpActivity(
  user: UserStream,
  roomId: number,
  after: number,
  upTo: number,
): AsyncGenerator<RoomActivity | RoomCounts> {
  if (yield* missed(user, roomId, after, upTo)) yield* recount(user, roomId);
}

/**
 * Tells a room's other members that the caller is typing; nothing is stored. Who may, and by what
 * name, is read from the database (one query), not from a cache or the caller's connection.
 */
export async function startTyping(deps: Deps, actor: Actor, roomId: number): Promise<void> {
  const member = await currentMembership(deps.db, actor.userId, roomId);
  if (!member) {
    await requireMember(deps.db, actor.userId, roomId); // NOT_FOUND for a private room's outsiders
    throw notAMember();
  }
  const until = deps.clock().getTime() + deps.live.typingTtlMs;
  await deps.bus.publish({ type: "room.typing", roomId, userId: actor.userId, username: member.username, until });
}

/** A message's mentions name the user (by name or `@room`), and the user did not write it. */
const mentionsUser = (mentions: MessageOut["mentions"] | undefined, authorId: number | null, userId: number) =>
  mentions !== undefined && authorId !== userId && (mentions.room || mentions.userIds.includes(userId));

/** What a message (as it is in `message`) means to the user's counts when it is new. */
function createdActivity(seq: number, message: MessageOut, userId: number): RoomActivity {
  const authorId = message.author?.id ?? null;
  return {
    type: "room.activity",
    roomId: message.roomId,
    seq,
    change: "created",
    messageId: message.id,
    messageSeq: message.seq,
    authorId,
    kind: message.kind,
    parentId: message.parentId,
    mentioned: mentionsUser(message.mentions, authorId, userId),
    mentionedBefore: false,
  };
}

/**
 * The activity of a live message or change for the user `userId`: every new message, every
 * deletion (which may lower the counts), and an edit only when it mentions the user now and did
 * not before, or the other way round. Reactions and pins change no count: none.
 */
function activityOf(event: Extract<BusEvent, { type: "room.message" | "room.change" }>, userId: number) {
  if (event.type === "room.message") return createdActivity(event.seq, event.message, userId);
  const { message } = event;
  const authorId = message.author?.id ?? null;
  const mentioned = mentionsUser(message.mentions, authorId, userId);
  const mentionedBefore = mentionsUser(event.mentionsBefore, authorId, userId);
  if (event.change === "deleted" || (event.change === "edited" && mentioned !== mentionedBefore)) {
    return { ...createdActivity(event.seq, message, userId), change: event.change, mentioned, mentionedBefore };
  }
  return undefined;
}

/**
 * What the user stream reads for a room's events `after` < seq <= `upTo`: the activity of the
 * messages created in it, oldest first (at most the newest MAX_UNREAD, which is as many as a
 * sidebar's unread count shows), each as it is now; and whether the counts must be read again
 * because the range held edits or deletions, or a message of it has been edited or deleted since
 * (its activity as it is now would not add up with the change events still to come). Two queries.
 */
async function activitySince(db: Database, roomId: number, after: number, upTo: number, userId: number) {
  const inRange = <T extends typeof messages.seq | typeof messageChanges.seq>(seq: T) =>
    and(gt(seq, after), lte(seq, upTo));
  const [rows, changed] = await Promise.all([
    db
      .select({
        id: messages.id,
        roomId: messages.roomId,
        seq: messages.seq,
        authorId: messages.authorId,
        kind: messages.kind,
        parentId: messages.parentId,
        mentionIds: messages.mentionIds,
        mentionsRoom: messages.mentionsRoom,
        editedAt: messages.editedAt,
        deletedAt: messages.deletedAt,
      })
      .from(messages)
      .where(and(eq(messages.roomId, roomId), inRange(messages.seq)))
      .orderBy(desc(messages.seq))
      .limit(MAX_UNREAD),
    db
      .select({ seq: messageChanges.seq })
      .from(messageChanges)
      .where(
        and(
          eq(messageChanges.roomId, roomId),
          inRange(messageChanges.seq),
          inArray(messageChanges.change, ["edited", "deleted"]),
        ),
      )
      .limit(1),
  ]);
  const created: RoomActivity[] = rows.reverse().map((row) => ({
    type: "room.activity",
    roomId: row.roomId,
    seq: row.seq,
    change: "created",
    messageId: row.id,
    messageSeq: row.seq,
    authorId: row.authorId,
    kind: row.kind,
    parentId: row.parentId,
    mentioned:
      row.deletedAt === null && row.authorId !== userId && (row.mentionsRoom || row.mentionIds.includes(userId)),
    mentionedBefore: false,
  }));
  const recount = changed.length > 0 || rows.some((row) => row.editedAt !== null || row.deletedAt !== null);
  return { created, recount };
}

/**
 * The sequence number after which a room's newest `count` messages (deleted ones left out) come:
 * where a stream that shows them first (`roomEvents` from there) starts. A room's sequence counts
 * changes too, so this is read, not worked out from `last_seq`. 0 when the room has fewer.
 */
export async function seqBeforeRecentMessages(db: Database, roomId: number, count: number): Promise<number> {
  const [oldest] = await db
    .select({ seq: messages.seq })
    .from(messages)
    .where(and(eq(messages.roomId, roomId), isNull(messages.deletedAt)))
    .orderBy(desc(messages.seq))
    .limit(1)
    .offset(count - 1);
  return oldest ? oldest.seq - 1 : 0;
}

function parseEventId(id: string | null | undefined): number | undefined {
  if (id === null || id === undefined) return undefined;
  const seq = Number(id);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new AppError("BAD_INPUT", "lastEventId must be a sequence number");
  return seq;
}
