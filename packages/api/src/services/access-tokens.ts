import { createHash, randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { and, desc, eq, gt, isNull, lte, or } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError, notFound } from "../errors";
import type { AccessTokenOut, CreateAccessTokenInput, CreatedAccessToken } from "../schemas";

const { accessTokens, users } = schema;

type AccessToken = typeof accessTokens.$inferSelect;

/**
 * Personal access tokens: long-lived secrets for scripts and bots, usable wherever a session token
 * is (tRPC over HTTP and WebSocket, the seed REST and sockets), as GitHub's personal access tokens
 * are. A token is `parley_pat_` and 32 random bytes in base64url (RFC 4648 §5); it is shown once,
 * when created, and only its SHA-256 (hex) is stored. It acts as its owner until it expires, is
 * revoked, or its owner is disabled or deleted.
 *
 * What ends one, and what does not:
 * - revoking it (its owner, or an administrator: any account's, see services/admin-tokens.ts): at
 *   once on every instance, open sockets included (`access.session-revoked` with the jti `pat:<id>`);
 * - an administrator's password reset of its owner, which revokes every token of theirs;
 * - its expiry, its owner disabled or deleted;
 * - NOT the owner's own password change (as on GitHub: a token is not a session; revoke it to end
 *   it), and NOT `auth.logout`, which refuses a token (see `refuseLogoutWithAccessToken`).
 */
export const ACCESS_TOKEN_PREFIX = "parley_pat_";

/** How many characters of a token its lists show (the prefix and four more). */
const SHOWN_PREFIX_LENGTH = ACCESS_TOKEN_PREFIX.length + 4;

/** The expiry of a token that never expires, as an `Actor` carries it. */
export const NEVER_EXPIRES = new Date("9999-12-31T23:59:59Z");

/** How often a token's `last_used_at` may be written, in milliseconds. */
const LAST_USED_EVERY_MS = 60_000;

/** Whether a presented token is a personal access token (rather than a session's JWT). */
export const isAccessToken = (token: string) => token.startsWith(ACCESS_TOKEN_PREFIX);

/** The `jti` an access token's actor carries, as revocations and the socket session watch name it. */
export const accessTokenJti = (id: number) => `pat:${id}`;

/** The token id inside an access token's jti, or null for a session's. */
export function accessTokenIdOf(jti: string): number | null {
  if (!jti.startsWith("pat:")) return null;
  const id = Number(jti.slice(4));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

export const accessTokenOutOf = (t: AccessToken): AccessTokenOut => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
});

/**
 * Issues a token to `userId` (whoever may do so has been checked by the caller). An expiry must be
 * in the future (BAD_INPUT otherwise). `db` may be a transaction.
 */
export async function issueAccessToken(
  deps: Pick<Deps, "db" | "clock">,
  userId: number,
  input: CreateAccessTokenInput,
  db: Deps["db"] = deps.db,
): Promise<CreatedAccessToken> {
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= deps.clock().getTime()) {
    throw new AppError("BAD_INPUT", "the expiry must be in the future");
  }
  const token = ACCESS_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const [row] = await db
    .insert(accessTokens)
    .values({
      userId,
      name: input.name,
      tokenHash: hashOf(token),
      prefix: token.slice(0, SHOWN_PREFIX_LENGTH),
      createdAt: deps.clock(),
      expiresAt,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return { token, accessToken: accessTokenOutOf(row) };
}

/**
 * Creates a token for the caller. A token cannot make another (FORBIDDEN): a leaked token must not
 * be able to outlive its revocation. Sign in with a password to create one.
 */
export async function createAccessToken(
  deps: Deps,
  actor: Actor,
  input: CreateAccessTokenInput,
): Promise<CreatedAccessToken> {
  if (accessTokenIdOf(actor.jti) !== null) {
    throw new AppError("FORBIDDEN", "a personal access token cannot create another: sign in with your password");
  }
  return issueAccessToken(deps, actor.userId, input);
}

/** A user's tokens that have not been revoked (expired ones included), newest first. */
export async function accessTokensOf(deps: Pick<Deps, "db">, userId: number): Promise<AccessTokenOut[]> {
  const rows = await deps.db
    .select()
    .from(accessTokens)
    .where(and(eq(accessTokens.userId, userId), isNull(accessTokens.revokedAt)))
    .orderBy(desc(accessTokens.createdAt), desc(accessTokens.id));
  return rows.map(accessTokenOutOf);
}

export const listAccessTokens = (deps: Deps, actor: Actor) => accessTokensOf(deps, actor.userId);

/**
 * Revokes one of `userId`'s tokens: it fails at once on every instance, and sockets signed in with
 * it close. NOT_FOUND for a token that is not theirs or already revoked (someone else's token is
 * not told apart from one that does not exist). `db` may be a transaction: then call
 * `announceRevoked` after it commits.
 */
export async function revokeTokenOf(
  deps: Pick<Deps, "db" | "clock">,
  userId: number,
  tokenId: number,
  db: Deps["db"] = deps.db,
): Promise<AccessToken> {
  const [revoked] = await db
    .update(accessTokens)
    .set({ revokedAt: deps.clock() })
    .where(and(eq(accessTokens.id, tokenId), eq(accessTokens.userId, userId), isNull(accessTokens.revokedAt)))
    .returning();
  if (!revoked) throw notFound("access token");
  return revoked;
}

/**
 * Revokes every token of `userId` that is not revoked yet and answers them (none: nothing changed).
 * `db` may be a transaction: then call `announceRevoked` with the answer after it commits.
 */
export async function revokeAllTokensOf(
  deps: Pick<Deps, "db" | "clock">,
  userId: number,
  db: Deps["db"] = deps.db,
): Promise<Pick<AccessToken, "id" | "userId">[]> {
  return db
    .update(accessTokens)
    .set({ revokedAt: deps.clock() })
    .where(and(eq(accessTokens.userId, userId), isNull(accessTokens.revokedAt)))
    .returning({ id: accessTokens.id, userId: accessTokens.userId });
}

/** Tells every instance that these tokens are revoked: their cached actors go, their sockets close. */
export async function announceRevoked(
  deps: Pick<Deps, "access" | "bus">,
  revoked: Pick<AccessToken, "id" | "userId">[],
) {
  for (const token of revoked) {
    const jti = accessTokenJti(token.id);
    deps.access.forgetSession(jti);
    await deps.bus.publish({ type: "access.session-revoked", jti });
    await deps.bus.publish({ type: "user.session-revoked", userId: token.userId, jti });
  }
}

/** Revokes one of the caller's own tokens (see `revokeTokenOf`). */
export async function revokeAccessToken(deps: Deps, actor: Actor, tokenId: number): Promise<void> {
  const revoked = await revokeTokenOf(deps, actor.userId, tokenId);
  await announceRevoked(deps, [revoked]);
}

/**
 * Refuses `auth.logout` with a personal access token (BAD_INPUT): logging out must not silently
 * revoke a token that scripts may share; revoking it is a deliberate act (`tokens.revoke`).
 */
export function refuseLogoutWithAccessToken(actor: Actor): void {
  if (accessTokenIdOf(actor.jti) !== null) {
    throw new AppError(
      "BAD_INPUT",
      "this is a personal access token, not a session: logging out does not end it; revoke it instead",
    );
  }
}

/**
 * Token ids by hash: a token's row never changes its hash, so once found it need not be looked up
 * by hash again to find its cached actor (per process; the oldest are forgotten first).
 */
const idsByHash = new Map<string, number>();
const IDS_KEPT = 10_000;

/**
 * Who holds this personal access token: a token that exists, is neither revoked nor expired, of a
 * user neither disabled nor deleted. Throws UNAUTHENTICATED otherwise. Remembered for a few seconds
 * by the access cache, which every instance clears when the token is revoked (see `authenticate`).
 * Its use is written to `last_used_at` at most once a minute.
 */
export async function authenticateAccessToken(deps: Deps, token: string): Promise<Actor> {
  const hash = hashOf(token);
  const now = deps.clock();
  const knownId = idsByHash.get(hash);
  if (knownId !== undefined) {
    const known = deps.access.actor(accessTokenJti(knownId));
    if (known && known.tokenExpiresAt > now) return known;
  }
  const [row] = await deps.db
    .select({
      id: accessTokens.id,
      createdAt: accessTokens.createdAt,
      expiresAt: accessTokens.expiresAt,
      lastUsedAt: accessTokens.lastUsedAt,
      userId: users.id,
      username: users.username,
      displayName: users.displayName,
      role: users.role,
      isBot: users.isBot,
    })
    .from(accessTokens)
    .innerJoin(users, eq(users.id, accessTokens.userId))
    .where(
      and(
        eq(accessTokens.tokenHash, hash),
        isNull(accessTokens.revokedAt),
        or(isNull(accessTokens.expiresAt), gt(accessTokens.expiresAt, now)),
        isNull(users.disabledAt),
        isNull(users.deletedAt),
      ),
    )
    .limit(1);
  if (!row)
    throw new AppError("UNAUTHENTICATED", "this access token is not valid: it may have expired or been revoked");
  if (idsByHash.size >= IDS_KEPT) idsByHash.delete(idsByHash.keys().next().value ?? "");
  idsByHash.set(hash, row.id);
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_EVERY_MS) {
    // Conditional, so that instances using the token at once write it once.
    const due = new Date(now.getTime() - LAST_USED_EVERY_MS);
    await deps.db
      .update(accessTokens)
      .set({ lastUsedAt: now })
      .where(and(eq(accessTokens.id, row.id), or(isNull(accessTokens.lastUsedAt), lte(accessTokens.lastUsedAt, due))));
  }
  const actor: Actor = {
    userId: row.userId,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    isBot: row.isBot,
    jti: accessTokenJti(row.id),
    tokenExpiresAt: row.expiresAt ?? NEVER_EXPIRES,
    tokenIssuedAt: row.createdAt,
  };
  deps.access.rememberActor(actor);
  return actor;
}
