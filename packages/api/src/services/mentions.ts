import { foldName, schema, type Transaction } from "@parley/db";
import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { MessageOut } from "../schemas";
import type { Writer } from "./message-log";
import { bigintArray, intArray } from "./sql-arrays";

/**
 * Mentions in a message's text, parsed on the server when the text is sent or edited.
 *
 * - `@username` mentions a user by any spelling of their name that `foldName` makes the same (the
 *   username characters of schemas/users.ts: letters, digits, '_', '.', '-'; a trailing '.' or '-'
 *   is read as punctuation unless it belongs to the name). Only current members of the room are
 *   mentioned: anybody else's name stays plain text, so a mention reveals nothing to a stranger.
 * - `@room` mentions every member, and only when its writer is the room's owner (or the message is
 *   an incoming webhook's, the owner's integration: `mentionsAsOwner`); never in a direct
 *   conversation (which has no owner). From anybody else it is plain text. `@room` always means the
 *   room, never a user named "room".
 *
 * The author may mention themself (shown), but is never notified.
 */

const { mentions, roomMembers, users } = schema;

/** `@` then a name, not inside a word or an e-mail address ("bob@example.com" mentions nobody). */
const MENTION = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]{2,32})(?![\p{L}\p{N}_.-])/gu;
/** The name `@room` says: reserved as a username (see runtime.ts), so that it never names a user. */
export const ROOM_MENTION = "room";
const ROOM_KEY = ROOM_MENTION;

/** What the text names: folded username candidates (longest first for each mention) and `@room`. */
export function parseMentions(text: string): { names: string[][]; room: boolean } {
  const names: string[][] = [];
  let room = false;
  if (!text.includes("@")) return { names, room };
  for (const [, name = ""] of text.normalize("NFC").matchAll(MENTION)) {
    const candidates = [name, name.replace(/[.-]+$/, "")].filter((c, i, all) => c.length >= 2 && all.indexOf(c) === i);
    const keys = candidates.map(foldName);
    if (keys.includes(ROOM_KEY)) room = true;
    else if (keys.length > 0) names.push(keys);
  }
  return { names, room };
}

/** The mentions a text makes, as stored on the message, and who is notified of them. */
export interface ResolvedMentions {
  /** Members mentioned by `@username`, in the order first named (for display). */
  userIds: number[];
  /** `@room` by the room's owner. */
  room: boolean;
  /** Members notified: those named and, for `@room`, every member; never the author. */
  notified: number[];
}

export const NO_MENTIONS: ResolvedMentions = { userIds: [], room: false, notified: [] };

/**
 * Who a text might mention, read before the write takes its room's sequence number: the users its
 * `@names` name (any room), and for `@room` the room's members, their user rows locked FOR KEY
 * SHARE until the transaction ends. Null (and no query at all) when the text holds no "@" or
 * names nobody.
 *
 * Why before: storing a mention references the user's row, which takes that lock anyway. A rename
 * locks the user's row first and then takes the sequence number of each room the user is in; a
 * write that held its room and only then waited for a mentioned user's row would deadlock with
 * it. Locking first keeps one order, users then rooms. A rename committed meanwhile is seen: the
 * old name no longer matches. `roomId` may be a subquery (a change knows only its message).
 */
export async function mentionCandidates(
  tx: Transaction,
  roomId: number | SQL,
  text: string,
): Promise<MentionCandidates | null> {
  const parsed = parseMentions(text);
  if (parsed.names.length === 0 && !parsed.room) return null;
  const byKey = new Map<string, number>();
  if (parsed.names.length > 0) {
    const named = await tx
      .select({ id: users.id, key: users.usernameKey })
      .from(users)
      // A deleted account is nobody to mention (it may stay in a direct conversation, for its history).
      .where(and(inArray(users.usernameKey, [...new Set(parsed.names.flat())]), isNull(users.deletedAt)))
      .for("key share");
    for (const { id, key } of named) byKey.set(key, id);
  }
  let members: number[] = [];
  if (parsed.room) {
    const rows = await tx
      .select({ id: users.id })
      .from(roomMembers)
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(and(eq(roomMembers.roomId, roomId), isNull(users.deletedAt)))
      .for("key share", { of: users });
    members = rows.map((r) => r.id);
  }
  return { names: parsed.names, byKey, room: parsed.room, members };
}

/** Who a message's writer mentions as: the room's owner for a message `mentionsAsOwner` (an incoming webhook's). */
export function mentioner<W extends Pick<Writer, "role">>(
  message: { mentionsAsOwner?: boolean | undefined },
  writer: W,
): W {
  return message.mentionsAsOwner && writer.role !== "owner" ? { ...writer, role: "owner" } : writer;
}

/** What `mentionCandidates` found, for `resolveMentions`. */
export interface MentionCandidates {
  names: string[][];
  /** Users by folded username, their rows locked. */
  byKey: Map<string, number>;
  /** The text says `@room`. */
  room: boolean;
  /** For `@room`: the room's members whose rows are locked. */
  members: number[];
}

/**
 * The mentions a text makes, decided inside the writing transaction after `nextSeq` locked the room
 * (joins and leaves wait for it): of the candidates, only current members are mentioned, and
 * `@room` only from the room's owner. One query, none without candidates.
 */
export async function resolveMentions(
  tx: Transaction,
  roomId: number,
  writer: Pick<Writer, "id" | "role">,
  candidates: MentionCandidates | null,
): Promise<ResolvedMentions> {
  if (!candidates) return NO_MENTIONS;
  const room = candidates.room && writer.role === "owner";
  const ids = candidateIds(candidates, writer);
  if (ids.length === 0) return room ? { userIds: [], room, notified: [] } : NO_MENTIONS;
  const rows = await tx
    .select({ id: roomMembers.userId })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), sql`${roomMembers.userId} = any(${intArray(ids)})`));
  return pickMentions(candidates, writer, new Set(rows.map((r) => r.id)));
}

/** Who the candidates' ids are that `resolveMentions` must ask about: none means no query. */
function candidateIds(candidates: MentionCandidates, writer: Pick<Writer, "role">): number[] {
  const room = candidates.room && writer.role === "owner";
  return [...new Set([...candidates.byKey.values(), ...(room ? candidates.members : [])])];
}

/** The mentions, given which of the candidates are members of the room now (`current`). */
function pickMentions(
  candidates: MentionCandidates,
  writer: Pick<Writer, "id" | "role">,
  current: ReadonlySet<number>,
): ResolvedMentions {
  const room = candidates.room && writer.role === "owner";
  const userIds: number[] = [];
  for (const keys of candidates.names) {
    const id = keys.map((key) => candidates.byKey.get(key)).find((found) => found !== undefined && current.has(found));
    if (id !== undefined && !userIds.includes(id)) userIds.push(id);
  }
  // For @room, a member who joined after the candidates were read is not notified: their row is
  // not locked, and waiting for it now could deadlock (see mentionCandidates).
  const notified = (room ? candidates.members.filter((id) => current.has(id)) : userIds).filter(
    (id) => id !== writer.id,
  );
  return { userIds, room, notified };
}

/** Whether a text names anybody (a user or `@room`): `mentionCandidates` has something to look up. */
export function namesAnybody(text: string): boolean {
  const { names, room } = parseMentions(text);
  return room || names.length > 0;
}

/** A text to find mentions in, in its room (`mentionCandidatesOfBatch`). */
export interface MentionText {
  roomId: number;
  text: string;
}

/**
 * `mentionCandidates` for the texts of a batch of new messages, with the same locks and the same
 * order (users, before any room is locked): at most two queries for the whole batch (the named
 * users, and the members of the rooms whose texts say `@room`), none when no text names anybody.
 * One entry per text, null for a text that names nobody.
 */
export async function mentionCandidatesOfBatch(
  tx: Transaction,
  texts: readonly MentionText[],
): Promise<(MentionCandidates | null)[]> {
  const parsed = texts.map((t) => parseMentions(t.text));
  const keys = [...new Set(parsed.flatMap((p) => p.names.flat()))];
  const roomIds = [...new Set(texts.filter((_, i) => parsed[i]?.room).map((t) => t.roomId))];
  const byKey = new Map<string, number>();
  if (keys.length > 0) {
    const named = await tx
      .select({ id: users.id, key: users.usernameKey })
      .from(users)
      .where(and(inArray(users.usernameKey, keys), isNull(users.deletedAt)))
      .for("key share");
    for (const { id, key } of named) byKey.set(key, id);
  }
  const membersOf = new Map<number, number[]>();
  if (roomIds.length > 0) {
    const rows = await tx
      .select({ roomId: roomMembers.roomId, id: users.id })
      .from(roomMembers)
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(and(sql`${roomMembers.roomId} = any(${intArray(roomIds)})`, isNull(users.deletedAt)))
      .for("key share", { of: users });
    for (const { roomId, id } of rows) {
      const members = membersOf.get(roomId);
      if (members) members.push(id);
      else membersOf.set(roomId, [id]);
    }
  }
  return texts.map((t, i) => {
    const p = parsed[i];
    if (!p || (p.names.length === 0 && !p.room)) return null;
    return { names: p.names, byKey, room: p.room, members: p.room ? (membersOf.get(t.roomId) ?? []) : [] };
  });
}

/** A new message's mentions to decide (`resolveMentionsOfBatch`). */
export interface MentionsToResolve {
  roomId: number;
  writer: Pick<Writer, "id" | "role">;
  candidates: MentionCandidates | null;
}

/**
 * `resolveMentions` for a batch of new messages, after their rooms were locked: one query for the
 * whole batch (which of the candidates are members of which room now), none without candidates.
 * One entry per message.
 */
export async function resolveMentionsOfBatch(
  tx: Transaction,
  batch: readonly MentionsToResolve[],
): Promise<ResolvedMentions[]> {
  const asked = batch.map((m) => (m.candidates ? candidateIds(m.candidates, m.writer) : []));
  const roomIds = [...new Set(batch.filter((_, i) => asked[i]?.length).map((m) => m.roomId))];
  const userIds = [...new Set(asked.flat())];
  const current = new Set<string>();
  if (userIds.length > 0) {
    const rows = await tx
      .select({ roomId: roomMembers.roomId, userId: roomMembers.userId })
      .from(roomMembers)
      .where(
        and(
          sql`${roomMembers.roomId} = any(${intArray(roomIds)})`,
          sql`${roomMembers.userId} = any(${intArray(userIds)})`,
        ),
      );
    for (const { roomId, userId } of rows) current.add(`${roomId}:${userId}`);
  }
  return batch.map(({ roomId, writer, candidates }, i) => {
    if (!candidates) return NO_MENTIONS;
    const ids = asked[i] ?? [];
    const room = candidates.room && writer.role === "owner";
    if (ids.length === 0) return room ? { userIds: [], room, notified: [] } : NO_MENTIONS;
    return pickMentions(candidates, writer, new Set(ids.filter((id) => current.has(`${roomId}:${id}`))));
  });
}

/** The mentions as a message shows them. */
export const mentionsOut = (m: Pick<ResolvedMentions, "userIds" | "room">): MessageOut["mentions"] => ({
  userIds: m.userIds,
  room: m.room,
});

/**
 * Writes who a message notifies (one `mentions` row per member), replacing what it notified before
 * (an edit). `replace` false skips the delete for a new message.
 */
export async function writeMentions(
  tx: Transaction,
  message: { id: number; roomId: number; seq: number },
  notified: number[],
  replace: boolean,
): Promise<void> {
  if (replace) await tx.delete(mentions).where(eq(mentions.messageId, message.id));
  if (notified.length === 0) return;
  await tx.execute(
    sql`insert into ${mentions} (${sql.identifier(mentions.userId.name)}, ${sql.identifier(mentions.roomId.name)}, ${sql.identifier(mentions.seq.name)}, ${sql.identifier(mentions.messageId.name)})
        select unnest(${intArray(notified)}), ${message.roomId}, ${message.seq}, ${message.id}`,
  );
}

/**
 * `writeMentions` for a batch of new messages: one statement for all of them, none when they
 * notify nobody.
 */
export async function writeMentionsOfBatch(
  tx: Transaction,
  batch: readonly { message: { id: number; roomId: number; seq: number }; notified: number[] }[],
): Promise<void> {
  const rows = batch.flatMap(({ message, notified }) => notified.map((userId) => ({ userId, message })));
  if (rows.length === 0) return;
  await tx.execute(
    sql`insert into ${mentions} (${sql.identifier(mentions.userId.name)}, ${sql.identifier(mentions.roomId.name)}, ${sql.identifier(mentions.seq.name)}, ${sql.identifier(mentions.messageId.name)})
        select * from unnest(${intArray(rows.map((r) => r.userId))}, ${intArray(rows.map((r) => r.message.roomId))}, ${bigintArray(rows.map((r) => r.message.seq))}, ${bigintArray(rows.map((r) => r.message.id))})`,
  );
}
