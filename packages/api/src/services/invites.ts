import { schema } from "@parley/db";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type { InviteInput, Member } from "../schemas";
import { appendNotice } from "./messages";
import { publicUserOf, roomOutOf } from "./output";
import { startReadingAt } from "./read-state";
import { accessRoom, currentUser, lockedMembership } from "./room-access";
import { transact } from "./transact";
import { findUser } from "./users";

const { roomMembers, users } = schema;

const notTheOwner = () => new AppError("FORBIDDEN", "only the room's owner can invite people");

/**
 * The room's owner adds a user to it. Inviting a member again changes nothing. The caller is
 * checked to be the owner inside the write, on their locked membership (see `lockedMembership`):
 * an owner who has left, on any instance, invites nobody. FORBIDDEN otherwise.
 */
export async function invite(deps: Deps, actor: Actor, input: InviteInput): Promise<Member> {
  const { room, role } = await accessRoom(deps.db, actor.userId, input.roomId);
  if (room.kind === "direct") throw new AppError("BAD_INPUT", "nobody can be invited to a direct conversation");
  if (role !== "owner") throw notTheOwner();
  const found = await findUser(deps.db, input.user);
  if (found.deletedAt) throw new AppError("BAD_INPUT", "that account was deleted: it cannot be invited");
  return transact(deps, async (tx, emit) => {
    if ((await lockedMembership(tx, actor.userId, room.id))?.role !== "owner") throw notTheOwner();
    const invitee = { ...found, ...(await currentUser(tx, found.id)) }; // named as they are called now
    const [added] = await tx
      .insert(roomMembers)
      .values({ roomId: room.id, userId: invitee.id, role: "member" })
      .onConflictDoNothing()
      .returning();
    if (added) {
      const notice = {
        event: "invited",
        userId: invitee.id,
        username: invitee.username,
        byUserId: actor.userId,
      } as const;
      const message = await appendNotice(tx, emit, room.id, notice);
      await startReadingAt(tx, room.id, invitee.id, message.seq); // the history before is not news to a newcomer
      const member = { user: publicUserOf(invitee), role: added.role, joinedAt: added.joinedAt.toISOString() };
      emit({ type: "room.member", roomId: room.id, change: "invited", member });
      emit({
        type: "user.room",
        userId: invitee.id,
        change: "invited",
        room: { ...roomOutOf(room), lastSeq: message.seq },
      });
      return member;
    }
    const [existing] = await tx
      .select()
      .from(roomMembers)
      .where(and(eq(roomMembers.roomId, room.id), eq(roomMembers.userId, invitee.id)));
    if (!existing) throw new Error("membership vanished inside its transaction");
    return { user: publicUserOf(invitee), role: existing.role, joinedAt: existing.joinedAt.toISOString() };
  });
}

/**
 * Who is in a room the caller may see. A deleted account (a deleted bot keeps its memberships) is
 * left out, but in a direct conversation, whose other side it stays, shown as a deleted user.
 */
export async function listMembers(deps: Deps, actor: Actor, roomId: number): Promise<Member[]> {
  const { room } = await accessRoom(deps.db, actor.userId, roomId);
  const rows = await deps.db
    .select({ member: roomMembers, user: users })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), room.kind === "direct" ? undefined : isNull(users.deletedAt)))
    .orderBy(asc(roomMembers.joinedAt), asc(roomMembers.userId));
  return rows.map(({ member, user }) => ({
    user: publicUserOf(user),
    role: member.role,
    joinedAt: member.joinedAt.toISOString(),
  }));
}
