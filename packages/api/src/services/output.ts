import type { Message, Room, StoredFile, schema, User } from "@parley/db";
import { AppError } from "../errors";
import {
  CURSOR_WORDS,
  cursorKey,
  encodeCursor,
  type FileOut,
  type MessageOut,
  type Page,
  type Profile,
  type PublicUser,
  type ReactionOut,
  type RoomOut,
} from "../schemas";

/** Turns rows into the public shapes of `schemas/`: what leaves the server and nothing more. */

export const publicUserOf = (
  u: Pick<User, "id" | "username" | "displayName" | "isBot" | "createdAt"> & { deletedAt?: Date | null },
): PublicUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  isBot: u.isBot,
  createdAt: u.createdAt.toISOString(),
  ...(u.deletedAt ? { deleted: true } : {}),
});

export const profileOf = (u: User): Profile => ({
  ...publicUserOf(u),
  email: u.email,
  updatedAt: u.updatedAt.toISOString(),
});

export const roomOutOf = (r: Room): RoomOut => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  isPrivate: r.isPrivate,
  ownerId: r.ownerId,
  topic: r.topic,
  lastSeq: r.lastSeq,
  createdAt: r.createdAt.toISOString(),
});

/**
 * A file as it leaves the server (see `FileOut`): its links are the stable, checked paths
 * `/files/<id>` and `/files/<id>/thumbnail`, never a storage key.
 */
export const fileOutOf = (
  f: Pick<
    StoredFile,
    "id" | "roomId" | "name" | "size" | "contentType" | "width" | "height" | "thumbnailKey" | "createdAt"
  >,
): FileOut => ({
  id: f.id,
  roomId: f.roomId,
  name: f.name,
  size: Number(f.size),
  contentType: f.contentType,
  kind: f.thumbnailKey !== null && isInlineImage(f.contentType) ? "image" : "file",
  width: f.width,
  height: f.height,
  url: `/files/${f.id}`,
  thumbnailUrl: f.thumbnailKey !== null ? `/files/${f.id}/thumbnail` : null,
  createdAt: new Date(f.createdAt).toISOString(),
});

/** Raster images a browser shows in the page (never SVG or HTML). */
export const isInlineImage = (contentType: string) =>
  ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"].includes(contentType);

/** `deletedAt` set: an administrator deleted the account (the message shows "deleted user"). */
export type MessageAuthor = Pick<User, "id" | "username" | "displayName" | "isBot"> & { deletedAt?: Date | null };

/**
 * A message's sender override as it leaves the server: `username`, then `iconUrl`, each only when
 * set (PostgreSQL's jsonb keeps keys in an order of its own); null when there is none.
 */
export function senderOverrideOut(value: schema.SenderOverride | null | undefined): MessageOut["senderOverride"] {
  if (!value || (!value.username && !value.iconUrl)) return null;
  return {
    ...(value.username ? { username: value.username } : {}),
    ...(value.iconUrl ? { iconUrl: value.iconUrl } : {}),
  };
}

/**
 * A message row as it leaves the server, with its reactions (read separately, in one query for a
 * whole page: see `reactionsOf`). A tombstone's row already holds no text.
 */
export const messageOutOf = (
  m: Message,
  author: MessageAuthor | null,
  reactions: ReactionOut[] = [],
  files: FileOut[] = [],
): MessageOut => ({
  id: m.id,
  roomId: m.roomId,
  seq: m.seq,
  kind: m.kind,
  author: author && {
    id: author.id,
    username: author.username,
    displayName: author.displayName,
    isBot: author.isBot,
    ...(author.deletedAt ? { deleted: true } : {}),
  },
  senderOverride: senderOverrideOut(m.senderOverride),
  body: m.body,
  notice: m.notice,
  clientId: m.clientId,
  createdAt: m.createdAt.toISOString(),
  parentId: m.parentId,
  editedAt: m.editedAt?.toISOString() ?? null,
  deletedAt: m.deletedAt?.toISOString() ?? null,
  pinnedAt: m.pinnedAt?.toISOString() ?? null,
  reactions,
  mentions: { userIds: m.mentionIds, room: m.mentionsRoom },
  thread:
    m.parentId === null && m.replyCount > 0
      ? {
          replyCount: m.replyCount,
          lastReplyAt: m.lastReplyAt?.toISOString() ?? null,
          participantIds: m.threadParticipantIds,
        }
      : null,
  // A tombstone's files were deleted with it.
  files: m.deletedAt ? [] : files,
});

/** A list cursor's key (see `encodeCursor`); one this server did not give out is bad input. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const key = cursorKey(cursor);
  if (key === undefined) throw new AppError("BAD_INPUT", CURSOR_WORDS);
  return key;
}

/**
 * Turns `limit + 1` rows read in key order into a page: the extra row only says there is more,
 * and the cursor is the key of the last row shown.
 */
export function keysetPage<Row, T>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => string,
  show: (row: Row) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(show),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** Escapes LIKE wildcards so that a search for "50%" finds "50%" and not everything. */
export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Reads a keyset-paged list page after page, from `from` (its start by default), until it ends or
 * holds `max` items: one page of at most `max`, whose `nextCursor` (null at the end) resumes it.
 */
export async function collectPages<T>(
  readPage: (cursor: string | undefined, limit: number) => Promise<Page<T>>,
  max: number,
  from?: string,
): Promise<Page<T>> {
  const items: T[] = [];
  let cursor = from;
  do {
    const page = await readPage(cursor, Math.min(COLLECT_PAGE, max - items.length));
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < max);
  return { items, nextCursor: cursor ?? null };
}

/** The page size `collectPages` reads with. */
const COLLECT_PAGE = 100;
