import { z } from "zod";
import { Id, IsoDate, storable, UNSTORABLE_WORDS } from "./common";

export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_PAGE = 100;

export const MessageText = z
  .string({ error: "message text must be a string" })
  .trim()
  .min(1, "message must not be empty")
  .max(MAX_MESSAGE_LENGTH, `message must be at most ${MAX_MESSAGE_LENGTH} characters`)
  .refine(storable, `message ${UNSTORABLE_WORDS}`);

export const ClientMessageId = z
  .string()
  .trim()
  .min(1)
  .max(64, "clientId must be at most 64 characters")
  .refine(storable, `clientId ${UNSTORABLE_WORDS}`)
  .describe("the sender's own id for the message: a retry with the same id returns the same message");

export const SendMessageInput = z.object({ roomId: Id, text: MessageText, clientId: ClientMessageId.optional() });
export type SendMessageInput = z.infer<typeof SendMessageInput>;

const Seq = z.number().int().min(0);
export const HistoryInput = z
  .object({
    roomId: Id,
    /** Messages with a smaller sequence number, newest first. */
    before: Seq.optional(),
    /** Messages with a larger sequence number, oldest first. */
    after: Seq.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .refine((v) => v.before === undefined || v.after === undefined, "give either before or after, not both");
export type HistoryInput = z.infer<typeof HistoryInput>;

export const RoomEventsInput = z.object({
  roomId: Id,
  /**
   * The last sequence number the client has, as the stream sent it (its tracked id: digits, no
   * sign, no leading zero): the stream replays everything after it. Anything else is refused.
   */
  lastEventId: z
    .string()
    .regex(/^(0|[1-9]\d{0,15})$/, "lastEventId: must be a sequence number this server sent (digits only)")
    .refine((id) => Number.isSafeInteger(Number(id)), "lastEventId: must be a sequence number this server sent")
    .nullish(),
});
export type RoomEventsInput = z.infer<typeof RoomEventsInput>;

export const Notice = z.discriminatedUnion("event", [
  z.object({ event: z.literal("joined"), userId: z.number(), username: z.string() }),
  z.object({ event: z.literal("left"), userId: z.number(), username: z.string() }),
  z.object({ event: z.literal("invited"), userId: z.number(), username: z.string(), byUserId: z.number() }),
  z.object({ event: z.literal("renamed"), userId: z.number(), from: z.string(), to: z.string() }),
]);

export const MessageOut = z.object({
  /** A `bigint` column, unlike room and user ids. */
  id: z.number().int().positive(),
  roomId: Id,
  seq: z.number().int().positive(),
  kind: z.enum(["text", "system"]),
  author: z.object({ id: Id, username: z.string(), displayName: z.string().nullable() }).nullable(),
  body: z.string(),
  notice: Notice.nullable(),
  clientId: z.string().nullable(),
  createdAt: IsoDate,
});
export type MessageOut = z.infer<typeof MessageOut>;

export const HistoryPage = z.object({
  items: z.array(MessageOut),
  /** Whether more messages lie further in the direction asked for. */
  hasMore: z.boolean(),
});
export type HistoryPage = z.infer<typeof HistoryPage>;
