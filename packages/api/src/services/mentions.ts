import { foldName, schema, type Transaction } from "@parley/db";
import { and, eq, inArray, ne } from "drizzle-orm";
import type { MessageOut } from "../schemas";
import type { Writer } from "./message-log";

/**
 * Mentions in a message's text, parsed on the server when the text is sent or edited.
 *
 * - `@username` mentions a user by any spelling of their name that `foldName` makes the same (the
 *   username characters of schemas/users.ts: letters, digits, '_', '.', '-'; a trailing '.' or '-'
 *   is read as punctuation unless it belongs to the name). Only current members of the room are
 *   mentioned: anybody else's name stays plain text, so a mention reveals nothing to a stranger.
 * - `@room` mentions every member, and only when its writer is the room's owner; never in a direct
 *   conversation (which has no owner). From anybody else it is plain text. `@room` always means the
 *   room, never a user named "room".
 *
 * The author may mention themself (shown), but is never notified.
 */

const { mentions, roomMembers, users } = schema;

/** `@` then a name, not inside a word or an e-mail address ("bob@example.com" mentions nobody). */
const MENTION = /(?<![\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]{2,32})(?![\p{L}\p{N}_.-])/gu;
const ROOM_KEY = "room";

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
 * Resolves the mentions of a text against the room's current members, inside the writing
 * transaction (after `nextSeq` locked the room, so joins and leaves wait for it). No query at all
 * when the text holds no "@"; one for `@username`, one more for `@room`.
 */
export async function resolveMentions(
  tx: Transaction,
  roomId: number,
  writer: Pick<Writer, "id" | "role">,
  text: string,
): Promise<ResolvedMentions> {
  const parsed = parseMentions(text);
  const room = parsed.room && writer.role === "owner";
  if (parsed.names.length === 0 && !room) return NO_MENTIONS;
  const userIds: number[] = [];
  if (parsed.names.length > 0) {
    const rows = await tx
      .select({ id: users.id, key: users.usernameKey })
      .from(roomMembers)
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(and(eq(roomMembers.roomId, roomId), inArray(users.usernameKey, [...new Set(parsed.names.flat())])));
    const byKey = new Map(rows.map((r) => [r.key, r.id]));
    for (const candidates of parsed.names) {
      const id = candidates.map((key) => byKey.get(key)).find((found) => found !== undefined);
      if (id !== undefined && !userIds.includes(id)) userIds.push(id);
    }
  }
  let notified = userIds.filter((id) => id !== writer.id);
  if (room) {
    const everyone = await tx
      .select({ id: roomMembers.userId })
      .from(roomMembers)
      .where(and(eq(roomMembers.roomId, roomId), ne(roomMembers.userId, writer.id)));
    notified = everyone.map((r) => r.id);
  }
  return { userIds, room, notified };
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
  await tx
    .insert(mentions)
    .values(notified.map((userId) => ({ userId, roomId: message.roomId, seq: message.seq, messageId: message.id })));
}

/** Removes every notification of a message (its deletion). */
export async function clearMentions(tx: Transaction, messageId: number): Promise<void> {
  await tx.delete(mentions).where(eq(mentions.messageId, messageId));
}
