import { foldName, schema, storedName, type Transaction } from "@parley/db";
import { eq, sql } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { notFound } from "../errors";
import type { Profile, PublicUser } from "../schemas";
import { assertUsernameAllowed, me, userConflict } from "./auth";
import { appendNotice } from "./messages";
import { profileOf, publicUserOf } from "./output";
import { type Emit, transact } from "./transact";

const { users, roomMembers } = schema;

export const getOwnProfile = me;

/** Anybody's public profile: never the e-mail address. */
export async function getPublicProfile(deps: Deps, userId: number): Promise<PublicUser> {
  const [user] = await deps.db.select().from(users).where(eq(users.id, userId));
  if (!user) throw notFound("user");
  return publicUserOf(user);
}

/** Changes the caller's username and tells every room they are in. */
export async function rename(deps: Deps, actor: Actor, typed: string): Promise<Profile> {
  assertUsernameAllowed(deps, typed);
  const username = storedName(typed);
  return transact(deps, async (tx, emit) => {
    const [before] = await tx.select().from(users).where(eq(users.id, actor.userId)).for("update");
    if (!before) throw notFound("user");
    if (before.username === username) return profileOf(before);
    const [after] = await tx
      .update(users)
      .set({ username, usernameKey: foldName(username), updatedAt: sql`now()` })
      .where(eq(users.id, actor.userId))
      .returning()
      .catch((error) => {
        throw userConflict(error);
      });
    if (!after) throw notFound("user");
    const memberships = await roomsOf(tx, actor.userId);
    for (const { roomId } of memberships) {
      await appendNotice(tx, emit, roomId, { event: "renamed", userId: after.id, from: before.username, to: username });
    }
    emitProfile(emit, publicUserOf(after), memberships);
    emit({ type: "access.user-changed", userId: after.id });
    return profileOf(after);
  }).finally(() => deps.access.forgetUser(actor.userId));
}

export async function updateProfile(deps: Deps, actor: Actor, displayName: string | null): Promise<Profile> {
  return transact(deps, async (tx, emit) => {
    const [user] = await tx
      .update(users)
      .set({ displayName, updatedAt: sql`now()` })
      .where(eq(users.id, actor.userId))
      .returning();
    if (!user) throw notFound("user");
    emitProfile(emit, publicUserOf(user), await roomsOf(tx, user.id));
    emit({ type: "access.user-changed", userId: user.id });
    return profileOf(user);
  }).finally(() => deps.access.forgetUser(actor.userId));
}

/** The rooms and direct conversations the user is a member of, by id. */
const roomsOf = (tx: Transaction, userId: number) =>
  tx
    .select({ roomId: roomMembers.roomId })
    .from(roomMembers)
    .where(eq(roomMembers.userId, userId))
    .orderBy(roomMembers.roomId);

/**
 * Tells the user's other tabs of their profile (`user.profile`), and everyone who can see them of
 * it: one `room.member` on each room they are in, where every member's own stream hears it. That
 * is one event per room however many members it has, and each member's stream passes one copy on.
 */
function emitProfile(emit: Emit, user: PublicUser, memberships: { roomId: number }[]) {
  emit({ type: "user.profile", userId: user.id, user });
  for (const { roomId } of memberships) emit({ type: "room.member", roomId, change: "updated", user });
}
