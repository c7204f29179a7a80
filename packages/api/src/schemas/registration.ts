import { z } from "zod";
import { Id, IsoDate } from "./common";

/** Who may create an account: anyone, holders of an administrator's invite link, or nobody. */
export const RegistrationPolicy = z.enum(["open", "invite", "closed"]);
export type RegistrationPolicy = z.infer<typeof RegistrationPolicy>;

/** An invite link's secret, as it appears after `?invite=` (base64url, 32 characters). */
export const InviteSecret = z
  .string()
  .trim()
  .min(1, "the invite is empty")
  .max(128, "the invite is too long: copy the whole link again")
  .regex(/^[A-Za-z0-9_-]+$/, "the invite has characters no invite link has: copy the whole link again");

export const RegistrationStateInput = z.object({ invite: InviteSecret.optional() }).optional();

export const RegistrationState = z.object({
  policy: RegistrationPolicy,
  /** Only when an invite was asked about: whether it can still create an account. */
  inviteValid: z.boolean().optional(),
});
export type RegistrationState = z.infer<typeof RegistrationState>;

/** The most accounts one invite link may create. */
export const MAX_INVITE_USES = 1000;
/** The longest an invite link may live, in hours (90 days). */
export const MAX_INVITE_HOURS = 24 * 90;

export const CreateRegistrationInviteInput = z.object({
  /** How many accounts it may create; 1 (single-use) by default. */
  maxUses: z.number().int().min(1, "an invite must allow at least one account").max(MAX_INVITE_USES).optional(),
  /** How long it lives, in hours; a week by default. */
  expiresInHours: z
    .number()
    .int()
    .min(1, "an invite must live at least an hour")
    .max(MAX_INVITE_HOURS, `an invite may live at most ${MAX_INVITE_HOURS / 24} days`)
    .optional(),
});
export type CreateRegistrationInviteInput = z.infer<typeof CreateRegistrationInviteInput>;

export const RegistrationInviteOut = z.object({
  id: Id,
  createdBy: Id.nullable(),
  createdAt: IsoDate,
  expiresAt: IsoDate,
  maxUses: z.number().int(),
  uses: z.number().int(),
  state: z.enum(["active", "used-up", "expired", "revoked"]),
});
export type RegistrationInviteOut = z.infer<typeof RegistrationInviteOut>;

export const CreatedRegistrationInvite = RegistrationInviteOut.extend({
  /** The link's secret: shown once, never again. */
  token: z.string(),
  /** The sign-up page's path with the invite, to put after the server's address. */
  path: z.string(),
});
export type CreatedRegistrationInvite = z.infer<typeof CreatedRegistrationInvite>;
