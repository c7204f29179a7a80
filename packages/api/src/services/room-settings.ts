import { schema, storedName } from "@parley/db";
import { and, eq, ne } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type { MuteRoomInput, MuteState, RemoveMemberInput, RoomUpdate, UpdateRoomInput } from "../schemas";
import { appendNotice } from "./messages";
import { roomOutOf } from "./output";
import { accessRoom, currentUser, lockedMembership, notAMember, requireMember } from "./room-access";
import { currentRoom, nameTaken, roomNameKey } from "./rooms";
import { transact } from "./transact";

/** What a room's owner runs (its name, topic and members), and what each member sets for themselves (mute). */

const { rooms, roomMembers } = schema;

const onlyTheOwner = (what: string) => new AppError("FORBIDDEN", `only the room's owner can ${what}`);

/**
 * The caller's room, checked before the write: a room (not a direct conversation) the caller owns.
 * NOT_FOUND for a private room of others; BAD_INPUT for a direct conversation; FORBIDDEN otherwise.
 */
async function ownedRoom(deps: Deps, actor: Actor, roomId: number, what: string) {
  const { room, role } = await accessRoom(deps.db, actor.userId, roomId);
  if (room.kind === "direct") throw new AppError("BAD_INPUT", `a direct conversation has no owner: nobody can ${what}`);
  if (role !== "owner") throw onlyTheOwner(what);
  return room;
}

/**
 * The owner renames the room and/or sets its topic (null clears it). The name follows `createRoom`'s
 * rules (CONFLICT when another room, or one of Parley's own, has it). Ownership is checked again
 * inside the write on the owner's locked membership, and the room row is locked, so two concurrent
 * updates each see the other's result. Each change writes a notice (naming the owner as they are
 * called then) and publishes `room.updated` (and `directory.room` for a public room renamed) after
 * commit. Values equal to the current ones change nothing: `changed` is empty and no notice is written.
 * @throws AppError FORBIDDEN (not the owner, or a new name for one of Parley's own rooms), BAD_INPUT
 *   (direct conversation), NOT_FOUND, CONFLICT.
 */
export async function updateRoom(deps: Deps, actor: Actor, input: UpdateRoomInput): Promise<RoomUpdate> {
  const what = "change its name or topic";
  await ownedRoom(deps, actor, input.roomId, what);
  return transact(deps, async (tx, emit) => {
    if ((await lockedMembership(tx, actor.userId, input.roomId))?.role !== "owner") throw onlyTheOwner(what);
    const [room] = await tx.select().from(rooms).where(eq(rooms.id, input.roomId)).for("update");
    if (!room) throw new Error(`room ${input.roomId} vanished inside its transaction`);
    const name = input.name === undefined ? room.name : storedName(input.name);
    const topic = input.topic === undefined ? room.topic : input.topic;
    const changed: RoomUpdate["changed"] = [];
    if (name !== room.name) changed.push("name");
    if (topic !== room.topic) changed.push("topic");
    if (changed.length === 0) return { room: roomOutOf(room), changed };
    // The name's rules apply to a new name only: a room keeps the name it has, even one made before
    // a rule (such as "Lobby", now Parley's own); and Parley's own rooms (the lobby) keep theirs,
    // since the unique index on names leaves them out.
    let nameKey = room.nameKey;
    if (changed.includes("name")) {
      if (room.builtin !== null) throw new AppError("FORBIDDEN", "Parley's own rooms keep their names");
      nameKey = roomNameKey(input.name ?? "");
    }

    await tx
      .update(rooms)
      .set({ name, nameKey, topic })
      .where(eq(rooms.id, room.id))
      .catch(nameTaken(input.name ?? ""));
    const me = await currentUser(tx, actor.userId);
    if (changed.includes("name") && room.name !== null && name !== null) {
      const notice = {
        event: "room-renamed",
        byUserId: me.id,
        username: me.username,
        from: room.name,
        to: name,
      } as const;
      await appendNotice(tx, emit, room.id, notice);
    }
    if (changed.includes("topic")) {
      await appendNotice(tx, emit, room.id, { event: "topic-changed", byUserId: me.id, username: me.username, topic });
    }
    const out = roomOutOf(await currentRoom(tx, room.id));
    emit({ type: "room.updated", roomId: room.id, room: out });
    if (!out.isPrivate && changed.includes("name")) emit({ type: "directory.room", room: out });
    return { room: out, changed };
  });
}

/**
 * The owner removes a member (never themselves: they leave instead). Ownership is checked again
 * inside the write. Writes a notice naming the removed member as they are called then, and
 * publishes after commit: `room.member` "removed" (members' lists), `user.room` "removed" (the removed
 * person's sidebar; their open room streams end with an error in words, on every instance) and
 * `access.membership-ended` (every process's cache). Removing somebody who is not a member (any
 * more) changes nothing: `removed` is false.
 * @throws AppError FORBIDDEN (not the owner), BAD_INPUT (themselves, or a direct conversation),
 *   NOT_FOUND (no such room or user).
 */
export async function removeMember(deps: Deps, actor: Actor, input: RemoveMemberInput): Promise<{ removed: boolean }> {
  const what = "remove members";
  const { roomId, userId } = input;
  await ownedRoom(deps, actor, roomId, what);
  if (userId === actor.userId) throw new AppError("BAD_INPUT", "you cannot remove yourself: leave the room instead");
  const removed = await transact(deps, async (tx, emit) => {
    if ((await lockedMembership(tx, actor.userId, roomId))?.role !== "owner") throw onlyTheOwner(what);
    const member = await currentUser(tx, userId); // NOT_FOUND for nobody; named as they are called now
    const [gone] = await tx
      .delete(roomMembers)
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
      .returning();
    if (!gone) return false;
    await appendNotice(tx, emit, roomId, {
      event: "removed",
      userId,
      username: member.username,
      byUserId: actor.userId,
    });
    emit({ type: "room.member", roomId, change: "removed", userId, byUserId: actor.userId });
    emit({ type: "access.membership-ended", userId, roomId });
    emit({ type: "user.room", userId, change: "removed", room: roomOutOf(await currentRoom(tx, roomId)) });
    return true;
  });
  if (removed) deps.access.forgetMember(userId, roomId);
  return { removed };
}

/**
 * A member mutes or unmutes a room for themselves: a muted room's unread count shows without a
 * badge and nothing in it notifies. Publishes `user.mute` after commit (the member's other tabs)
 * when it changed; `changed` is false when the room already was so.
 * @throws AppError FORBIDDEN (not a member), NOT_FOUND, BAD_INPUT (a direct conversation).
 */
export async function setMuted(deps: Deps, actor: Actor, input: MuteRoomInput): Promise<MuteState> {
  const { roomId, muted } = input;
  const { room } = await requireMember(deps.db, actor.userId, roomId);
  if (room.kind === "direct") throw new AppError("BAD_INPUT", "a direct conversation cannot be muted");
  return transact(deps, async (tx, emit) => {
    const [row] = await tx
      .update(roomMembers)
      .set({ muted })
      .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, actor.userId), ne(roomMembers.muted, muted)))
      .returning({ muted: roomMembers.muted });
    if (row) {
      emit({ type: "user.mute", userId: actor.userId, roomId, muted });
      return { roomId, muted, changed: true };
    }
    if (!(await lockedMembership(tx, actor.userId, roomId))) throw notAMember(); // left meanwhile
    return { roomId, muted, changed: false };
  });
}
