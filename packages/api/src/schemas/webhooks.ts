import { z } from "zod";
import { Id, IsoDate, storable, UNSTORABLE_WORDS } from "./common";

/** An incoming webhook's id (a UUID, as `incoming_webhooks.id`). */
export const IncomingWebhookId = z.uuid("hookId must be a webhook's id (a UUID)");

/** What an incoming webhook is called: the name its bot shows unless a payload overrides it. */
export const IncomingWebhookName = z
  .string({ error: "name must be a string" })
  .trim()
  .min(1, "name must not be empty")
  .max(64, "name must be at most 64 characters")
  .refine(storable, `name ${UNSTORABLE_WORDS}`);

export const CreateIncomingWebhookInput = z.object({
  roomId: Id,
  name: IncomingWebhookName,
  /** Whether a payload's `username` and `icon_url` may change the name and picture its message shows. */
  allowOverrides: z.boolean().default(true),
});
export type CreateIncomingWebhookInput = z.input<typeof CreateIncomingWebhookInput>;

export const IncomingWebhookRef = z.object({ hookId: IncomingWebhookId });
export type IncomingWebhookRef = z.infer<typeof IncomingWebhookRef>;

export const RoomWebhooksInput = z.object({ roomId: Id });

/** An incoming webhook as its room's owner sees it: never its secret (only its hash is stored). */
export const IncomingWebhookOut = z.object({
  id: IncomingWebhookId,
  roomId: Id,
  name: z.string(),
  allowOverrides: z.boolean(),
  /** The bot account the hook's messages come from. */
  bot: z.object({ id: Id, username: z.string() }),
  createdAt: IsoDate,
});
export type IncomingWebhookOut = z.infer<typeof IncomingWebhookOut>;

/**
 * A hook with its secret URL, answered once (when it is created, or its secret rotated): `path` is
 * `/hooks/<id>/<secret>`, to be put after the server's own address (the client knows it).
 */
export const IncomingWebhookWithUrl = IncomingWebhookOut.extend({
  path: z.string().describe("/hooks/<id>/<secret>: POST Slack-shaped JSON here"),
});
export type IncomingWebhookWithUrl = z.infer<typeof IncomingWebhookWithUrl>;

/**
 * The name and picture a webhook's message shows instead of its bot's (Slack's `username` and
 * `icon_url`), stored only where the hook allows overrides.
 */
export const SenderOverrideOut = z.object({
  username: z.string().optional(),
  /** An http(s) URL. */
  iconUrl: z.string().optional(),
});
export type SenderOverrideOut = z.infer<typeof SenderOverrideOut>;
