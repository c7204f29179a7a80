import { foldName, schema, storedName } from "@parley/db";
import { eq, sql } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { notFound } from "../errors";
import type { Profile, PublicUser } from "../schemas";
import { assertUsernameAllowed, me, userConflict } from "./auth";
import { appendNotice } from "./messages";
import { profileOf, publicUserOf } from "./output";
import { transact } from "./transact";

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
    const memberships = await tx
      .select({ roomId: roomMembers.roomId })
      .from(roomMembers)
      .where(eq(roomMembers.userId, actor.userId))
      .orderBy(roomMembers.roomId);
    for (const { roomId } of memberships) {
      await appendNotice(tx, emit, roomId, { event: "renamed", userId: after.id, from: before.username, to: username });
    }
    emit({ type: "user.profile", userId: after.id, user: publicUserOf(after) });
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
    emit({ type: "user.profile", userId: user.id, user: publicUserOf(user) });
    emit({ type: "access.user-changed", userId: user.id });
    return profileOf(user);
  }).finally(() => deps.access.forgetUser(actor.userId));
}
