import { type Database, foldName, type Room, schema, storedName, type Transaction } from "@parley/db";
import { and, asc, count, eq, gt, inArray, isNull, like } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError, isUniqueViolation } from "../errors";
import type { CreateRoomInput, MyRoom, Page, PublicRoom, RoomOut, SearchPageInput } from "../schemas";
import { appendNotice } from "./messages";
import { collectPages, decodeCursor, keysetPage, likePattern, publicUserOf, roomOutOf } from "./output";
import { mentionsOf, startReadingAt, unreadOf } from "./read-state";
import { accessRoom, currentUser, notAMember, requireMember } from "./room-access";
import { type Emit, transact } from "./transact";

const { rooms, roomMembers, users } = schema;

/**
 * Parley's own rooms, by their `rooms.builtin` key, with the name each is created with. Only
 * `ensureBuiltinRoom` makes them; their names (by `foldName`) are reserved, so that no room a user
 * creates looks like one of them.
 */
export const BUILTIN_ROOMS = { lobby: "lobby" } as const;
export type BuiltinRoom = keyof typeof BUILTIN_ROOMS;
const BUILTIN_NAME_KEYS = new Set(Object.values(BUILTIN_ROOMS).map(foldName));

/**
 * Creates a room; its creator owns it and is its first member. Throws CONFLICT for a name that
 * another room has (by `foldName`) or that is one of Parley's own rooms' (the lobby's).
 */
export async function createRoom(deps: Deps, actor: Actor, input: CreateRoomInput): Promise<RoomOut> {
  const { isPrivate } = input;
  const nameKey = roomNameKey(input.name);
  return transact(deps, async (tx, emit) => {
    const [room] = await tx
      .insert(rooms)
      .values({ kind: "room", name: storedName(input.name), nameKey, isPrivate, ownerId: actor.userId })
      .returning()
      .catch(nameTaken(input.name));
    if (!room) throw new Error("insert returned no row");
    await tx
      .insert(roomMembers)
      .values({ roomId: room.id, userId: actor.userId, role: "owner", lastReadSeq: room.lastSeq });
    const out = roomOutOf(room);
    emit({ type: "user.room", userId: actor.userId, change: "created", room: out });
    if (!isPrivate) emit({ type: "directory.room", room: out });
    return out;
  });
}

/**
 * The key a room `name` is stored and compared under (`foldName`). CONFLICT for a name of one of
 * Parley's own rooms (the lobby's): no room a user names may look like one of them.
 */
export function roomNameKey(name: string): string {
  const nameKey = foldName(name);
  if (BUILTIN_NAME_KEYS.has(nameKey)) throw new AppError("CONFLICT", `the room name "${name}" is Parley's own`);
  return nameKey;
}

/** For a write's `.catch`: CONFLICT when another room already has the name (by `foldName`), else rethrows. */
export const nameTaken =
  (name: string) =>
  (error: unknown): never => {
    if (isUniqueViolation(error, "rooms_name_key_key")) {
      throw new AppError("CONFLICT", `a room named "${name}" already exists`);
    }
    throw error;
  };

/**
 * Joins a public room (a private one only when already invited, which makes the caller a member).
 * Joining twice changes nothing. A room whose members have all left goes to the first who joins.
 * The notice names the caller as they are called when it is written.
 */
export async function joinRoom(deps: Deps, actor: Actor, roomId: number): Promise<RoomOut> {
  const { room, role } = await accessRoom(deps.db, actor.userId, roomId);
  if (role) return roomOutOf(room); // already in: a member may "join" its own direct conversation too
  if (room.kind === "direct") throw new AppError("BAD_INPUT", "a direct conversation cannot be joined");
  return transact(deps, async (tx, emit) => {
    const me = await currentUser(tx, actor.userId);
    const [joined] = await tx
      .insert(roomMembers)
      .values({ roomId, userId: actor.userId, role: "member" })
      .onConflictDoNothing()
      .returning();
    let owned: { id: number } | undefined;
    if (joined) {
      // Locks the room row; a concurrent last leave (which sets no owner under the same lock) is
      // either seen here or sees this member as its heir, so the room never ends up ownerless.
      [owned] = await tx
        .update(rooms)
        .set({ ownerId: actor.userId })
        .where(and(eq(rooms.id, roomId), isNull(rooms.ownerId)))
        .returning({ id: rooms.id });
      if (owned) {
        await tx
          .update(roomMembers)
          .set({ role: "owner" })
          .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, actor.userId)));
      }
      const notice = { event: "joined", userId: actor.userId, username: me.username } as const;
      const { seq } = await appendNotice(tx, emit, roomId, notice);
      await startReadingAt(tx, roomId, actor.userId, seq); // the history before is not news to a newcomer
    }
    const out = roomOutOf(await currentRoom(tx, roomId));
    if (joined) {
      const role = owned ? "owner" : joined.role;
      const member = { user: publicUserOf(me), role, joinedAt: joined.joinedAt.toISOString() };
      emit({ type: "room.member", roomId, change: "joined", member });
      emit({ type: "user.room", userId: actor.userId, change: "joined", room: out });
    }
    return out;
  });
}

/**
 * Leaves a room. An owner who leaves hands the room to the person who has been there longest (a bot
 * only when no person is left).
 * The notice names the caller as they are called when it is written. FORBIDDEN if the caller is
 * not a member (any more, on any instance).
 */
export async function leaveRoom(deps: Deps, actor: Actor, roomId: number): Promise<void> {
  const { room } = await requireMember(deps.db, actor.userId, roomId);
  if (room.kind === "direct") throw new AppError("BAD_INPUT", "a direct conversation cannot be left");
  await transact(deps, async (tx, emit) => {
    const me = await currentUser(tx, actor.userId);
    if (!(await leaveInside(tx, emit, roomId, me))) throw notAMember(); // a concurrent leave got there first
  });
  deps.access.forgetMember(actor.userId, roomId);
}

/**
 * Inside a write's transaction: `member` leaves the room (a notice naming them as given; an owner
 * hands the room to the member who has been there longest) and the events that say so are
 * emitted. False, and nothing written, when they were not a member. The caller forgets the
 * membership in its process's access cache after commit.
 */
export async function leaveInside(
  tx: Transaction,
  emit: Emit,
  roomId: number,
  member: { id: number; username: string },
): Promise<boolean> {
  const [left] = await tx
    .delete(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, member.id)))
    .returning();
  if (!left) return false;
  // The notice locks the room row first: the heir is then chosen among the members as they are
  // once every earlier join has committed (see joinRoom).
  await appendNotice(tx, emit, roomId, { event: "left", userId: member.id, username: member.username });
  let heirId: number | null = null;
  if (left.role === "owner") {
    // A person before any bot (a webhook's bot joined when its hook was made, and may be the oldest
    // member; it cannot manage the room), then whoever has been there longest.
    const [heir] = await tx
      .select({ userId: roomMembers.userId })
      .from(roomMembers)
      .innerJoin(users, eq(users.id, roomMembers.userId))
      .where(eq(roomMembers.roomId, roomId))
      .orderBy(asc(users.isBot), asc(roomMembers.joinedAt), asc(roomMembers.userId))
      .limit(1);
    if (heir) {
      heirId = heir.userId;
      await tx
        .update(roomMembers)
        .set({ role: "owner" })
        .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, heir.userId)));
    }
    await tx
      .update(rooms)
      .set({ ownerId: heir?.userId ?? null })
      .where(eq(rooms.id, roomId));
  }
  emit({ type: "room.member", roomId, change: "left", userId: member.id, heirId });
  emit({ type: "access.membership-ended", userId: member.id, roomId });
  emit({ type: "user.room", userId: member.id, change: "left", room: roomOutOf(await currentRoom(tx, roomId)) });
  return true;
}

export async function currentRoom(tx: Pick<Deps["db"], "select">, roomId: number): Promise<Room> {
  const [room] = await tx.select().from(rooms).where(eq(rooms.id, roomId));
  if (!room) throw new Error(`room ${roomId} vanished inside its transaction`);
  return room;
}

/** A room the caller may know about (`actor` null: anybody, who sees public rooms only). */
export async function getRoom(deps: Deps, actor: Actor | null, roomId: number): Promise<RoomOut> {
  const { room } = await accessRoom(deps.db, actor?.userId ?? null, roomId);
  return roomOutOf(room);
}

/** The rooms (not direct conversations) the caller belongs to, oldest first, with how far each is read. */
export async function listMyRooms(deps: Deps, actor: Actor): Promise<MyRoom[]> {
  const rows = await myRoomsQuery(deps.db, actor.userId);
  return rows.map((r) => ({
    ...roomOutOf(r.room),
    unread: r.unread,
    lastReadSeq: r.lastReadSeq,
    mentions: r.mentions,
    muted: r.muted,
  }));
}

/** The query behind `listMyRooms`: one statement, each room's unread and mention counts in LATERAL joins. */
export function myRoomsQuery(db: Database, userId: number) {
  const unread = unreadOf(db, roomMembers, userId);
  const mentioned = mentionsOf(db, roomMembers, userId);
  return db
    .select({
      room: rooms,
      lastReadSeq: roomMembers.lastReadSeq,
      muted: roomMembers.muted,
      unread: unread.count,
      mentions: mentioned.count,
    })
    .from(roomMembers)
    .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
    .crossJoinLateral(unread)
    .crossJoinLateral(mentioned)
    .where(and(eq(roomMembers.userId, userId), eq(rooms.kind, "room")))
    .orderBy(asc(rooms.id));
}

/**
 * The rooms the caller may see: every one of the caller's own rooms (on the first page, whatever
 * `max`), and public rooms by name, at most `max` per page; `nextCursor` (null at the end) reads
 * the next public rooms, leaving out the caller's own, which the first page had.
 * @throws AppError BAD_INPUT for a cursor this server did not give out.
 */
export async function listVisibleRooms(deps: Deps, actor: Actor, max: number, cursor?: string): Promise<Page<RoomOut>> {
  const mine = await listMyRooms(deps, actor);
  const mineIds = new Set(mine.map((room) => room.id));
  const publicRooms = await collectPages(
    (after, limit) => listPublicRooms(deps, { limit, cursor: after }),
    max,
    cursor,
  );
  const visible = new Map<number, RoomOut>();
  if (cursor === undefined) for (const room of mine) visible.set(room.id, room);
  for (const room of publicRooms.items) if (cursor === undefined || !mineIds.has(room.id)) visible.set(room.id, room);
  return { items: [...visible.values()].sort((a, b) => a.id - b.id), nextCursor: publicRooms.nextCursor };
}

/** Public rooms by name, optionally filtered by a piece of it. */
export async function listPublicRooms(deps: Deps, input: SearchPageInput): Promise<Page<RoomOut>> {
  const after = decodeCursor(input.cursor);
  const byName = rooms.nameKey;
  const rows = await deps.db
    .select({ room: rooms, key: byName })
    .from(rooms)
    .where(
      and(
        eq(rooms.kind, "room"),
        eq(rooms.isPrivate, false),
        after !== undefined ? gt(byName, after) : undefined,
        input.search ? like(rooms.nameKey, likePattern(foldName(input.search))) : undefined,
      ),
    )
    .orderBy(asc(byName))
    .limit(input.limit + 1);
  return keysetPage(
    rows,
    input.limit,
    (r) => r.key ?? "",
    (r) => roomOutOf(r.room),
  );
}

/**
 * `listPublicRooms` with each room's member count (one more query for the whole page), for the
 * browse page. The count is of members now, not of messages: a room's `lastSeq` also counts edits,
 * reactions and deletions, so it is no message count.
 */
export async function browsePublicRooms(deps: Deps, input: SearchPageInput): Promise<Page<PublicRoom>> {
  const page = await listPublicRooms(deps, input);
  const byRoom = await memberCounts(
    deps,
    page.items.map((room) => room.id),
  );
  return { ...page, items: page.items.map((room) => ({ ...room, memberCount: byRoom.get(room.id) ?? 0 })) };
}

/** How many members each of these rooms has, in one query (a room with none is absent). */
export async function memberCounts(deps: Pick<Deps, "db">, roomIds: number[]): Promise<Map<number, number>> {
  if (roomIds.length === 0) return new Map();
  const counts = await deps.db
    .select({ roomId: roomMembers.roomId, members: count() })
    .from(roomMembers)
    .where(inArray(roomMembers.roomId, roomIds))
    .groupBy(roomMembers.roomId);
  return new Map(counts.map((row) => [row.roomId, row.members]));
}

/**
 * One of Parley's own public rooms, found by its `builtin` key (which no user can set), created
 * (public, with no owner) if it does not exist yet. A user's room of the same name, made before its
 * name was reserved, stays that user's and is never taken for it.
 */
export async function ensureBuiltinRoom(deps: Deps, builtin: BuiltinRoom): Promise<RoomOut> {
  const name = BUILTIN_ROOMS[builtin];
  await deps.db
    .insert(rooms)
    .values({ kind: "room", name, nameKey: foldName(name), builtin, isPrivate: false, ownerId: null })
    .onConflictDoNothing({ target: rooms.builtin });
  const [room] = await deps.db.select().from(rooms).where(eq(rooms.builtin, builtin));
  if (!room) throw new Error(`the built-in room ${builtin} vanished`);
  return roomOutOf(room);
}
