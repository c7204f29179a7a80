import { z } from "zod";
import { Id, IsoDate, pageOf, storable, UNSTORABLE_WORDS } from "./common";
import { DisplayName, PublicUser, Username } from "./users";

/** A personal access token's name, as its owner tells it apart from the others (1–100 characters). */
export const AccessTokenName = z
  .string({ error: "the token's name must be a string" })
  .trim()
  .min(1, "the token needs a name")
  .max(100, "the token's name must be at most 100 characters")
  .refine(storable, `the token's name ${UNSTORABLE_WORDS}`);

/** When a new token stops working: an ISO 8601 time in the future, or null (or absent) for never. */
export const AccessTokenExpiry = z.iso
  .datetime({ offset: true, error: "the expiry must be an ISO 8601 date and time, such as 2027-01-31T00:00:00Z" })
  .nullable()
  .optional();

export const CreateAccessTokenInput = z.object({ name: AccessTokenName, expiresAt: AccessTokenExpiry });
export type CreateAccessTokenInput = z.infer<typeof CreateAccessTokenInput>;

export const AccessTokenRef = z.object({ tokenId: Id });

/** A token as its owner (or an administrator, for a bot's) sees it in a list: never its secret. */
export const AccessTokenOut = z.object({
  id: Id,
  name: z.string(),
  /** The token's first characters (`parley_pat_` and four more), to tell tokens apart. */
  prefix: z.string(),
  createdAt: IsoDate,
  /** Null: it never expires. */
  expiresAt: IsoDate.nullable(),
  /** Null: never used yet. Updated at most once a minute. */
  lastUsedAt: IsoDate.nullable(),
});
export type AccessTokenOut = z.infer<typeof AccessTokenOut>;

/** A new token: `token` is its secret, shown this once and stored only as a SHA-256 hash. */
export const CreatedAccessToken = z.object({ token: z.string(), accessToken: AccessTokenOut });
export type CreatedAccessToken = z.infer<typeof CreatedAccessToken>;

export const CreateBotInput = z.object({ username: Username, displayName: DisplayName.optional() });
export type CreateBotInput = z.infer<typeof CreateBotInput>;
export const BotRef = z.object({ botId: Id });
export const CreateBotTokenInput = CreateAccessTokenInput.extend({ botId: Id });
export type CreateBotTokenInput = z.infer<typeof CreateBotTokenInput>;
export const BotTokenRef = z.object({ botId: Id, tokenId: Id });

export const BotOut = PublicUser;

/** One account's token, as an administrator names it (`admin.revokeUserToken`). */
export const UserTokenRef = z.object({ userId: Id, tokenId: Id });
export type UserTokenRef = z.infer<typeof UserTokenRef>;

/** What an administrator's revocation did: how many tokens it revoked now (0: none was left to revoke). */
export const RevokedTokens = z.object({ revoked: z.number().int().nonnegative() });
export type RevokedTokens = z.infer<typeof RevokedTokens>;

/** A bot as the administration's Bots tab lists it. */
export const AdminBot = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string().nullable(),
  /** When an administrator disabled it (its tokens are refused meanwhile); null: enabled. */
  disabledAt: IsoDate.nullable(),
  createdAt: IsoDate,
  /** The administrator who created it, as the audit log's `bot.created` record says; null if none says so. */
  createdBy: z.object({ id: Id, username: z.string() }).nullable(),
  /** How many rooms (not direct conversations) it is a member of. */
  roomCount: z.number().int().nonnegative(),
  /** How many of its tokens work: neither revoked nor expired. */
  activeTokenCount: z.number().int().nonnegative(),
});
export type AdminBot = z.infer<typeof AdminBot>;
export const AdminBotsPage = pageOf(AdminBot);
