import type { Actor, Deps, Logger } from "@parley/api";
import { accessChannel, type SessionsEndedReason } from "@parley/api/bus";
import { accessTokens, sqlArrays } from "@parley/api/services";
import { schema } from "@parley/db";
import { and, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { RealtimeEnv } from "../env";
import { CloseCode } from "./close-codes";
import type { Connection, Connections } from "./connections";

const { intArray, textArray } = sqlArrays;

/** Later than any token's issue: every session of a disabled or deleted account has ended. */
const END_OF_TIME = new Date(8.64e15);

export interface SessionWatch {
  /** Closes the socket when its session is revoked (on any instance), ends, or expires. */
  watch(connection: Connection, actor: Actor): void;
  /**
   * A tRPC socket that has not signed in within WS_SIGN_IN_WITHIN_MS is closed: idle anonymous
   * sockets cost memory and file handles. (Anonymous seed listeners of the lobby are not idle.)
   */
  closeUnlessSignedIn(connection: Connection): void;
  /** Stops watching (the bus and the periodic check). */
  stop(): void;
}

type Settings = Pick<RealtimeEnv, "SESSION_CHECK_MS" | "WS_SIGN_IN_WITHIN_MS">;

/**
 * Sockets closed within seconds when their token is revoked (a logout on any instance, announced
 * on the bus), when the user's password changes (every session issued before it ends), or when
 * the token expires. The database is checked too, every SESSION_CHECK_MS: the bus between
 * processes may drop an event. A personal access token (jti `pat:<id>`) ends when it is revoked
 * or expires, not when its owner's password changes (see services/access-tokens.ts).
 */
export function watchSessions(deps: Deps, log: Logger, connections: Connections, settings: Settings): SessionWatch {
  function closeForSession(connection: Connection, reason: string) {
    connection.ws.close(CloseCode.sessionEnded, reason);
    setTimeout(() => connection.ws.terminate(), 1000).unref();
  }

  /** Open sockets by session (jti): a logout on any instance closes that session's at once. */
  const bySession = new Map<string, Set<Connection>>();
  const stopWatching = new AbortController();
  void (async () => {
    for await (const event of await deps.bus.subscribe(accessChannel, stopWatching.signal)) {
      if (event.type === "access.session-revoked") {
        for (const connection of bySession.get(event.jti) ?? []) closeForSession(connection, "token revoked");
      } else if (event.type === "access.sessions-ended") {
        closeSessionsBefore(event.userId, new Date(event.validAfter), event.reason);
      }
    }
  })().catch((error: unknown) => log.warn({ err: error }, "the session watch stopped"));

  function watch(connection: Connection, actor: Actor) {
    const sockets = bySession.get(actor.jti) ?? new Set<Connection>();
    bySession.set(actor.jti, sockets.add(connection));
  }
  connections.onClose((connection) => {
    const jti = connection.actor?.jti;
    const sockets = jti === undefined ? undefined : bySession.get(jti);
    if (!jti || !sockets?.delete(connection)) return;
    if (sockets.size === 0) bySession.delete(jti);
  });

  /**
   * Closes the user's sockets signed in with a token issued before `validAfter` (a password change,
   * or an administrator's disabling, deletion or password reset: `reason` says which).
   */
  function closeSessionsBefore(userId: number, validAfter: Date, reason: SessionsEndedReason = "password changed") {
    const keepsAccessTokens = reason === "password changed" || reason === "password reset";
    for (const c of connections) {
      if (c.actor?.userId !== userId || c.actor.tokenIssuedAt >= validAfter) continue;
      // A new password leaves personal access tokens working (as GitHub's do); disabling or
      // deleting the account ends them too (`authenticate` refuses them from then on). An
      // administrator's password reset revokes the tokens as well: their sockets close through
      // `access.session-revoked`, as for any revoked token.
      if (keepsAccessTokens && accessTokens.accessTokenIdOf(c.actor.jti) !== null) continue;
      closeForSession(c, reason);
    }
  }

  // The database is checked too, every few seconds: the bus between processes may drop an event.
  const sessionCheck = setInterval(async () => {
    const now = Date.now();
    const signedIn = [...connections].filter((c) => c.actor);
    for (const c of signedIn) if ((c.actor?.tokenExpiresAt.getTime() ?? 0) <= now) closeForSession(c, "token expired");
    const jtis = [...new Set(signedIn.map((c) => c.actor?.jti ?? ""))];
    if (jtis.length === 0) return;
    try {
      // One array parameter each, not one parameter per session: thousands of sockets are checked.
      const revoked = await deps.db
        .select({ jti: schema.revokedTokens.jti })
        .from(schema.revokedTokens)
        .where(sql`${schema.revokedTokens.jti} = any(${textArray(jtis)})`);
      const gone = new Set(revoked.map((r) => r.jti));
      for (const jti of gone) deps.access.forgetSession(jti); // in case its announcement was lost
      for (const c of signedIn) if (c.actor && gone.has(c.actor.jti)) closeForSession(c, "token revoked");
      const userIds = [...new Set(signedIn.map((c) => c.actor?.userId ?? 0))];
      const { users } = schema;
      const changed = await deps.db
        .select({
          id: users.id,
          validAfter: users.sessionsValidAfter,
          disabled: isNotNull(users.disabledAt),
          deleted: isNotNull(users.deletedAt),
        })
        .from(users)
        .where(
          and(
            sql`${users.id} = any(${intArray(userIds)})`,
            or(isNotNull(users.sessionsValidAfter), isNotNull(users.disabledAt), isNotNull(users.deletedAt)),
          ),
        );
      for (const { id, validAfter, disabled, deleted } of changed) {
        if (deleted) closeSessionsBefore(id, END_OF_TIME, "account deleted");
        else if (disabled) closeSessionsBefore(id, END_OF_TIME, "account disabled");
        else if (validAfter) closeSessionsBefore(id, validAfter);
      }
      await closeEndedAccessTokens(signedIn);
    } catch (error) {
      log.warn({ err: error }, "could not re-check sessions");
    }
  }, settings.SESSION_CHECK_MS);
  sessionCheck.unref();

  /**
   * Closes sockets signed in with a personal access token that is revoked (or gone with its bot).
   * Its expiry is the actor's `tokenExpiresAt`, checked above.
   */
  async function closeEndedAccessTokens(signedIn: Connection[]) {
    const ids = [...new Set(signedIn.map((c) => accessTokens.accessTokenIdOf(c.actor?.jti ?? "")))].filter(
      (id): id is number => id !== null,
    );
    if (ids.length === 0) return;
    const { accessTokens: table } = schema;
    const live = await deps.db
      .select({ id: table.id })
      .from(table)
      .where(and(sql`${table.id} = any(${intArray(ids)})`, isNull(table.revokedAt)));
    const alive = new Set(live.map((row) => accessTokens.accessTokenJti(row.id)));
    for (const id of ids) {
      const jti = accessTokens.accessTokenJti(id);
      if (alive.has(jti)) continue;
      deps.access.forgetSession(jti); // in case its announcement was lost
      for (const c of signedIn) if (c.actor?.jti === jti) closeForSession(c, "token revoked");
    }
  }

  /**
   * Anonymous tRPC sockets in the order they opened, so in the order their time to sign in ends:
   * one timer for the process (at the oldest one's deadline), not one per socket.
   */
  const awaitingSignIn: Connection[] = [];
  let signInCheck: NodeJS.Timeout | undefined;
  function checkSignIns() {
    signInCheck = undefined;
    const due = Date.now() - settings.WS_SIGN_IN_WITHIN_MS;
    let passed = 0;
    for (const connection of awaitingSignIn) {
      if (connection.openedAt > due) break;
      passed++;
      if (!connection.actor && connection.ws.readyState === connection.ws.OPEN) {
        closeForSession(connection, `sign in within ${settings.WS_SIGN_IN_WITHIN_MS} ms`);
      }
    }
    awaitingSignIn.splice(0, passed);
    scheduleSignInCheck();
  }
  function scheduleSignInCheck() {
    const next = awaitingSignIn[0];
    if (signInCheck || !next) return;
    signInCheck = setTimeout(checkSignIns, Math.max(0, next.openedAt + settings.WS_SIGN_IN_WITHIN_MS - Date.now()));
    signInCheck.unref();
  }

  function closeUnlessSignedIn(connection: Connection) {
    awaitingSignIn.push(connection);
    scheduleSignInCheck();
  }

  return {
    watch,
    closeUnlessSignedIn,
    stop() {
      clearInterval(sessionCheck);
      clearTimeout(signInCheck);
      awaitingSignIn.length = 0;
      stopWatching.abort();
    },
  };
}
