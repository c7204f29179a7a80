import { z } from "zod";
import {
  ClientMessageId,
  DisplayName,
  Email,
  ListCursor,
  MessageText,
  Password,
  RoomName,
  storable,
  UNSTORABLE_WORDS,
  Username,
} from "../schemas";
import { SeedId } from "./fields";

/** Bodies of the seed endpoints, by their normalized keys (see `normalizeKeys`). */
export const RegisterBody = z.object({
  username: Username,
  password: Password,
  email: Email.optional(),
  name: DisplayName.optional(),
});
/** Seeds log in with an e-mail or a username; either is Parley's `login`. */
export const LoginBody = z
  .object({
    email: z.string().trim().max(254).refine(storable, `email ${UNSTORABLE_WORDS}`).optional(),
    username: z.string().trim().max(254).refine(storable, `username ${UNSTORABLE_WORDS}`).optional(),
    password: z.string().min(1).max(256),
  })
  .refine((b) => b.email || b.username, "give an email or a username")
  .transform((b) => ({ login: b.email || b.username || "", password: b.password }));
export const SignupBody = z.object({ username: Username, email: Email, password: Password });
export const RenameBody = z.object({ username: Username });
export const CreateRoomBody = z.object({ name: RoomName, isprivate: z.boolean().default(false) });
export const RoomBody = z.object({ roomid: SeedId });
export const InviteBody = z.object({ roomid: SeedId, userid: SeedId });
export const ChatCreateBody = z.object({ name: RoomName });
export const MessagesBody = z.object({ lastid: z.coerce.number().int().min(0).default(0) });
/** Parley's own REST send: the text, and an optional key that makes a retried send store nothing twice. */
export const SendBody = z.object({ text: MessageText, clientid: ClientMessageId.optional() });

/** The most users or rooms a seed list answers at once (the seeds' lists had no paging). */
export const MAX_LISTED = 1000;

/**
 * Parley's paging of the seeds' lists, in the query string: `?limit=` (1 to MAX_LISTED, the
 * default) and `?cursor=` (a list's `next_cursor`/`nextCursor`, as the answer gave it).
 */
export const ListQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "limit: must be a whole number")
    .transform(Number)
    .pipe(z.number().min(1, "limit: must be at least 1").max(MAX_LISTED, `limit: must be at most ${MAX_LISTED}`))
    .optional(),
  cursor: ListCursor.optional(),
});
