import { foldName, schema, storedName } from "@parley/db";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { notFound } from "../errors";
import type { AccessTokenOut, CreateBotInput, CreateBotTokenInput, CreatedAccessToken, PublicUser } from "../schemas";
import { accessTokensOf, announceRevoked, issueAccessToken, revokeTokenOf } from "./access-tokens";
import { recordAudit } from "./audit";
import { assertUsernameAllowed, userConflict } from "./auth";
import { publicUserOf } from "./output";

const { users, accessTokens } = schema;

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
 * Deletes a bot: its account is marked deleted (its messages stay, as any deleted account's do)
 * and every token of it is revoked, so its sockets close on every instance.
 */
export async function deleteBot(deps: Deps, admin: Actor, botId: number): Promise<void> {
  const revoked = await deps.db.transaction(async (tx) => {
    const bot = await botOf(tx, botId);
    const now = deps.clock();
    await tx.update(users).set({ deletedAt: now, updatedAt: now }).where(eq(users.id, bot.id));
    const tokens = await tx
      .update(accessTokens)
      .set({ revokedAt: now })
      .where(and(eq(accessTokens.userId, bot.id), isNull(accessTokens.revokedAt)))
      .returning({ id: accessTokens.id, userId: accessTokens.userId });
    await recordAudit(tx, admin, {
      action: "bot.deleted",
      targetType: "user",
      targetId: bot.id,
      detail: { username: bot.username },
    });
    return tokens;
  });
  deps.access.forgetUser(botId);
  await deps.bus.publish({ type: "access.user-changed", userId: botId });
  await announceRevoked(deps, revoked);
}
