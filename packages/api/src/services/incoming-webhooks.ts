import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { schema } from "@parley/db";
import { asc, count, eq, isNotNull } from "drizzle-orm";
import { z } from "zod";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import { RateLimited } from "../limits";
import {
  type CreateIncomingWebhookInput,
  IncomingWebhookId,
  type IncomingWebhookOut,
  type IncomingWebhookWithUrl,
  MAX_MESSAGE_LENGTH,
  storable,
} from "../schemas";
import { recordAudit } from "./audit";
import { assertRoomForAnotherHook, assertStillOwner, ownedRoom, retireHookBot, withNewHookBot } from "./hook-bots";
import { sendBotMessage } from "./messages";
import { SlackPayload, slackMessageText } from "./slack-payload";
import { transact } from "./transact";

/**
 * Slack-compatible incoming webhooks: a room's owner makes a secret URL, `POST /hooks/<id>/<secret>`,
 * and whatever posts Slack's message payload to it (Grafana, Prometheus Alertmanager, GitHub
 * Actions…) says it in the room, as the hook's own bot account. Only the SHA-256 of the secret is
 * stored; the URL is shown once, when the hook is made or its secret rotated.
 */

const { incomingWebhooks, users } = schema;

/** A hook's secret: 32 random bytes, base64url (43 characters). */
const newSecret = () => randomBytes(32).toString("base64url");
/** Hex SHA-256 of a secret, as `incoming_webhooks.secret_hash` holds it. */
const secretHash = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");
const hookPath = (id: string, secret: string) => `/hooks/${id}/${secret}`;

type HookRow = typeof incomingWebhooks.$inferSelect;

const hookOut = (hook: HookRow, bot: { id: number; username: string }): IncomingWebhookOut => ({
  id: hook.id,
  roomId: hook.roomId,
  name: hook.name,
  allowOverrides: hook.allowOverrides,
  bot: { id: bot.id, username: bot.username },
  createdAt: hook.createdAt.toISOString(),
});

/**
 * The room's owner creates an incoming webhook: its bot account (no password, `is_bot`, named
 * after the hook, shown by the hook's name) joins the room as a member (a "joined" notice and a
 * `room.member` event, as anybody's join), and the answer carries the secret URL's path, once.
 * Audited as "hook.created".
 * @throws AppError CONFLICT (the room has MAX_HOOKS_PER_ROOM of them), FORBIDDEN (not the owner),
 *   NOT_FOUND (a private room of others), BAD_INPUT
 *   (a direct conversation).
 */
export async function createIncomingWebhook(
  deps: Deps,
  actor: Actor,
  input: z.output<typeof CreateIncomingWebhookInput>,
): Promise<IncomingWebhookWithUrl> {
  await ownedRoom(deps, actor, input.roomId);
  const secret = newSecret();
  return withNewHookBot(deps, actor, input, async (tx, _emit, bot) => {
    await assertRoomForAnotherHook(async () => {
      const [row] = await tx
        .select({ n: count() })
        .from(incomingWebhooks)
        .where(eq(incomingWebhooks.roomId, input.roomId));
      return row?.n ?? 0;
    }, "incoming");
    const [hook] = await tx
      .insert(incomingWebhooks)
      .values({
        roomId: input.roomId,
        botUserId: bot.id,
        createdBy: actor.userId,
        name: input.name,
        secretHash: secretHash(secret),
        allowOverrides: input.allowOverrides,
      })
      .returning();
    if (!hook) throw new Error("insert returned no webhook");
    await recordAudit(tx, actor, {
      action: "hook.created",
      targetType: "hook",
      targetId: hook.id,
      detail: { roomId: input.roomId, name: input.name, botUserId: bot.id, allowOverrides: input.allowOverrides },
    });
    return { ...hookOut(hook, bot), path: hookPath(hook.id, secret) };
  });
}

/** The room's incoming webhooks, oldest first, without their secrets. Owner only (as `createIncomingWebhook`). */
export async function listIncomingWebhooks(deps: Deps, actor: Actor, roomId: number): Promise<IncomingWebhookOut[]> {
  await ownedRoom(deps, actor, roomId);
  const rows = await deps.db
    .select({ hook: incomingWebhooks, bot: { id: users.id, username: users.username } })
    .from(incomingWebhooks)
    .innerJoin(users, eq(users.id, incomingWebhooks.botUserId))
    .where(eq(incomingWebhooks.roomId, roomId))
    .orderBy(asc(incomingWebhooks.createdAt), asc(incomingWebhooks.id));
  return rows.map((r) => hookOut(r.hook, r.bot));
}

/** A hook the caller may manage: NOT_FOUND when there is none, or its room is one they may not see. */
async function managedHook(deps: Deps, actor: Actor, hookId: string) {
  const [row] = await deps.db
    .select({ hook: incomingWebhooks, bot: { id: users.id, username: users.username } })
    .from(incomingWebhooks)
    .innerJoin(users, eq(users.id, incomingWebhooks.botUserId))
    .where(eq(incomingWebhooks.id, hookId));
  if (!row) throw new AppError("NOT_FOUND", "incoming webhook was not found");
  await ownedRoom(deps, actor, row.hook.roomId);
  return row;
}

/**
 * Gives the hook a new secret: the old URL stops working at once (the hash is replaced in one
 * update), and the answer carries the new URL's path, once. Audited as "hook.rotated".
 * @throws AppError NOT_FOUND (no such hook), FORBIDDEN (not the room's owner).
 */
export async function rotateIncomingWebhookSecret(
  deps: Deps,
  actor: Actor,
  hookId: string,
): Promise<IncomingWebhookWithUrl> {
  const { hook, bot } = await managedHook(deps, actor, hookId);
  const secret = newSecret();
  return transact(deps, async (tx) => {
    await assertStillOwner(tx, actor, hook.roomId);
    const [updated] = await tx
      .update(incomingWebhooks)
      .set({ secretHash: secretHash(secret) })
      .where(eq(incomingWebhooks.id, hookId))
      .returning();
    if (!updated) throw new AppError("NOT_FOUND", "incoming webhook was not found");
    await recordAudit(tx, actor, { action: "hook.rotated", targetType: "hook", targetId: hookId });
    return { ...hookOut(updated, bot), path: hookPath(updated.id, secret) };
  });
}

/**
 * Deletes the hook: its URL answers `no_service` from then on. Its bot leaves the room (a "left"
 * notice and a `room.member` event) and is disabled; the messages it posted stay. Audited as
 * "hook.deleted".
 * @throws AppError NOT_FOUND (no such hook), FORBIDDEN (not the room's owner).
 */
export async function deleteIncomingWebhook(deps: Deps, actor: Actor, hookId: string): Promise<void> {
  const { hook, bot } = await managedHook(deps, actor, hookId);
  await transact(deps, async (tx, emit) => {
    await assertStillOwner(tx, actor, hook.roomId);
    const [deleted] = await tx.delete(incomingWebhooks).where(eq(incomingWebhooks.id, hookId)).returning();
    if (!deleted) throw new AppError("NOT_FOUND", "incoming webhook was not found");
    await retireHookBot(deps, tx, emit, hook.roomId, bot);
    await recordAudit(tx, actor, {
      action: "hook.deleted",
      targetType: "hook",
      targetId: hookId,
      detail: { roomId: hook.roomId, name: hook.name, botUserId: bot.id },
    });
  });
  deps.access.forgetMember(bot.id, hook.roomId);
}

/**
 * Slack's answers to a post that is refused, each a plain-text body with its HTTP status, as Slack
 * documents them (https://api.slack.com/messaging/webhooks#handling_errors and
 * https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks):
 * 400 `invalid_payload` (the body cannot be read as a payload of its content type), 400 `no_text`
 * (nothing to post), 403 `invalid_token` (the URL's secret is wrong), 404 `no_service` (no such
 * hook), 403 `action_prohibited` (its bot may not post in the room any more), 413
 * `request_too_large` (over the body limit) and 429 `rate_limited` with Retry-After (Slack's rate
 * limits, https://api.slack.com/docs/rate-limits: about one message a second per hook).
 */
export type WebhookAnswer =
  | "invalid_payload"
  | "no_text"
  | "invalid_token"
  | "no_service"
  | "action_prohibited"
  | "request_too_large"
  | "rate_limited";

export const WEBHOOK_ANSWER_STATUS: Record<WebhookAnswer, number> = {
  invalid_payload: 400,
  no_text: 400,
  invalid_token: 403,
  no_service: 404,
  action_prohibited: 403,
  request_too_large: 413,
  rate_limited: 429,
};

/** A post refused with one of Slack's answers; `retryAfterSeconds` for `rate_limited`. */
export class WebhookRefused extends Error {
  override readonly name = "WebhookRefused";
  constructor(
    readonly answer: WebhookAnswer,
    readonly retryAfterSeconds?: number,
  ) {
    super(answer);
  }
}

/** The largest body `POST /hooks/...` reads, in bytes (64 KiB: Slack's own messages are far smaller). */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;

const OverrideName = z.string().trim().min(1).max(80).refine(storable);
const IconUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine(storable);

/** A request to a hook's URL, as the HTTP layer read it: the path's parts, the content type and the raw body. */
export interface WebhookPost {
  hookId: string;
  secret: string;
  contentType: string | undefined;
  body: string;
}

/**
 * Posts a Slack message payload through an incoming webhook, as its bot, by the same send path as
 * people's messages (`sendBotMessage`: group commit, sequence numbers, live delivery, mentions,
 * search). `body` is `application/json`, or `application/x-www-form-urlencoded` with the JSON in
 * its `payload` field (as Slack takes it). The text is `slackMessageText`'s (cut at
 * MAX_MESSAGE_LENGTH characters); a payload's `username` and `icon_url` (http or https) are kept
 * as the message's sender override when the hook allows overrides, and ignored otherwise.
 *
 * Checked in this order, each refusal a `WebhookRefused` that stores nothing: the hook (`no_service`),
 * its secret (`invalid_token`, hashes compared in constant time), the hook's rate (`rate_limited`,
 * LIMIT_MESSAGES_PER_HOOK, every post to a known hook with the right secret counted), the payload
 * (`invalid_payload`, `no_text`), its bot's standing (`action_prohibited`: disabled or deleted by an
 * administrator, or no longer a member of the room).
 */
export async function postToIncomingWebhook(deps: Deps, post: WebhookPost): Promise<void> {
  if (!IncomingWebhookId.safeParse(post.hookId).success) throw new WebhookRefused("no_service");
  const [found] = await deps.db
    .select({
      hook: incomingWebhooks,
      botDisabled: isNotNull(users.disabledAt),
      botDeleted: isNotNull(users.deletedAt),
    })
    .from(incomingWebhooks)
    .innerJoin(users, eq(users.id, incomingWebhooks.botUserId))
    .where(eq(incomingWebhooks.id, post.hookId));
  if (!found) throw new WebhookRefused("no_service");
  const { hook } = found;
  const given = Buffer.from(secretHash(post.secret), "hex");
  const stored = Buffer.from(hook.secretHash, "hex");
  if (given.length !== stored.length || !timingSafeEqual(given, stored)) throw new WebhookRefused("invalid_token");
  // An administrator disabled (or deleted) the hook's bot: it may post nowhere, as when removed.
  if (found.botDisabled || found.botDeleted) throw new WebhookRefused("action_prohibited");
  try {
    await deps.limits.take("messagesPerHook", hook.id);
  } catch (error) {
    if (error instanceof RateLimited) throw new WebhookRefused("rate_limited", error.retryAfterSeconds);
    throw error;
  }
  const payload = readPayload(post.contentType, post.body);
  const text = cutToMessage(slackMessageText(payload));
  if (text === "") throw new WebhookRefused("no_text");
  if (!storable(text)) throw new WebhookRefused("invalid_payload");
  let senderOverride: schema.SenderOverride | null = null;
  if (hook.allowOverrides) {
    const username = payload.username ? OverrideName.safeParse(payload.username) : undefined;
    const iconUrl = payload.icon_url ? IconUrl.safeParse(payload.icon_url.trim()) : undefined;
    if (username?.success === false || iconUrl?.success === false) throw new WebhookRefused("invalid_payload");
    const override = {
      ...(username?.data ? { username: username.data } : {}),
      ...(iconUrl?.data ? { iconUrl: iconUrl.data } : {}),
    };
    if (override.username || override.iconUrl) senderOverride = override;
  }
  try {
    await sendBotMessage(deps, {
      roomId: hook.roomId,
      authorId: hook.botUserId,
      body: text,
      senderOverride,
      mentionsAsOwner: true,
    });
  } catch (error) {
    // The owner removed the bot from the room: it may not post there.
    if (error instanceof AppError && error.code === "FORBIDDEN") throw new WebhookRefused("action_prohibited");
    throw error;
  }
}

/** The payload of a body: JSON, or a form's `payload` field (Slack's two ways); `invalid_payload` otherwise. */
function readPayload(contentType: string | undefined, body: string) {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  let json = body;
  if (type === "application/x-www-form-urlencoded") {
    const field = new URLSearchParams(body).get("payload");
    if (field === null) throw new WebhookRefused("invalid_payload");
    json = field;
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new WebhookRefused("invalid_payload");
  }
  const parsed = SlackPayload.safeParse(value);
  if (!parsed.success) throw new WebhookRefused("invalid_payload");
  return parsed.data;
}

/** A text cut to MAX_MESSAGE_LENGTH (UTF-16 units, as `MessageText` counts), ending with "…" when cut. */
export function cutToMessage(text: string): string {
  if (text.length <= MAX_MESSAGE_LENGTH) return text;
  const kept = text.slice(0, MAX_MESSAGE_LENGTH - 1);
  // Never half a surrogate pair.
  return `${/[\uD800-\uDBFF]$/.test(kept) ? kept.slice(0, -1) : kept}…`;
}
