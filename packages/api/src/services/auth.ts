import { foldName, schema, storedName, type User } from "@parley/db";
import { and, eq, isNull, lt, lte, notExists, or, sql } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError, isUniqueViolation } from "../errors";
import type { ChangePasswordInput, LoginInput, Profile, RegisterInput, Session } from "../schemas";
import { accessTokenIdOf, authenticateAccessToken, isAccessToken, refuseLogoutWithAccessToken } from "./access-tokens";
import { isDeletedPlaceholder } from "./deleted-accounts";
import { profileOf } from "./output";
import { hashPassword, spendPasswordCheck, verifyPassword } from "./passwords";
import { admitRegistration } from "./registration";
import { issueToken, verifyToken } from "./tokens";

const { users, revokedTokens } = schema;

/**
 * Refuses (409) a username that is one of the reserved names (the seed protocols' system and error
 * senders) by Parley's one folding rule (`foldName`), so that no spelling of them (other case,
 * full-width letters, a zero-width space inside) can be registered or renamed into.
 */
export function assertUsernameAllowed(deps: Pick<Deps, "reservedUsernames">, username: string): void {
  const key = foldName(username);
  if (deps.reservedUsernames.some((name) => foldName(name) === key) || isDeletedPlaceholder(key)) {
    throw new AppError("CONFLICT", `the username "${username}" is reserved`);
  }
}

/** Turns a unique violation on users into the words a person needs. */
export function userConflict(error: unknown): unknown {
  if (isUniqueViolation(error, "users_username_key_key")) return new AppError("CONFLICT", "that username is taken");
  if (isUniqueViolation(error, "users_email_key_key"))
    return new AppError("CONFLICT", "that e-mail address is already registered");
  return error;
}

/**
 * A new session for the user. It counts as issued no earlier than the user's `sessionsValidAfter`
 * (the second after an administrator ended their sessions), so that one started within that second
 * is not ended with the rest. `mustChangePassword` is there when an administrator reset the password.
 */
async function sessionFor(deps: Deps, user: User, issuedAt?: Date): Promise<Session> {
  const validAfter = user.sessionsValidAfter;
  const at = issuedAt ?? (validAfter && validAfter > deps.clock() ? validAfter : undefined);
  const { token, expiresAt } = await issueToken(deps, user.id, at);
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    user: profileOf(user),
    ...(user.mustChangePassword ? { mustChangePassword: true } : {}),
  };
}

/** Where a request came from: rate limits count per client address. */
export interface Client {
  /** Null when the transport cannot tell (a server-side caller): no per-address limit applies. */
  address: string | null;
}

/**
 * Creates an account and answers its first session. The server's registration policy decides
 * (see `admitRegistration`): FORBIDDEN while registration is closed, or by invite without a valid
 * invite link; the server's first account is its administrator. CONFLICT for a taken or reserved
 * name or e-mail address; TOO_MANY past the per-address limit.
 */
export async function register(deps: Deps, input: RegisterInput, client: Client): Promise<Session> {
  if (client.address) await deps.limits.take("registerPerAddress", client.address);
  assertUsernameAllowed(deps, input.username);
  const passwordHash = await hashPassword(input.password);
  const user = await deps.db
    .transaction(async (tx) => {
      const { role } = await admitRegistration(tx, input.invite);
      const [row] = await tx
        .insert(users)
        .values({
          username: storedName(input.username),
          usernameKey: foldName(input.username),
          email: input.email === undefined ? null : storedName(input.email),
          emailKey: input.email === undefined ? null : foldName(input.email),
          displayName: input.displayName ?? null,
          passwordHash,
          role,
        })
        .returning();
      return row;
    })
    .catch((error) => {
      throw userConflict(error);
    });
  if (!user) throw new Error("insert returned no row");
  return sessionFor(deps, user);
}

/**
 * Logs in by username or e-mail, compared by `foldName`: a session for the right password.
 * Throttled per client address (every attempt) and per account name (password checks, cleared by
 * a success). Each check is counted before the password is verified, so that guesses in flight at
 * once, on any instance, count as much as guesses one after another: past the limit the answer is
 * TOO_MANY (429) with the time to wait, and no password is checked. An account name is counted
 * alike whether or not it exists, and a wrong name costs the time of a password check, so that
 * neither the answer, its status nor its timing tells which names exist.
 */
export async function login(deps: Deps, input: LoginInput, client: Client): Promise<Session> {
  const key = foldName(input.login);
  if (client.address) await deps.limits.take("loginPerAddress", client.address);
  await deps.limits.take("loginPerAccount", key);
  const [user] = await deps.db
    .select()
    .from(users)
    .where(or(eq(users.usernameKey, key), eq(users.emailKey, key)))
    .limit(1);
  if (!user) {
    await spendPasswordCheck(input.password);
  } else if (await verifyPassword(user.passwordHash, input.password)) {
    await deps.limits.forgive("loginPerAccount", key);
    // Said only to whoever knows the password: it tells nobody else that the account exists.
    if (user.disabledAt) throw new AppError("FORBIDDEN", "this account is disabled");
    return sessionFor(deps, user);
  }
  throw new AppError("UNAUTHENTICATED", "wrong username, e-mail or password");
}

/**
 * Who holds this token: valid signature, not expired, not revoked, user still there and neither
 * disabled nor deleted. Throws UNAUTHENTICATED otherwise. The expiry is
 * checked every time, the signature once per process (see `verifyToken`); the rest is one query
 * (revocation and the user together), remembered for a few seconds by the process's access cache,
 * which every process clears at once when the token is revoked or the user renamed.
 *
 * A personal access token (`parley_pat_…`, see access-tokens.ts) is recognised by its prefix
 * before any JWT verification, and checked by `authenticateAccessToken`.
 */
export async function authenticate(deps: Deps, token: string): Promise<Actor> {
  if (isAccessToken(token)) return authenticateAccessToken(deps, token);
  const claims = await verifyToken(deps, token);
  const known = deps.access.actor(claims.jti);
  if (known && known.userId === claims.userId) return known;
  const [user] = await deps.db
    .select({
      id: users.id,
      username: users.username,
      displayName: users.displayName,
      role: users.role,
      isBot: users.isBot,
      mustChangePassword: users.mustChangePassword,
    })
    .from(users)
    .where(
      and(
        eq(users.id, claims.userId),
        // A disabled or deleted account has no session.
        isNull(users.disabledAt),
        isNull(users.deletedAt),
        notExists(deps.db.select({ one: sql`1` }).from(revokedTokens).where(eq(revokedTokens.jti, claims.jti))),
        // A password change since the token was issued ended it.
        or(isNull(users.sessionsValidAfter), lte(users.sessionsValidAfter, claims.issuedAt)),
      ),
    )
    .limit(1);
  if (!user) throw new AppError("UNAUTHENTICATED", "this session has ended: log in again");
  const actor: Actor = {
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    isBot: user.isBot,
    ...(user.mustChangePassword ? { mustChangePassword: true } : {}),
    jti: claims.jti,
    tokenExpiresAt: claims.expiresAt,
    tokenIssuedAt: claims.issuedAt,
  };
  deps.access.rememberActor(actor);
  return actor;
}

/** What a session whose password an administrator reset is told wherever it is refused. */
export const CHOOSE_A_PASSWORD = "choose a new password first";

/**
 * The actor, unless an administrator reset its password and it has not chosen a new one yet:
 * FORBIDDEN then. For every transport but tRPC (which lets such a session change its password;
 * see trpc.ts): the seed-compatible REST and WebSocket, and file uploads and downloads.
 */
export function assertPasswordChosen(actor: Actor): Actor {
  if (actor.mustChangePassword) throw new AppError("FORBIDDEN", CHOOSE_A_PASSWORD);
  return actor;
}

/**
 * Changes the caller's password, given the current one, and ends every session of theirs: every
 * token issued before now stops working on every instance, and their open sockets close. Their
 * personal access tokens live on (as GitHub's do): they are revoked one by one. Answers
 * with a new session for the caller. Each check of the current password counts as a login of the
 * account before it is verified (as in `login`), so this is no way around the login limits, even
 * with many checks in flight at once.
 */
export async function changePassword(deps: Deps, actor: Actor, input: ChangePasswordInput): Promise<Session> {
  if (accessTokenIdOf(actor.jti) !== null) {
    // A leaked token must not be a way to take the account over.
    throw new AppError("FORBIDDEN", "a personal access token cannot change the password: sign in with the password");
  }
  const key = foldName(actor.username);
  await deps.limits.take("loginPerAccount", key);
  const [user] = await deps.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError("FORBIDDEN", "the current password is not right");
  }
  await deps.limits.forgive("loginPerAccount", key);
  // Tokens' `iat` are whole seconds: every token issued up to this second has ended, and the new
  // session counts as issued at the next one (well within the clock skew verification allows).
  const validAfter = new Date((Math.floor(deps.clock().getTime() / 1000) + 1) * 1000);
  const [changed] = await deps.db
    .update(users)
    .set({
      passwordHash: await hashPassword(input.newPassword),
      sessionsValidAfter: validAfter,
      mustChangePassword: false,
      updatedAt: new Date(),
    })
    .where(eq(users.id, actor.userId))
    .returning();
  if (!changed) throw new AppError("UNAUTHENTICATED", "this session has ended: log in again");
  deps.access.forgetUser(actor.userId);
  await deps.bus.publish({ type: "access.sessions-ended", userId: actor.userId, validAfter: validAfter.toISOString() });
  return sessionFor(deps, changed, validAfter);
}

/**
 * Revokes the caller's token everywhere: it is stored in PostgreSQL, which every instance and
 * every transport checks, and announced on the bus so that open sockets close. A personal access
 * token is not a session: logout refuses it (BAD_INPUT) rather than revoke it unasked.
 */
export async function logout(deps: Deps, actor: Actor): Promise<void> {
  refuseLogoutWithAccessToken(actor);
  await deps.db.insert(revokedTokens).values({ jti: actor.jti, expiresAt: actor.tokenExpiresAt }).onConflictDoNothing();
  deps.access.forgetSession(actor.jti);
  await purgeExpiredRevocations(deps);
  await deps.bus.publish({ type: "access.session-revoked", jti: actor.jti });
  await deps.bus.publish({ type: "user.session-revoked", userId: actor.userId, jti: actor.jti });
}

/** A revoked token that has expired fails on its own: its row is no longer needed. */
export async function purgeExpiredRevocations(deps: Pick<Deps, "db" | "clock">): Promise<void> {
  await deps.db.delete(revokedTokens).where(lt(revokedTokens.expiresAt, deps.clock()));
}

export async function me(deps: Deps, actor: Actor): Promise<Profile> {
  const [user] = await deps.db.select().from(users).where(eq(users.id, actor.userId));
  if (!user) throw new AppError("UNAUTHENTICATED", "this account no longer exists");
  return profileOf(user);
}
