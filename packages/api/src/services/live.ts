import { type Database, schema } from "@parley/db";
import { eq } from "drizzle-orm";
import { type BusEvent, roomChannel, userChannel } from "../bus";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type { MessageOut, RoomEventsInput } from "../schemas";
import { historyQuery } from "./messages";
import { messageOutOf } from "./output";
import { requireMember } from "./room-access";

/** What a room's live stream carries. Only messages (and resets) have a sequence number. */
export type RoomStreamEvent =
  | { type: "message"; message: MessageOut }
  /** More was missed than a stream replays: refetch history, then go on from `lastSeq`. */
  | { type: "reset"; lastSeq: number }
  | { type: "typing"; userId: number; username: string; until: number }
  | { type: "presence"; online: { userId: number; username: string }[] };

export interface RoomStreamItem {
  /**
   * The room sequence number the client has reached with this event: the id it resumes from.
   * A message carries its own; a reset the one to go on from; typing and presence the last one.
   */
  seq: number;
  event: RoomStreamEvent;
}

const BACKFILL_PAGE = 100;
const { rooms } = schema;

/**
 * A room's events for one of its members, resumable with no message lost or repeated.
 *
 * Subscribes to the bus first, then replays from the database everything after `lastEventId`,
 * then streams live events, dropping any it has already yielded. A live event that skips sequence
 * numbers (the bus between processes is at-most-once) is preceded by the missing ones, read from
 * the database; so is everything after the bus reports it reconnected. When more is missing than
 * `resumeLimit`, the stream says `reset` instead of replaying a partial history. It ends when the
 * caller leaves the room, and fails when the caller's token is revoked.
 */
export async function* roomEvents(
  deps: Deps,
  actor: Actor,
  input: RoomEventsInput,
  signal: AbortSignal,
): AsyncGenerator<RoomStreamItem> {
  const { room } = await requireMember(deps.db, actor.userId, input.roomId);
  const stream = await deps.bus.subscribe([roomChannel(room.id), userChannel(actor.userId)], signal);
  let last = await currentSeq(deps.db, room.id);
  const resumeFrom = parseEventId(input.lastEventId);

  async function* catchUp(from: number, to: number): AsyncGenerator<RoomStreamItem> {
    if (to - from > deps.live.resumeLimit || from > to) {
      yield { seq: to, event: { type: "reset", lastSeq: to } };
    } else {
      for (let after = from; after < to; ) {
        const limit = Math.min(BACKFILL_PAGE, to - after);
        // historyQuery reads one row more than the page, to tell whether there is more: not ours.
        const rows = (await historyQuery(deps.db, { roomId: room.id, after, limit })).slice(0, limit);
        if (rows.length === 0) break;
        for (const { message, author } of rows) {
          yield { seq: message.seq, event: { type: "message", message: messageOutOf(message, author) } };
        }
        after = rows.at(-1)?.message.seq ?? to;
      }
    }
  }

  if (resumeFrom !== undefined && resumeFrom !== last) yield* catchUp(resumeFrom, last);

  const leave = await deps.presence.enter(room.id, { userId: actor.userId, username: actor.username });
  try {
    yield { seq: last, event: { type: "presence", online: await deps.presence.online(room.id) } };
    yield* live();
  } finally {
    await leave();
  }

  async function* live(): AsyncGenerator<RoomStreamItem> {
    for await (const event of stream) {
      switch (event.type) {
        case "room.message":
          if (event.seq <= last) continue; // replayed already
          if (event.seq > last + 1) yield* catchUp(last, event.seq - 1);
          last = event.seq;
          yield { seq: event.seq, event: { type: "message", message: event.message } };
          break;
        case "bus.resync": {
          const latest = await currentSeq(deps.db, room.id);
          if (latest > last) {
            yield* catchUp(last, latest);
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
        case "room.presence":
          yield { seq: last, event: { type: "presence", online: event.online } };
          break;
        case "user.room":
          if (event.change === "left" && event.room.id === room.id) return;
          break;
        case "user.session-revoked":
          if (event.jti === actor.jti) throw new AppError("UNAUTHENTICATED", "this session has ended: log in again");
          break;
      }
    }
  }
}

/** The caller's own events: rooms joined, left and invited to, direct conversations, profile. */
export async function* userEvents(deps: Deps, actor: Actor, signal: AbortSignal): AsyncGenerator<BusEvent> {
  const stream = await deps.bus.subscribe(userChannel(actor.userId), signal);
  for await (const event of stream) {
    if (event.type === "user.session-revoked" && event.jti === actor.jti) {
      throw new AppError("UNAUTHENTICATED", "this session has ended: log in again");
    }
    if (event.type !== "bus.resync") yield event;
  }
}

/** Tells a room's other members that the caller is typing; nothing is stored. */
export async function startTyping(deps: Deps, actor: Actor, roomId: number): Promise<void> {
  await requireMember(deps.db, actor.userId, roomId);
  const until = deps.clock().getTime() + deps.live.typingTtlMs;
  await deps.bus.publish({ type: "room.typing", roomId, userId: actor.userId, username: actor.username, until });
}

async function currentSeq(db: Database, roomId: number): Promise<number> {
  const [row] = await db.select({ lastSeq: rooms.lastSeq }).from(rooms).where(eq(rooms.id, roomId));
  return row?.lastSeq ?? 0;
}

function parseEventId(id: string | null | undefined): number | undefined {
  if (id === null || id === undefined) return undefined;
  const seq = Number(id);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new AppError("BAD_INPUT", "lastEventId must be a sequence number");
  return seq;
}
