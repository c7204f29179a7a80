import { foldName, type Room, schema, type Transaction, type User } from "@parley/db";
import { and, desc, eq, ilike, isNull, like, lt, ne, or } from "drizzle-orm";
import type { SessionsEndedReason } from "../bus";
import type { Actor, Deps } from "../deps";
import { AppError, isUniqueViolation, notFound } from "../errors";
import type { Page } from "../schemas";
import type {
  AdminListInput,
  AdminRoom,
  AdminUser,
  AuditListInput,
  AuditRecord,
  ResetPasswordInput,
  SetRoleInput,
  TransferRoomInput,
} from "../schemas/admin";
import { announceRevoked, revokeAllTokensOf } from "./access-tokens";
import { recordAudit } from "./audit";
import { deletedUsername } from "./deleted-accounts";
import { appendNotice } from "./messages";
import { decodeCursor, keysetPage, likePattern, publicUserOf, roomOutOf } from "./output";
import { hashPassword } from "./passwords";
import { startReadingAt } from "./read-state";
import { currentRoom, leaveInside, memberCounts } from "./rooms";
import { type Emit, transact } from "./transact";
import { findUser } from "./users";

/**
 * What administrators do to run the server: accounts (role, disable, delete, password reset),
 * rooms (delete, hand to a new owner) and reading the audit log. Every action is recorded with
 * `recordAudit` in its own transaction, and its events are published after commit. Callers are
 * administrators (`adminProcedure`); the rules that protect the server from its administrators
 * (never fewer than one active administrator) live here.
 */

const { users, rooms, roomMembers, auditLog } = schema;

const adminUserOf = (u: User): AdminUser => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  email: u.email,
  role: u.role,
  isBot: u.isBot,
  disabledAt: u.disabledAt?.toISOString() ?? null,
  deletedAt: u.deletedAt?.toISOString() ?? null,
  mustChangePassword: u.mustChangePassword,
  createdAt: u.createdAt.toISOString(),
});

/** A keyset cursor over ids, newest first: the key is the last id shown. */
export function idBefore(cursor: string | undefined): number | undefined {
  const key = decodeCursor(cursor);
  if (key === undefined) return undefined;
  const id = Number(key);
  if (!Number.isSafeInteger(id) || id < 0) throw new AppError("BAD_INPUT", "cursor: not one this server gave out");
  return id;
}

/**
 * Every account, newest first, a page at a time; `search` matches a piece of the username, the
 * display name or the e-mail address. Shows role, bot, disabled, deleted and creation.
 * @throws AppError BAD_INPUT for a cursor this server did not give out.
 */
export async function listUsers(deps: Pick<Deps, "db">, input: AdminListInput): Promise<Page<AdminUser>> {
  const before = idBefore(input.cursor);
  const search = input.search ? input.search : undefined;
  const rows = await deps.db
    .select()
    .from(users)
    .where(
      and(
        before !== undefined ? lt(users.id, before) : undefined,
        search
          ? or(
              like(users.usernameKey, likePattern(foldName(search))),
              like(users.emailKey, likePattern(foldName(search))),
              ilike(users.displayName, likePattern(search)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(users.id))
    .limit(input.limit + 1);
  return keysetPage(rows, input.limit, (u) => String(u.id), adminUserOf);
}

/**
 * The account, locked FOR UPDATE until the transaction ends, and the active administrators (not
 * disabled, not deleted), locked too: two administrators demoting each other at once are taken
 * one after the other, so that the second sees the first's result.
 */
async function lockedAccount(tx: Transaction, userId: number) {
  const admins = await tx
    .select({ id: users.id })
    .from(users)
    // People only: a bot signs in with tokens an administrator gives it, so it can run nothing alone.
    .where(and(eq(users.role, "admin"), eq(users.isBot, false), isNull(users.disabledAt), isNull(users.deletedAt)))
    .orderBy(users.id)
    .for("update");
  const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("update");
  if (!user) throw notFound("user");
  return { user, activeAdmins: admins.map((a) => a.id) };
}

/** CONFLICT when taking `user` out of the active administrators would leave none. */
function keepAnAdmin(user: User, activeAdmins: number[], what: string) {
  if (user.role === "admin" && activeAdmins.length <= 1 && activeAdmins.includes(user.id)) {
    throw new AppError(
      "CONFLICT",
      `${user.username} is the last administrator: promote someone else before you ${what}`,
    );
  }
}

const notDeleted = (user: User) => {
  if (user.deletedAt) throw new AppError("BAD_INPUT", "that account was deleted");
};

/**
 * Every session of the user ends on every instance: tokens issued up to this second stop working
 * (`sessions_valid_after`), every process forgets them and closes the user's sockets (the
 * `access.sessions-ended` event, which the session watch and the access caches follow).
 */
function endSessions(deps: Pick<Deps, "clock">, emit: Emit, userId: number, reason: SessionsEndedReason): Date {
  // Tokens' `iat` are whole seconds: every token issued up to this second has ended.
  const validAfter = new Date((Math.floor(deps.clock().getTime() / 1000) + 1) * 1000);
  emit({ type: "access.sessions-ended", userId, validAfter: validAfter.toISOString(), reason });
  return validAfter;
}

/**
 * Writes `set` to the account and records `action` in the audit log, in the caller's transaction:
 * the record commits with the change or not at all. Answers the account as it is now.
 */
async function changeAccount(
  tx: Transaction,
  actor: Actor,
  user: User,
  set: Partial<typeof users.$inferInsert>,
  action: string,
  detail: Record<string, unknown> = {},
): Promise<User> {
  const [row] = await tx
    .update(users)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(users.id, user.id))
    .returning();
  await recordAudit(tx, actor, {
    action,
    targetType: "user",
    targetId: user.id,
    detail: { username: user.username, ...detail },
  });
  return row ?? user;
}

/**
 * Makes an account an administrator, or a member again. Setting the role it has changes nothing
 * and records nothing.
 * @throws AppError NOT_FOUND (no such user), BAD_INPUT (deleted account), CONFLICT (the last administrator).
 */
export async function setRole(deps: Deps, actor: Actor, input: SetRoleInput): Promise<AdminUser> {
  const changed = await transact(deps, async (tx, emit) => {
    const { user, activeAdmins } = await lockedAccount(tx, input.userId);
    notDeleted(user);
    if (user.role === input.role) return user;
    if (input.role === "admin" && user.isBot) {
      throw new AppError("BAD_INPUT", "a bot cannot be an administrator: the server would have none who can sign in");
    }
    if (input.role === "member") keepAnAdmin(user, activeAdmins, "demote them");
    const action = input.role === "admin" ? "user.promoted" : "user.demoted";
    const row = await changeAccount(tx, actor, user, { role: input.role }, action, { from: user.role, to: input.role });
    emit({ type: "access.user-changed", userId: user.id }); // every process forgets the role it remembered
    return row;
  });
  deps.access.forgetUser(changed.id);
  return adminUserOf(changed);
}

/**
 * Disables an account: it can no longer sign in, every session and socket of it ends on every
 * instance, and its messages stay. Disabling a disabled account changes nothing.
 * @throws AppError NOT_FOUND, BAD_INPUT (deleted account), CONFLICT (the last administrator).
 */
export async function disableUser(deps: Deps, actor: Actor, userId: number): Promise<AdminUser> {
  const user = await transact(deps, async (tx, emit) => {
    const { user, activeAdmins } = await lockedAccount(tx, userId);
    notDeleted(user);
    if (user.disabledAt) return user;
    keepAnAdmin(user, activeAdmins, "disable them");
    const sessionsValidAfter = endSessions(deps, emit, user.id, "account disabled");
    return changeAccount(tx, actor, user, { disabledAt: deps.clock(), sessionsValidAfter }, "user.disabled");
  });
  deps.access.forgetUser(user.id);
  return adminUserOf(user);
}

/**
 * Enables a disabled account again: it may sign in (its old sessions stay ended). Enabling an
 * enabled account changes nothing.
 * @throws AppError NOT_FOUND, BAD_INPUT (deleted account).
 */
export async function enableUser(deps: Deps, actor: Actor, userId: number): Promise<AdminUser> {
  const user = await transact(deps, async (tx) => {
    const { user } = await lockedAccount(tx, userId);
    notDeleted(user);
    if (!user.disabledAt) return user;
    return changeAccount(tx, actor, user, { disabledAt: null }, "user.enabled");
  });
  return adminUserOf(user);
}

/**
 * Deletes an account, as Mattermost does: its messages stay, shown under a "deleted user" label
 * (public outputs carry `deleted: true`); its username becomes the placeholder `deleted-<id>`
 * and its e-mail address, display name and password are cleared; every session ends everywhere;
 * it leaves its rooms (an owner's room goes to its longest member, as when an owner leaves); its
 * direct conversations stay readable and are closed (sending into them is refused).
 * @throws AppError NOT_FOUND, BAD_INPUT (already deleted), CONFLICT (the last administrator).
 */
export async function deleteUser(deps: Deps, actor: Actor, userId: number): Promise<AdminUser> {
  return adminUserOf(await deleteAccount(deps, actor, userId, "user.deleted"));
}

/**
 * Deletes a person's or a bot's account, as `deleteUser` describes, recording `action` in the audit
 * log; `check` runs first on the locked account and may refuse it (bots.ts answers NOT_FOUND for
 * anything but a bot). Answers the account as it is now.
 * @throws AppError NOT_FOUND, BAD_INPUT (already deleted), CONFLICT (the last administrator), or
 *   whatever `check` throws.
 */
export async function deleteAccount(
  deps: Deps,
  actor: Actor,
  userId: number,
  action: "user.deleted" | "bot.deleted",
  check: (user: User) => void = () => {},
): Promise<User> {
  const left: number[] = [];
  let revoked: Awaited<ReturnType<typeof revokeAllTokensOf>> = [];
  const user = await transact(deps, async (tx, emit) => {
    const { user, activeAdmins } = await lockedAccount(tx, userId);
    check(user);
    notDeleted(user);
    keepAnAdmin(user, activeAdmins, "delete them");
    const now = deps.clock();
    const placeholder = deletedUsername(user.id);
    const [row] = await tx
      .update(users)
      .set({
        username: placeholder,
        usernameKey: foldName(placeholder),
        email: null,
        emailKey: null,
        displayName: null,
        passwordHash: null,
        role: "member",
        mustChangePassword: false,
        deletedAt: now,
        sessionsValidAfter: endSessions(deps, emit, user.id, "account deleted"),
        updatedAt: now,
      })
      .where(eq(users.id, user.id))
      .returning()
      .catch((error: unknown) => {
        if (isUniqueViolation(error, "users_username_key_key")) {
          throw new AppError("CONFLICT", `another account is named ${placeholder}: rename it first`);
        }
        throw error;
      });
    if (!row) throw notFound("user");
    const memberships = await tx
      .select({ roomId: roomMembers.roomId })
      .from(roomMembers)
      .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
      .where(and(eq(roomMembers.userId, user.id), eq(rooms.kind, "room")))
      .orderBy(roomMembers.roomId);
    for (const { roomId } of memberships) {
      if (await leaveInside(tx, emit, roomId, { id: user.id, username: placeholder })) left.push(roomId);
    }
    // Everyone who shows the account (member lists, direct conversations) shows it deleted now.
    const profile = publicUserOf(row);
    const shown = await tx
      .select({ roomId: roomMembers.roomId })
      .from(roomMembers)
      .where(eq(roomMembers.userId, user.id));
    for (const { roomId } of shown) emit({ type: "room.member", roomId, change: "updated", user: profile });
    // A deleted account's tokens are refused anyway; revoked, they show so wherever tokens are listed.
    revoked = await revokeAllTokensOf(deps, user.id, tx);
    await recordAudit(tx, actor, {
      action,
      targetType: "user",
      targetId: user.id,
      detail: { username: user.username, roomsLeft: left.length, tokensRevoked: revoked.length },
    });
    return row;
  });
  await announceRevoked(deps, revoked);
  deps.access.forgetUser(user.id);
  for (const roomId of left) deps.access.forgetMember(user.id, roomId);
  return user;
}

/**
 * Sets a temporary password: every session of the account ends, every personal access token of it
 * is revoked (an account reset by an administrator may be compromised, and a token outlives a
 * password; the audit record says how many as `tokensRevoked`), and at its next sign-in the user
 * gets a session flagged `mustChangePassword`, good for nothing but choosing a new password
 * (`auth.changePassword`), which clears the flag.
 * @throws AppError NOT_FOUND, BAD_INPUT (a deleted account, or a bot, which has no password).
 */
export async function resetPassword(deps: Deps, actor: Actor, input: ResetPasswordInput): Promise<AdminUser> {
  const passwordHash = await hashPassword(input.temporaryPassword);
  const { user, revoked } = await transact(deps, async (tx, emit) => {
    const { user } = await lockedAccount(tx, input.userId);
    notDeleted(user);
    if (user.isBot) throw new AppError("BAD_INPUT", "a bot has no password: it signs in with its tokens");
    const sessionsValidAfter = endSessions(deps, emit, user.id, "password reset");
    const revoked = await revokeAllTokensOf(deps, user.id, tx);
    const row = await changeAccount(
      tx,
      actor,
      user,
      { passwordHash, mustChangePassword: true, sessionsValidAfter },
      "user.password-reset",
      { tokensRevoked: revoked.length },
    );
    return { user: row, revoked };
  });
  deps.access.forgetUser(user.id);
  await announceRevoked(deps, revoked);
  return adminUserOf(user);
}

/**
 * Every room (not direct conversations), newest first, a page at a time, with its member count
 * and owner; `search` matches a piece of the name.
 * @throws AppError BAD_INPUT for a cursor this server did not give out.
 */
export async function listRooms(deps: Pick<Deps, "db">, input: AdminListInput): Promise<Page<AdminRoom>> {
  const before = idBefore(input.cursor);
  const rows = await deps.db
    .select({ room: rooms, ownerName: users.username })
    .from(rooms)
    .leftJoin(users, eq(users.id, rooms.ownerId))
    .where(
      and(
        eq(rooms.kind, "room"),
        before !== undefined ? lt(rooms.id, before) : undefined,
        input.search ? like(rooms.nameKey, likePattern(foldName(input.search))) : undefined,
      ),
    )
    .orderBy(desc(rooms.id))
    .limit(input.limit + 1);
  const byRoom = await memberCounts(
    deps,
    rows.map((r) => r.room.id),
  );
  return keysetPage(
    rows,
    input.limit,
    (r) => String(r.room.id),
    ({ room, ownerName }) => adminRoomOf(room, ownerName, byRoom.get(room.id) ?? 0),
  );
}

const adminRoomOf = (room: Room, ownerName: string | null, memberCount: number): AdminRoom => ({
  id: room.id,
  name: room.name ?? "",
  isPrivate: room.isPrivate,
  topic: room.topic,
  memberCount,
  owner: room.ownerId !== null && ownerName !== null ? { id: room.ownerId, username: ownerName } : null,
  builtin: room.builtin !== null,
  createdAt: room.createdAt.toISOString(),
});

/** The room (not a direct conversation), locked FOR UPDATE until the transaction ends. */
async function lockedRoom(tx: Transaction, roomId: number) {
  const [room] = await tx.select().from(rooms).where(eq(rooms.id, roomId)).for("update");
  if (room?.kind !== "room") throw notFound("room");
  return room;
}

/**
 * Deletes a room with its messages: its members' clients drop it at once (each gets `user.room`
 * "deleted", which ends their open streams of it with "this room was deleted by an administrator",
 * on every instance). Its files' bytes go at the file sweeper's hourly look for unrecorded objects.
 * @throws AppError NOT_FOUND (no such room, or a direct conversation), BAD_INPUT (one of Parley's own rooms).
 */
export async function deleteRoom(deps: Deps, actor: Actor, roomId: number): Promise<{ deleted: true }> {
  const members = await transact(deps, async (tx, emit) => {
    const room = await lockedRoom(tx, roomId);
    if (room.builtin !== null) throw new AppError("BAD_INPUT", `${room.name} is one of Parley's own rooms: it stays`);
    const members = await tx
      .select({ userId: roomMembers.userId })
      .from(roomMembers)
      .where(eq(roomMembers.roomId, roomId));
    await tx.delete(rooms).where(eq(rooms.id, roomId));
    await recordAudit(tx, actor, {
      action: "room.deleted",
      targetType: "room",
      targetId: roomId,
      detail: { name: room.name, members: members.length },
    });
    const out = roomOutOf(room);
    for (const { userId } of members) {
      emit({ type: "access.membership-ended", userId, roomId });
      emit({ type: "user.room", userId, change: "deleted", room: out });
    }
    return members;
  });
  for (const { userId } of members) deps.access.forgetMember(userId, roomId);
  return { deleted: true };
}

/**
 * Hands a room to a new owner, who becomes a member first if not one (with a "joined" notice);
 * the old owner stays a member. Handing a room to its owner changes nothing.
 * @throws AppError NOT_FOUND (no such room or user), BAD_INPUT (a deleted or disabled account).
 */
export async function transferRoom(deps: Deps, actor: Actor, input: TransferRoomInput): Promise<AdminRoom> {
  const { roomId } = input;
  await transact(deps, async (tx, emit) => {
    const room = await lockedRoom(tx, roomId);
    const userId = (await findUser(tx, input.user)).id; // NOT_FOUND for nobody
    const [user] = await tx.select().from(users).where(eq(users.id, userId)).for("key share");
    if (!user) throw notFound("user");
    if (user.deletedAt) throw new AppError("BAD_INPUT", "that account was deleted: it cannot own a room");
    if (user.disabledAt) throw new AppError("BAD_INPUT", "that account is disabled: enable it first");
    if (room.ownerId === userId) return;
    const [joined] = await tx
      .insert(roomMembers)
      .values({ roomId, userId, role: "owner" })
      .onConflictDoNothing()
      .returning();
    if (joined) {
      const { seq } = await appendNotice(tx, emit, roomId, { event: "joined", userId, username: user.username });
      await startReadingAt(tx, roomId, userId, seq);
    } else {
      await tx
        .update(roomMembers)
        .set({ role: "owner" })
        .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
    }
    await tx
      .update(roomMembers)
      .set({ role: "member" })
      .where(and(eq(roomMembers.roomId, roomId), ne(roomMembers.userId, userId), eq(roomMembers.role, "owner")));
    await tx.update(rooms).set({ ownerId: userId }).where(eq(rooms.id, roomId));
    await recordAudit(tx, actor, {
      action: "room.transferred",
      targetType: "room",
      targetId: roomId,
      detail: { name: room.name, fromUserId: room.ownerId, toUserId: userId, toUsername: user.username },
    });
    const out = roomOutOf(await currentRoom(tx, roomId));
    if (joined) {
      const member = { user: publicUserOf(user), role: "owner" as const, joinedAt: joined.joinedAt.toISOString() };
      emit({ type: "room.member", roomId, change: "joined", member });
      emit({ type: "user.room", userId, change: "joined", room: out });
    }
    emit({ type: "room.updated", roomId, room: out });
  });
  return adminRoom(deps, roomId);
}

async function adminRoom(deps: Pick<Deps, "db">, roomId: number): Promise<AdminRoom> {
  const [row] = await deps.db
    .select({ room: rooms, ownerName: users.username })
    .from(rooms)
    .leftJoin(users, eq(users.id, rooms.ownerId))
    .where(eq(rooms.id, roomId));
  if (!row) throw notFound("room");
  const members = await memberCounts(deps, [roomId]);
  return adminRoomOf(row.room, row.ownerName, members.get(roomId) ?? 0);
}

/**
 * The audit log, newest first, a page at a time, optionally only one action's records.
 * @throws AppError BAD_INPUT for a cursor this server did not give out.
 */
export async function listAudit(deps: Pick<Deps, "db">, input: AuditListInput): Promise<Page<AuditRecord>> {
  const before = idBefore(input.cursor);
  const rows = await deps.db
    .select({ record: auditLog, actorName: users.username })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(
      and(
        before !== undefined ? lt(auditLog.id, before) : undefined,
        input.action ? eq(auditLog.action, input.action) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(input.limit + 1);
  return keysetPage(
    rows,
    input.limit,
    (r) => String(r.record.id),
    ({ record, actorName }) => ({
      id: record.id,
      actor: record.actorId !== null && actorName !== null ? { id: record.actorId, username: actorName } : null,
      action: record.action,
      targetType: record.targetType,
      targetId: record.targetId,
      detail: record.detail as Record<string, unknown>,
      createdAt: record.createdAt.toISOString(),
    }),
  );
}
