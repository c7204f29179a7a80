import { z } from "zod";
import { Id, IsoDate, storable, UNSTORABLE_WORDS } from "./common";
import { IncomingWebhookName } from "./webhooks";

/** An outgoing webhook's id (a UUID, as `outgoing_webhooks.id`). */
export const OutgoingWebhookId = z.uuid("hookId must be an outgoing webhook's id (a UUID)");

/** The receiver's address: http or https, at most 2,048 characters. */
export const OutgoingWebhookUrl = z
  .url({ protocol: /^https?$/, error: "url must be an http or https URL" })
  .max(2048, "url must be at most 2,048 characters")
  .refine(storable, `url ${UNSTORABLE_WORDS}`);

/**
 * A trigger word: one word (no spaces), 1–32 characters, compared with a message's first word
 * ignoring the case of ASCII letters only (A–Z), as migration 0011's trigger compares them
 * (`lower(… COLLATE "C")`): stored with those lower-cased, the rest as written.
 */
const TriggerWord = z
  .string({ error: "each trigger word must be a string" })
  .trim()
  .min(1, "a trigger word must not be empty")
  .max(32, "a trigger word must be at most 32 characters")
  .regex(/^\S+$/, "a trigger word must be one word, without spaces")
  .refine(storable, `a trigger word ${UNSTORABLE_WORDS}`)
  .transform((word) => word.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()));

/** At most 10 trigger words, duplicates (ignoring case) removed. Empty: every message fires the hook. */
export const TriggerWords = z
  .array(TriggerWord, { error: "triggerWords must be a list of words" })
  .max(10, "at most 10 trigger words")
  .transform((words) => [...new Set(words)]);

export const CreateOutgoingWebhookInput = z.object({
  roomId: Id,
  name: IncomingWebhookName,
  url: OutgoingWebhookUrl,
  triggerWords: TriggerWords.default([]),
});
export type CreateOutgoingWebhookInput = z.input<typeof CreateOutgoingWebhookInput>;

export const UpdateOutgoingWebhookInput = z.object({
  hookId: OutgoingWebhookId,
  name: IncomingWebhookName.optional(),
  url: OutgoingWebhookUrl.optional(),
  triggerWords: TriggerWords.optional(),
});
export type UpdateOutgoingWebhookInput = z.input<typeof UpdateOutgoingWebhookInput>;

export const OutgoingWebhookRef = z.object({ hookId: OutgoingWebhookId });

/** An outgoing webhook as its room's owner sees it (its signing secret only when made or rotated). */
export const OutgoingWebhookOut = z.object({
  id: OutgoingWebhookId,
  roomId: Id,
  name: z.string(),
  url: z.string(),
  /** Lower-cased; empty: every message by a person fires the hook. */
  triggerWords: z.array(z.string()),
  /** The bot account a receiver's reply is posted as. */
  bot: z.object({ id: Id, username: z.string() }),
  createdAt: IsoDate,
});
export type OutgoingWebhookOut = z.infer<typeof OutgoingWebhookOut>;

/** A hook with its signing secret, answered once (when it is made, or its secret rotated). */
export const OutgoingWebhookWithSecret = OutgoingWebhookOut.extend({
  secret: z.string().describe("whsec_…: verify each request's webhook-signature with it (Standard Webhooks)"),
});
export type OutgoingWebhookWithSecret = z.infer<typeof OutgoingWebhookWithSecret>;

export const DeliveryState = z.enum(["pending", "queued", "retrying", "delivered", "failed", "skipped"]);

/**
 * One try at a delivery: when, how long (milliseconds; null when unknown, for an attempt whose
 * server stopped during it), the HTTP status (null: none came) and what went wrong.
 */
export const DeliveryAttemptOut = z.object({
  at: IsoDate,
  ms: z.number().nullable(),
  status: z.number().nullable(),
  error: z.string().nullable(),
});

/** One message sent (or being sent) to a hook, with every attempt: the owner's delivery log. */
export const DeliveryOut = z.object({
  /** Also the request's `webhook-id` header. */
  id: z.uuid(),
  messageId: Id,
  /** The message's first 120 characters ('' once it is deleted). */
  excerpt: z.string(),
  triggerWord: z.string().nullable(),
  state: DeliveryState,
  attempts: z.array(DeliveryAttemptOut),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type DeliveryOut = z.infer<typeof DeliveryOut>;

/** Where a page of the delivery log ended: its last delivery's time (ISO 8601, milliseconds) and id, joined by "~". */
export const DeliveryCursor = z
  .string()
  .regex(
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    "cursor must be a delivery log page's next cursor",
  )
  // A real instant, written as toISOString writes it (no 2026-02-30, no year 0).
  .refine((cursor) => {
    const at = cursor.slice(0, 24);
    const time = Date.parse(at);
    return !Number.isNaN(time) && time > 0 && new Date(time).toISOString() === at;
  }, "cursor must be a delivery log page's next cursor");

export const DeliveriesInput = z.object({
  hookId: OutgoingWebhookId,
  /** The page's size (1–100). */
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** The previous page's `next`: the deliveries older than its end. */
  cursor: DeliveryCursor.optional(),
});

export const DeliveriesPage = z.object({
  deliveries: z.array(DeliveryOut),
  /** Pass as `cursor` for the next (older) page; null at the end. */
  next: DeliveryCursor.nullable(),
});
export type DeliveriesPage = z.infer<typeof DeliveriesPage>;

/**
 * The JSON body of every request to a receiver: Standard Webhooks' envelope (`type`, `timestamp`,
 * `data`). The receiver may answer 2xx with `{"text": "…"}`: the text is posted in the room as the
 * hook's bot (Slack's and Mattermost's outgoing webhooks answer the same way).
 */
export const OutgoingWebhookPayload = z.object({
  type: z.literal("message.created"),
  timestamp: IsoDate,
  data: z.object({
    hook: z.object({ id: OutgoingWebhookId, name: z.string() }),
    room: z.object({ id: Id, name: z.string() }),
    message: z.object({
      id: Id,
      seq: z.number().int(),
      text: z.string(),
      parentId: Id.nullable(),
      createdAt: IsoDate,
    }),
    author: z.object({ id: Id, username: z.string(), displayName: z.string().nullable() }),
    /** The trigger word the message began with (lower-cased); null for a hook without trigger words. */
    triggerWord: z.string().nullable(),
  }),
});
export type OutgoingWebhookPayload = z.infer<typeof OutgoingWebhookPayload>;
