import { schema } from "@parley/db";
import type { Actor, Deps } from "../deps";

/** What an audit record says was done: a dotted verb ("user.disabled") to one target. */
export interface AuditEntry {
  action: string;
  /** "user", "room", "invite", "settings", "hook", "token". */
  targetType: string;
  targetId?: string | number | null;
  /** The particulars (old and new values, names): JSON, at most a few hundred bytes. */
  detail?: Record<string, unknown>;
}

/**
 * Records an administrator's (or a room owner's administrative) action in the audit log.
 * `db` may be a transaction, so that the record commits with the action or not at all.
 */
export async function recordAudit(db: Deps["db"], actor: Pick<Actor, "userId"> | null, entry: AuditEntry) {
  await db.insert(schema.auditLog).values({
    actorId: actor?.userId ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId == null ? null : String(entry.targetId),
    detail: entry.detail ?? {},
  });
}
