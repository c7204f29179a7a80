import { foldName, schema, storedName } from "@parley/db";
import { and, asc, count, desc, eq, gt, ilike, inArray, isNull, like, lt, or } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { notFound } from "../errors";
import type {
  AccessTokenOut,
  AdminBot,
  CreateBotInput,
  CreateBotTokenInput,
  CreatedAccessToken,
  Page,
  PublicUser,
} from "../schemas";
import type { AdminListInput } from "../schemas/admin";
import { accessTokensOf, announceRevoked, issueAccessToken, revokeTokenOf } from "./access-tokens";
import { deleteAccount, idBefore } from "./admin";
import { recordAudit } from "./audit";
import { assertUsernameAllowed, userConflict } from "./auth";
import { keysetPage, likePattern, publicUserOf } from "./output";

const { users, accessTokens, auditLog, roomMembers, rooms } = schema;

/**
 * Bot accounts: users with `is_bot` set and no password (`password_hash` null, which no login
 * matches), acting only through personal access tokens that an administrator creates for them.
 * They join rooms and send messages like anyone else; public outputs carry `isBot` so that clients
 * mark them. Every function here is for administrators (the router's `adminProcedure`) and is
 * recorded in the audit log.
 */

/** A bot that exists and is not deleted, or NOT_FOUND (also for a person's account). */
async function botOf(db: Deps["db"], botId: number) {
  const [bot] = await db
    .select()
    .from(users)
    .where(and(eq(users.id, botId), eq(users.isBot, true), isNull(users.deletedAt)))
    .limit(1);
  if (!bot) throw notFound("bot");
  return bot;
}

/** Creates a bot (CONFLICT for a taken or reserved username). */
export async function createBot(deps: Deps, admin: Actor, input: CreateBotInput): Promise<PublicUser> {
  assertUsernameAllowed(deps, input.username);
  return deps.db
    .transaction(async (tx) => {
      const [bot] = await tx
        .insert(users)
        .values({
          username: storedName(input.username),
          usernameKey: foldName(input.username),
          displayName: input.displayName ?? null,
          passwordHash: null,
          isBot: true,
        })
        .returning();
      if (!bot) throw new Error("insert returned no row");
      await recordAudit(tx, admin, {
        action: "bot.created",
        targetType: "user",
        targetId: bot.id,
        detail: { username: bot.username },
      });
      return publicUserOf(bot);
    })
    .catch((error) => {
      throw userConflict(error);
    });
}

/** Every bot that is not deleted, oldest first. */
export async function listBots(deps: Deps): Promise<PublicUser[]> {
  const rows = await deps.db
    .select()
    .from(users)
    .where(and(eq(users.isBot, true), isNull(users.deletedAt)))
    .orderBy(asc(users.id));
  return rows.map(publicUserOf);
}

/**
 * Bots that are not deleted, newest first, a page at a time; `search` matches a piece of the
 * username or display name. Each with who created it (the audit log's `bot.created` record), how
 * many rooms it is in and how many of its tokens work: three grouped reads for the whole page.
 * @throws AppError BAD_INPUT for a cursor this server did not give out.
 */
export async function searchBots(deps: Pick<Deps, "db" | "clock">, input: AdminListInput): Promise<Page<AdminBot>> {
  const before = idBefore(input.cursor);
  const rows = await deps.db
    .select()
    .from(users)
    .where(
      and(
        eq(users.isBot, true),
        isNull(users.deletedAt),
        before !== undefined ? lt(users.id, before) : undefined,
        input.search
          ? or(
              like(users.usernameKey, likePattern(foldName(input.search))),
              ilike(users.displayName, likePattern(input.search)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(users.id))
    .limit(input.limit + 1);
  const ids = rows.map((bot) => bot.id);
  if (ids.length === 0) return { items: [], nextCursor: null };
  const [creators, roomCounts, tokenCounts] = await Promise.all([
    deps.db
      .select({ botId: auditLog.targetId, actorId: users.id, username: users.username })
      .from(auditLog)
      .innerJoin(users, eq(users.id, auditLog.actorId))
      .where(
        and(
          eq(auditLog.action, "bot.created"),
          eq(auditLog.targetType, "user"),
          inArray(
            auditLog.targetId,
            ids.map((id) => String(id)),
          ),
        ),
      ),
    deps.db
      .select({ userId: roomMembers.userId, n: count() })
      .from(roomMembers)
      .innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
      .where(and(inArray(roomMembers.userId, ids), eq(rooms.kind, "room")))
      .groupBy(roomMembers.userId),
    deps.db
      .select({ userId: accessTokens.userId, n: count() })
      .from(accessTokens)
      .where(
        and(
          inArray(accessTokens.userId, ids),
          isNull(accessTokens.revokedAt),
          or(isNull(accessTokens.expiresAt), gt(accessTokens.expiresAt, deps.clock())),
        ),
      )
      .groupBy(accessTokens.userId),
  ]);
  const creatorOf = new Map(creators.map((c) => [Number(c.botId), { id: c.actorId, username: c.username }]));
  const roomsOf = new Map(roomCounts.map((r) => [r.userId, Number(r.n)]));
  const tokensOf = new Map(tokenCounts.map((t) => [t.userId, Number(t.n)]));
  return keysetPage(
    rows,
    input.limit,
    (bot) => String(bot.id),
    (bot) => ({
      id: bot.id,
      username: bot.username,
      displayName: bot.displayName,
      disabledAt: bot.disabledAt?.toISOString() ?? null,
      createdAt: bot.createdAt.toISOString(),
      createdBy: creatorOf.get(bot.id) ?? null,
      roomCount: roomsOf.get(bot.id) ?? 0,
      activeTokenCount: tokensOf.get(bot.id) ?? 0,
    }),
  );
}

/** A bot's tokens that are not revoked (never their secrets). */
export async function listBotTokens(deps: Deps, botId: number): Promise<AccessTokenOut[]> {
  await botOf(deps.db, botId);
  return accessTokensOf(deps, botId);
}

/** Creates a token for a bot: its secret is in the answer, once. */
export async function createBotToken(
  deps: Deps,
  admin: Actor,
  input: CreateBotTokenInput,
): Promise<CreatedAccessToken> {
  return deps.db.transaction(async (tx) => {
    const bot = await botOf(tx, input.botId);
    const created = await issueAccessToken(deps, bot.id, { name: input.name, expiresAt: input.expiresAt }, tx);
    await recordAudit(tx, admin, {
      action: "bot.token-created",
      targetType: "token",
      targetId: created.accessToken.id,
      detail: { botId: bot.id, name: created.accessToken.name },
    });
    return created;
  });
}

/** Revokes one of a bot's tokens (NOT_FOUND for a token that is not this bot's). */
export async function revokeBotToken(deps: Deps, admin: Actor, botId: number, tokenId: number): Promise<void> {
  const revoked = await deps.db.transaction(async (tx) => {
    await botOf(tx, botId);
    const token = await revokeTokenOf(deps, botId, tokenId, tx);
    await recordAudit(tx, admin, {
      action: "bot.token-revoked",
      targetType: "token",
      targetId: token.id,
      detail: { botId, name: token.name },
    });
    return token;
  });
  await announceRevoked(deps, [revoked]);
}

/**
 * Deletes a bot as any account is deleted (admin.ts `deleteAccount`): its messages stay under the
 * "deleted user" label, it leaves its rooms (so member counts drop and a room it owned goes to a
 * person), and every token of it is revoked, so its sockets close on every instance.
 * @throws AppError NOT_FOUND (no such bot, a person's account, or a bot already deleted).
 */
export async function deleteBot(deps: Deps, admin: Actor, botId: number): Promise<void> {
  await deleteAccount(deps, admin, botId, "bot.deleted", (user) => {
    if (!user.isBot || user.deletedAt) throw notFound("bot");
  });
}
