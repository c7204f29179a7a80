import { schema } from "@parley/db";
import { and, eq } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { notFound } from "../errors";
import type { AccessTokenOut, RevokedTokens, UserTokenRef } from "../schemas";
import { accessTokensOf, announceRevoked, revokeAllTokensOf, revokeTokenOf } from "./access-tokens";
import { recordAudit } from "./audit";

/**
 * What an administrator does with someone's personal access tokens (a person's or a bot's), for an
 * account that may be compromised: see them (never their secrets) and revoke one or all. Revoking
 * takes the path `tokens.revoke` takes (`revokeTokenOf`, then `announceRevoked` after commit), so
 * the token fails at once on every instance and its open sockets close. Each revocation is recorded
 * in the audit log in its own transaction; a revocation that finds nothing left to revoke changes
 * nothing and records nothing. Callers are administrators (`adminProcedure`).
 */

const { users, accessTokens } = schema;

/** The account (deleted ones included: their tokens are refused, and still listed), or NOT_FOUND. */
async function accountOf(db: Deps["db"], userId: number) {
  const [user] = await db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!user) throw notFound("user");
  return user;
}

/**
 * An account's tokens that are not revoked (expired ones included), newest first: name, prefix,
 * created, expiry and last use (written at most once a minute); never the secret.
 * @throws AppError NOT_FOUND for no such account.
 */
export async function userTokens(deps: Pick<Deps, "db">, userId: number): Promise<AccessTokenOut[]> {
  await accountOf(deps.db, userId);
  return accessTokensOf(deps, userId);
}

/**
 * Revokes one of an account's tokens (audit `user.token-revoked`). `{ revoked: 0 }` when it was
 * revoked already: nothing changes and nothing is recorded.
 * @throws AppError NOT_FOUND for no such account, or a token that is not this account's.
 */
export async function revokeUserToken(deps: Deps, admin: Actor, input: UserTokenRef): Promise<RevokedTokens> {
  const revoked = await deps.db.transaction(async (tx) => {
    const user = await accountOf(tx, input.userId);
    // Locked: a second revocation at the same time waits, then finds it revoked and records nothing.
    const [token] = await tx
      .select({ revokedAt: accessTokens.revokedAt })
      .from(accessTokens)
      .where(and(eq(accessTokens.id, input.tokenId), eq(accessTokens.userId, user.id)))
      .for("update");
    if (!token) throw notFound("access token");
    if (token.revokedAt) return null;
    const row = await revokeTokenOf(deps, user.id, input.tokenId, tx);
    await recordAudit(tx, admin, {
      action: "user.token-revoked",
      targetType: "token",
      targetId: row.id,
      detail: { userId: user.id, username: user.username, name: row.name },
    });
    return row;
  });
  if (revoked) await announceRevoked(deps, [revoked]);
  return { revoked: revoked ? 1 : 0 };
}

/**
 * Revokes every token of an account (audit `user.tokens-revoked`, with how many). `{ revoked: 0 }`
 * when none was left: nothing changes and nothing is recorded.
 * @throws AppError NOT_FOUND for no such account.
 */
export async function revokeUserTokens(deps: Deps, admin: Actor, userId: number): Promise<RevokedTokens> {
  const revoked = await deps.db.transaction(async (tx) => {
    const user = await accountOf(tx, userId);
    const tokens = await revokeAllTokensOf(deps, user.id, tx);
    if (tokens.length > 0) {
      await recordAudit(tx, admin, {
        action: "user.tokens-revoked",
        targetType: "user",
        targetId: user.id,
        detail: { username: user.username, count: tokens.length },
      });
    }
    return tokens;
  });
  await announceRevoked(deps, revoked);
  return { revoked: revoked.length };
}
