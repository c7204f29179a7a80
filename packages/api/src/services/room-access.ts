import { type Database, type Room, schema, type Transaction } from "@parley/db";
import { and, eq } from "drizzle-orm";
import type { Deps } from "../deps";
import { AppError, notFound } from "../errors";

const { rooms, roomMembers, users } = schema;

export interface RoomAccess {
  room: Room;
  /** The caller's role, or null when the caller is not a member. */
  role: "owner" | "member" | null;
}

/**
 * The one rule of who may know about a room: anybody may see a public room; only its members
 * may see a private room or a direct conversation. Everybody else is told it does not exist.
 */
export async function accessRoom(db: Database, userId: number | null, roomId: number): Promise<RoomAccess> {
  const [row] = await db
    .select({ room: rooms, role: roomMembers.role })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, userId ?? 0)))
    .where(eq(rooms.id, roomId))
    .limit(1);
  if (!row || (row.room.isPrivate && !row.role)) throw notFound("room");
  return { room: row.room, role: row.role };
}

/**
 * `requireMember` for the hot paths (sending, following, typing, reading history), which need only
 * the room and the fact of membership: remembered by the process's access cache, which every
 * process clears when the member leaves. Not for decisions on the member's role.
 */
export async function requireMemberCached(deps: Pick<Deps, "db" | "access">, userId: number, roomId: number) {
  const known = deps.access.memberOf(userId, roomId);
  if (known) return { room: known };
  const { room } = await requireMember(deps.db, userId, roomId);
  deps.access.rememberMember(userId, room);
  return { room };
}

/** The room, if the caller is one of its members. */
export async function requireMember(db: Database, userId: number, roomId: number): Promise<RoomAccess> {
  const access = await accessRoom(db, userId, roomId);
  if (!access.role) throw notAMember();
  return access;
}

export const notAMember = () => new AppError("FORBIDDEN", "you are not a member of this room: join it first");

/**
 * Inside a write's transaction: the user's current name, with their row locked FOR KEY SHARE
 * until the transaction ends, so that a rename (which locks the row FOR UPDATE) either waits for
 * this write or has committed before it. What a write stores or announces about its author comes
 * from here, never from an `Actor` read when a connection opened. NOT_FOUND if the user is gone.
 */
export async function currentUser(tx: Transaction, userId: number) {
  const [user] = await tx
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      isBot: users.isBot,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(eq(users.id, userId))
    .for("key share");
  if (!user) throw notFound("user");
  return user;
}

/**
 * Inside a write's transaction: the user's membership of the room and their current name, both
 * rows locked FOR KEY SHARE until the transaction ends, or undefined when they are not a member.
 * A leave deletes the membership, so it either waits for this write or has committed before it
 * (and the write is refused): an authorization no cache and no earlier read can outdate.
 */
export async function lockedMembership(tx: Transaction, userId: number, roomId: number) {
  const [row] = await membershipQuery(tx, userId, roomId).for("key share");
  return row;
}

/**
 * The user's membership of the room and their current name, as the database has them now (no
 * cache), or undefined when they are not a member. For what is announced and not stored (typing);
 * a write uses `lockedMembership` inside its transaction.
 */
export async function currentMembership(db: Database, userId: number, roomId: number) {
  const [row] = await membershipQuery(db, userId, roomId);
  return row;
}

const membershipQuery = (db: Database | Transaction, userId: number, roomId: number) =>
  db
    .select({ role: roomMembers.role, username: users.username, displayName: users.displayName })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .$dynamic();

/** The rooms (and direct conversations) the user is a member of, by id. */
export async function memberRoomIds(db: Database | Transaction, userId: number): Promise<number[]> {
  const rows = await db.select({ roomId: roomMembers.roomId }).from(roomMembers).where(eq(roomMembers.userId, userId));
  return rows.map((r) => r.roomId);
}
