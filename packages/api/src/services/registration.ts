import { createHash, randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { and, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Actor, Deps } from "../deps";
import { AppError, notFound } from "../errors";
import type {
  CreatedRegistrationInvite,
  CreateRegistrationInviteInput,
  RegistrationInviteOut,
  RegistrationPolicy,
  RegistrationState,
} from "../schemas";
import { recordAudit } from "./audit";

const { serverSettings, registrationInvites, users } = schema;

/** A database or a transaction of it. */
type Db = Deps["db"] | Parameters<Parameters<Deps["db"]["transaction"]>[0]>[0];

/** The policy when nobody has set one (no `server_settings` row): anyone may register. */
const DEFAULT_POLICY: RegistrationPolicy = "open";

/** Who may create an account now: the stored policy, or `open` when none is stored. */
export async function registrationPolicy(db: Db): Promise<RegistrationPolicy> {
  const [row] = await db.select({ registration: serverSettings.registration }).from(serverSettings);
  return row?.registration ?? DEFAULT_POLICY;
}

/**
 * What the sign-up page needs to know: the policy, and whether the invite it was opened with (if
 * any) can still create an account. Public: says nothing an anonymous visitor could not learn by
 * trying to register.
 */
export async function registrationState(deps: Pick<Deps, "db">, invite?: string): Promise<RegistrationState> {
  const policy = await registrationPolicy(deps.db);
  if (invite === undefined) return { policy };
  const [row] = await deps.db
    .select({ id: registrationInvites.id })
    .from(registrationInvites)
    .where(usable(invite))
    .limit(1);
  return { policy, inviteValid: row !== undefined };
}

/**
 * Sets the policy (an administrator, through the admin page), recorded in the audit log.
 * REGISTRATION at a process's start sets it too, with no actor (see `applyRegistrationSetting`).
 */
export async function setRegistrationPolicy(
  deps: Pick<Deps, "db">,
  actor: Pick<Actor, "userId"> | null,
  policy: RegistrationPolicy,
): Promise<RegistrationState> {
  await deps.db.transaction(async (tx) => {
    const before = await registrationPolicy(tx);
    await tx
      .insert(serverSettings)
      .values({ id: true, registration: policy, updatedBy: actor?.userId ?? null })
      .onConflictDoUpdate({
        target: serverSettings.id,
        set: { registration: policy, updatedAt: sql`now()`, updatedBy: actor?.userId ?? null },
      });
    if (before !== policy) {
      await recordAudit(tx, actor, {
        action: "registration.changed",
        targetType: "settings",
        targetId: "registration",
        detail: { from: before, to: policy, ...(actor ? {} : { by: "REGISTRATION at start" }) },
      });
    }
  });
  return { policy };
}

/**
 * Makes the stored policy REGISTRATION's at a process's start, when it is set: every process of a
 * deployment writes the same value, and an administrator's later change lasts until the next
 * start. Unset: the stored policy stays.
 */
export async function applyRegistrationSetting(
  deps: Pick<Deps, "db">,
  policy: RegistrationPolicy | undefined,
): Promise<void> {
  if (policy === undefined || (await registrationPolicy(deps.db)) === policy) return;
  await setRegistrationPolicy(deps, null, policy);
}

/** How long an invite link lives when its creator does not say, in hours. */
export const DEFAULT_INVITE_HOURS = 24 * 7;

/**
 * An administrator's invite link: single-use unless `maxUses` says more, expiring after
 * `expiresInHours`. The secret is shown only in this answer; the database keeps its SHA-256.
 */
export async function createRegistrationInvite(
  deps: Pick<Deps, "db" | "clock">,
  actor: Pick<Actor, "userId">,
  input: CreateRegistrationInviteInput,
): Promise<CreatedRegistrationInvite> {
  const token = randomBytes(24).toString("base64url");
  const expiresAt = new Date(deps.clock().getTime() + (input.expiresInHours ?? DEFAULT_INVITE_HOURS) * 3_600_000);
  const row = await deps.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(registrationInvites)
      .values({ tokenHash: hashOf(token), createdBy: actor.userId, expiresAt, maxUses: input.maxUses ?? 1 })
      .returning();
    if (!created) throw new Error("insert returned no row");
    await recordAudit(tx, actor, {
      action: "invite.created",
      targetType: "invite",
      targetId: created.id,
      detail: { maxUses: created.maxUses, expiresAt: created.expiresAt.toISOString() },
    });
    return created;
  });
  return { ...inviteOut(row, deps.clock()), token, path: `/signup?invite=${token}` };
}

/** Every invite link, newest first (at most 200): what the admin page lists. */
export async function listRegistrationInvites(deps: Pick<Deps, "db" | "clock">): Promise<RegistrationInviteOut[]> {
  const rows = await deps.db.select().from(registrationInvites).orderBy(desc(registrationInvites.id)).limit(200);
  const now = deps.clock();
  return rows.map((row) => inviteOut(row, now));
}

/**
 * Ends an invite link at once (NOT_FOUND for an unknown id); recorded in the audit log. Revoking a
 * revoked link changes nothing and records nothing: it answers the link as it is.
 */
export async function revokeRegistrationInvite(
  deps: Pick<Deps, "db" | "clock">,
  actor: Pick<Actor, "userId">,
  id: number,
): Promise<RegistrationInviteOut> {
  return deps.db.transaction(async (tx) => {
    // Locked, so that two revokes at once are taken one after the other: the second sees the first's.
    const [current] = await tx.select().from(registrationInvites).where(eq(registrationInvites.id, id)).for("update");
    if (!current) throw notFound("that invite link");
    if (current.revokedAt) return inviteOut(current, deps.clock());
    const [row] = await tx
      .update(registrationInvites)
      .set({ revokedAt: sql`now()` })
      .where(eq(registrationInvites.id, id))
      .returning();
    if (!row) throw notFound("that invite link");
    await recordAudit(tx, actor, { action: "invite.revoked", targetType: "invite", targetId: id });
    return inviteOut(row, deps.clock());
  });
}

/** What a new account is, as far as the server's administration is concerned. */
export interface Admission {
  role: "member" | "admin";
}

/**
 * Whether an account may be created now, inside the registering transaction `tx`:
 * - the first account of the server is its administrator (concurrent first registrations are
 *   serialised by a transaction-scoped advisory lock, so exactly one of them is);
 * - `closed`: FORBIDDEN;
 * - `invite`: FORBIDDEN without an invite link that is unrevoked, unexpired and not used up; a
 *   valid one is used once, in `tx`, so that it counts only if the account is created.
 * Throws AppError FORBIDDEN with words for the person registering.
 */
export async function admitRegistration(tx: Db, invite: string | undefined): Promise<Admission> {
  if (!(await anyUser(tx))) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('parley.first-account'))`);
    if (!(await anyUser(tx))) return { role: "admin" };
  }
  const policy = await registrationPolicy(tx);
  if (policy === "closed") {
    throw new AppError("FORBIDDEN", "registration is closed on this server: ask an administrator for an account");
  }
  if (policy === "invite") {
    if (!invite) {
      throw new AppError("FORBIDDEN", "registration on this server needs an invite link from an administrator");
    }
    const [used] = await tx
      .update(registrationInvites)
      .set({ uses: sql`${registrationInvites.uses} + 1` })
      .where(and(usable(invite), lt(registrationInvites.uses, registrationInvites.maxUses)))
      .returning({ id: registrationInvites.id });
    if (!used) {
      throw new AppError("FORBIDDEN", "this invite link is not valid: it has expired, been used up or been revoked");
    }
  }
  return { role: "member" };
}

async function anyUser(db: Db): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).limit(1);
  return row !== undefined;
}

/** The invite with this secret, if it is unrevoked, unexpired and not used up. */
function usable(invite: string) {
  return and(
    eq(registrationInvites.tokenHash, hashOf(invite)),
    isNull(registrationInvites.revokedAt),
    gt(registrationInvites.expiresAt, sql`now()`),
    lt(registrationInvites.uses, registrationInvites.maxUses),
  );
}

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

function inviteOut(row: typeof registrationInvites.$inferSelect, now: Date): RegistrationInviteOut {
  const state = row.revokedAt
    ? "revoked"
    : row.uses >= row.maxUses
      ? "used-up"
      : row.expiresAt.getTime() <= now.getTime()
        ? "expired"
        : "active";
  return {
    id: row.id,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    maxUses: row.maxUses,
    uses: row.uses,
    state,
  };
}
