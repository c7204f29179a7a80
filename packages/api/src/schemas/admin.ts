import { z } from "zod";
import { Id, IsoDate, ListCursor, PageLimit, pageOf, SearchText } from "./common";
import { Password, UserRef } from "./users";

/** What administrators read and send (`admin.*`): accounts, rooms and the audit log. */

/** An account as the administration lists it: more than the public directory shows. */
export const AdminUser = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string().nullable(),
  email: z.string().nullable(),
  role: z.enum(["member", "admin"]),
  isBot: z.boolean(),
  /** When an administrator disabled it; null: enabled. */
  disabledAt: IsoDate.nullable(),
  /** When an administrator deleted it; null: not deleted. */
  deletedAt: IsoDate.nullable(),
  mustChangePassword: z.boolean(),
  createdAt: IsoDate,
});
export type AdminUser = z.infer<typeof AdminUser>;
export const AdminUsersPage = pageOf(AdminUser);

/** A page of a list searched by a piece of text, newest (highest id) first. */
export const AdminListInput = z.object({ search: SearchText, limit: PageLimit, cursor: ListCursor.optional() });
export type AdminListInput = z.infer<typeof AdminListInput>;

export const AdminUserInput = z.object({ userId: Id });
export type AdminUserInput = z.infer<typeof AdminUserInput>;

export const SetRoleInput = z.object({
  userId: Id,
  role: z.enum(["member", "admin"], { error: 'role must be "member" or "admin"' }),
});
export type SetRoleInput = z.infer<typeof SetRoleInput>;

/** The temporary password an administrator sets; the user must choose a new one at the next sign-in. */
export const ResetPasswordInput = z.object({ userId: Id, temporaryPassword: Password });
export type ResetPasswordInput = z.infer<typeof ResetPasswordInput>;

/** A room as the administration lists it: with how many members it has and who owns it. */
export const AdminRoom = z.object({
  id: Id,
  name: z.string(),
  isPrivate: z.boolean(),
  topic: z.string().nullable(),
  memberCount: z.number().int().nonnegative(),
  owner: z.object({ id: Id, username: z.string() }).nullable(),
  /** One of Parley's own rooms (the lobby): it cannot be deleted. */
  builtin: z.boolean(),
  createdAt: IsoDate,
});
export type AdminRoom = z.infer<typeof AdminRoom>;
export const AdminRoomsPage = pageOf(AdminRoom);

export const AdminRoomInput = z.object({ roomId: Id });
export type AdminRoomInput = z.infer<typeof AdminRoomInput>;

/** Hands a room to a new owner, who becomes a member if not one already. */
export const TransferRoomInput = z.object({ roomId: Id, user: UserRef });
export type TransferRoomInput = z.infer<typeof TransferRoomInput>;

export const AuditListInput = z.object({
  /** Only records of this action ("user.disabled"). */
  action: z
    .string()
    .trim()
    .max(64, "action must be at most 64 characters")
    .regex(/^[a-z.-]*$/, "action may hold only lower-case letters, '.' and '-'")
    .optional(),
  limit: PageLimit,
  cursor: ListCursor.optional(),
});
export type AuditListInput = z.infer<typeof AuditListInput>;

export const AuditRecord = z.object({
  id: z.number().int(),
  /** Who did it; null when that account is gone. */
  actor: z.object({ id: Id, username: z.string() }).nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  createdAt: IsoDate,
});
export type AuditRecord = z.infer<typeof AuditRecord>;
export const AuditPage = pageOf(AuditRecord);
