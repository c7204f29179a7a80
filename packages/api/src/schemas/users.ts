import { z } from "zod";
import { Id, IsoDate, pageOf, storable, UNSTORABLE_WORDS } from "./common";
import { InviteSecret } from "./registration";

export const Username = z
  .string({ error: "username must be a string" })
  .trim()
  .normalize("NFC") // an accent typed as a separate mark is the same letter (and passes the letters-only rule)
  .min(2, "username must be at least 2 characters")
  .max(32, "username must be at most 32 characters")
  .regex(/^[\p{L}\p{N}_.-]+$/u, "username may hold only letters, digits, '_', '.' and '-'");
export const Password = z
  .string({ error: "password must be a string" })
  .min(4, "password must be at least 4 characters")
  .max(256, "password must be at most 256 characters")
  .refine(storable, `password ${UNSTORABLE_WORDS}`);
export const Email = z.string().trim().max(254).pipe(z.email("email must be an e-mail address"));
export const DisplayName = z
  .string()
  .trim()
  .min(1, "name must not be empty")
  .max(64, "name must be at most 64 characters")
  .refine(storable, `name ${UNSTORABLE_WORDS}`);

export const ChangePasswordInput = z.object({
  currentPassword: z
    .string({ error: "the current password is required" })
    .min(1, "the current password is required")
    .max(256),
  newPassword: Password,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const RegisterInput = z.object({
  username: Username,
  password: Password,
  email: Email.optional(),
  displayName: DisplayName.optional(),
  /** An administrator's invite link's secret: needed while registration is by invite. */
  invite: InviteSecret.optional(),
});
export type RegisterInput = z.infer<typeof RegisterInput>;

export const LoginInput = z.object({
  /** A username or an e-mail address. */
  login: z
    .string()
    .trim()
    .min(1, "username or email is required")
    .max(254)
    .refine(storable, `username or email ${UNSTORABLE_WORDS}`),
  password: z.string().min(1, "password is required").max(256),
});
export type LoginInput = z.infer<typeof LoginInput>;

export const RenameInput = z.object({ username: Username });
export const UpdateProfileInput = z.object({ displayName: DisplayName.nullable() });

export const PublicUser = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string().nullable(),
  /** A bot account (see services/bots.ts): clients mark its name. */
  isBot: z.boolean(),
  createdAt: IsoDate,
  /** The account was deleted by an administrator: clients show "deleted user". Absent otherwise. */
  deleted: z.literal(true).optional(),
});
export type PublicUser = z.infer<typeof PublicUser>;

export const Profile = PublicUser.extend({ email: z.string().nullable(), updatedAt: IsoDate });
export type Profile = z.infer<typeof Profile>;

export const Session = z.object({
  token: z.string(),
  expiresAt: IsoDate,
  user: Profile,
  /** An administrator reset the password: the session is good only for choosing a new one. */
  mustChangePassword: z.literal(true).optional(),
});
export type Session = z.infer<typeof Session>;

/** A username as a client names somebody by: looked up whatever its case, never stored. */
export const UsernameRef = z.string().trim().min(1).max(32).refine(storable, `username ${UNSTORABLE_WORDS}`);
export const UserRef = z.union([z.object({ userId: Id }), z.object({ username: UsernameRef })]);
export type UserRef = z.infer<typeof UserRef>;

export const DirectoryPage = pageOf(PublicUser);

/** The most people one presence subscription watches (a sidebar, a member list and a people page). */
export const MAX_WATCHED_USERS = 500;

/**
 * `events.presence`: whom the caller watches, and whether the caller's client is idle (no input
 * for a while, or its tab hidden) for as long as this subscription runs.
 */
export const PresenceInput = z.object({
  userIds: z
    .array(Id, { error: "userIds must be a list of user ids" })
    .max(MAX_WATCHED_USERS, `a presence subscription may watch at most ${MAX_WATCHED_USERS} users`),
  away: z.boolean({ error: "away must be true or false" }),
});
export type PresenceInput = z.infer<typeof PresenceInput>;
