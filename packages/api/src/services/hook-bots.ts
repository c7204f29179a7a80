import { randomBytes } from "node:crypto";
import { foldName, schema, type Transaction } from "@parley/db";
import { and, eq } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError, isUniqueViolation } from "../errors";
import { appendNotice } from "./messages";
import { publicUserOf } from "./output";
import { accessRoom, lockedMembership } from "./room-access";
import { type Emit, transact } from "./transact";

/**
 * What incoming and outgoing webhooks share: only a room's owner manages them, and each hook speaks
 * in its room as a bot account of its own (no password, `is_bot`, named after the hook), which joins
 * the room when the hook is made and leaves it, disabled, when the hook is deleted.
 */

const { roomMembers, users } = schema;

/** The most incoming webhooks, and the most outgoing webhooks, one room may have (each a bot member of it). */
export const MAX_HOOKS_PER_ROOM = 10;

/**
 * Inside the making transaction: the room has fewer than MAX_HOOKS_PER_ROOM hooks of this kind
 * (`count`, read after the owner's membership is locked, so two makings by the owner take turns).
 * @throws AppError CONFLICT
 */
export async function assertRoomForAnotherHook(count: () => Promise<number>, kind: "incoming" | "outgoing") {
  if ((await count()) >= MAX_HOOKS_PER_ROOM) {
    throw new AppError(
      "CONFLICT",
      `a room may have at most ${MAX_HOOKS_PER_ROOM} ${kind} webhooks: delete one before making another`,
    );
  }
}

const onlyTheOwner = () => new AppError("FORBIDDEN", "only the room's owner can manage its webhooks");

/**
 * The room, if the caller owns it (checked again inside each write by `assertStillOwner`).
 * @throws AppError NOT_FOUND (a private room of others), BAD_INPUT (a direct conversation), FORBIDDEN.
 */
export async function ownedRoom(deps: Deps, actor: Actor, roomId: number) {
  const { room, role } = await accessRoom(deps.db, actor.userId, roomId);
  if (room.kind === "direct") throw new AppError("BAD_INPUT", "a direct conversation has no webhooks");
  if (role !== "owner") throw onlyTheOwner();
  return room;
}

/** Inside a write: the caller still owns the room, on its locked membership. @throws AppError FORBIDDEN */
export async function assertStillOwner(tx: Transaction, actor: Actor, roomId: number): Promise<void> {
  if ((await lockedMembership(tx, actor.userId, roomId))?.role !== "owner") throw onlyTheOwner();
}

/** A bot's username from the hook's name: its letters and digits, "-hook", and a random tail (unique, 2-32 characters). */
function botUsername(name: string): string {
  const base =
    name
      .normalize("NFC")
      .replace(/[^\p{L}\p{N}_.-]+/gu, "-")
      .replace(/^[-.]+|[-.]+$/g, "")
      .slice(0, 16) || "webhook";
  return `${base}-hook-${randomBytes(3).toString("hex")}`;
}

export type HookBot = typeof users.$inferSelect;

/**
 * Runs `work` in one transaction after the caller's ownership is checked again and the hook's new
 * bot (shown by `name`) has joined the room (a "joined" notice and a `room.member` event, as
 * anybody's join). A bot name taken meanwhile (three random bytes: rare) is retried with another.
 * @throws AppError FORBIDDEN (no longer the owner), and whatever `work` throws.
 */
export async function withNewHookBot<T>(
  deps: Deps,
  actor: Actor,
  hook: { roomId: number; name: string },
  work: (tx: Transaction, emit: Emit, bot: HookBot) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const username = botUsername(hook.name);
    if (deps.reservedUsernames.some((reserved) => foldName(reserved) === foldName(username))) continue;
    try {
      return await transact(deps, async (tx, emit) => {
        await assertStillOwner(tx, actor, hook.roomId);
        const [bot] = await tx
          .insert(users)
          .values({
            username,
            usernameKey: foldName(username),
            displayName: hook.name,
            passwordHash: null,
            isBot: true,
          })
          .returning();
        if (!bot) throw new Error("insert returned no user");
        const [member] = await tx
          .insert(roomMembers)
          .values({ roomId: hook.roomId, userId: bot.id, role: "member" })
          .returning();
        if (!member) throw new Error("insert returned no membership");
        await appendNotice(tx, emit, hook.roomId, { event: "joined", userId: bot.id, username: bot.username });
        const joined = { user: publicUserOf(bot), role: "member" as const, joinedAt: member.joinedAt.toISOString() };
        emit({ type: "room.member", roomId: hook.roomId, change: "joined", member: joined });
        return await work(tx, emit, bot);
      });
    } catch (error) {
      if (isUniqueViolation(error, "users_username_key_key") && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * Inside the deleting transaction: the hook's bot is disabled and leaves the room (a "left" notice
 * and a `room.member` event); its messages stay. The caller forgets the membership from the access
 * cache (`deps.access.forgetMember`) once committed.
 */
export async function retireHookBot(
  deps: Deps,
  tx: Transaction,
  emit: Emit,
  roomId: number,
  bot: { id: number; username: string },
): Promise<void> {
  await tx.update(users).set({ disabledAt: deps.clock() }).where(eq(users.id, bot.id));
  const [left] = await tx
    .delete(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, bot.id)))
    .returning();
  if (left) {
    await appendNotice(tx, emit, roomId, { event: "left", userId: bot.id, username: bot.username });
    emit({ type: "room.member", roomId, change: "left", userId: bot.id, heirId: null });
    emit({ type: "access.membership-ended", userId: bot.id, roomId });
  }
}
