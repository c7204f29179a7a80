import { randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { and, asc, count, desc, eq, sql } from "drizzle-orm";
import ipaddr from "ipaddr.js";
import type { z } from "zod";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type {
  CreateOutgoingWebhookInput,
  DeliveriesInput,
  DeliveriesPage,
  DeliveryOut,
  OutgoingWebhookOut,
  OutgoingWebhookWithSecret,
  UpdateOutgoingWebhookInput,
} from "../schemas";
import { recordAudit } from "./audit";
import { assertRoomForAnotherHook, assertStillOwner, ownedRoom, retireHookBot, withNewHookBot } from "./hook-bots";
import { transact } from "./transact";

/**
 * Outgoing webhooks: a room's owner registers a receiver's URL, optionally with trigger words; each
 * new message by a person in the room whose first word is one of them (or every one, without trigger
 * words) is POSTed to it, signed per the Standard Webhooks specification
 * (https://www.standardwebhooks.com/, `webhook-id`, `webhook-timestamp`, `webhook-signature`), by
 * the job queue (see webhook-queue.ts and webhook-delivery.ts). The deliveries are written by a
 * trigger on `messages` in the message's own transaction (migration 0011), so that none is lost.
 * The secret is kept as given to the owner: the server needs it to sign.
 */

const { messages, outgoingWebhooks, users, webhookDeliveries } = schema;

/** How much of a message the delivery log shows, in characters. */
const EXCERPT_LENGTH = 120;

/** A signing secret: `whsec_` and base64 of 32 random bytes, the Standard Webhooks form. */
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

type HookRow = typeof outgoingWebhooks.$inferSelect;

const hookOut = (hook: HookRow, bot: { id: number; username: string }): OutgoingWebhookOut => ({
  id: hook.id,
  roomId: hook.roomId,
  name: hook.name,
  url: hook.url,
  triggerWords: hook.triggerWords,
  bot: { id: bot.id, username: bot.username },
  createdAt: hook.createdAt.toISOString(),
});

/**
 * Refuses a URL whose host is itself a private, loopback, link-local or otherwise non-public
 * address (or `localhost`), unless WEBHOOK_ALLOW_PRIVATE is set. A name that resolves to such an
 * address is refused at each delivery instead, where the address is known (see webhook-delivery.ts).
 * @throws AppError BAD_INPUT
 */
export function assertPublicTarget(deps: Deps, url: string): void {
  if (deps.outgoingWebhooks.allowPrivate) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const local = host === "localhost" || host.endsWith(".localhost");
  let address: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
  let ipv4Compatible = false;
  if (ipaddr.isValid(host)) {
    const parsed = ipaddr.parse(host);
    if (parsed.kind() === "ipv6") {
      const v6 = parsed as ipaddr.IPv6;
      // ::a.b.c.d (the deprecated IPv4-compatible form, ::/96) reaches a.b.c.d on some stacks.
      ipv4Compatible = v6.parts.slice(0, 6).every((part) => part === 0);
      address = v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
    } else address = parsed;
  }
  if (local || ipv4Compatible || (address && address.range() !== "unicast")) {
    throw new AppError(
      "BAD_INPUT",
      `url points to a private, loopback or link-local address (${host}); the server refuses those unless WEBHOOK_ALLOW_PRIVATE is set`,
    );
  }
}

/**
 * The room's owner registers an outgoing webhook: its bot (who posts the receiver's replies) joins
 * the room, and the answer carries the signing secret, this once. Audited as "outgoing-hook.created".
 * @throws AppError CONFLICT (the room has MAX_HOOKS_PER_ROOM of them), FORBIDDEN (not the owner),
 *   NOT_FOUND (a private room of others), BAD_INPUT (a
 *   direct conversation, or a private target).
 */
export async function createOutgoingWebhook(
  deps: Deps,
  actor: Actor,
  input: z.output<typeof CreateOutgoingWebhookInput>,
): Promise<OutgoingWebhookWithSecret> {
  await ownedRoom(deps, actor, input.roomId);
  assertPublicTarget(deps, input.url);
  const secret = newSecret();
  return withNewHookBot(deps, actor, input, async (tx, _emit, bot) => {
    await assertRoomForAnotherHook(async () => {
      const [row] = await tx
        .select({ n: count() })
        .from(outgoingWebhooks)
        .where(eq(outgoingWebhooks.roomId, input.roomId));
      return row?.n ?? 0;
    }, "outgoing");
    const [hook] = await tx
      .insert(outgoingWebhooks)
      .values({
        roomId: input.roomId,
        botUserId: bot.id,
        createdBy: actor.userId,
        name: input.name,
        url: input.url,
        triggerWords: input.triggerWords,
        secret,
      })
      .returning();
    if (!hook) throw new Error("insert returned no webhook");
    await recordAudit(tx, actor, {
      action: "outgoing-hook.created",
      targetType: "hook",
      targetId: hook.id,
      detail: { roomId: input.roomId, name: input.name, url: input.url, triggerWords: input.triggerWords },
    });
    return { ...hookOut(hook, bot), secret };
  });
}

/** The room's outgoing webhooks, oldest first, without their secrets. Owner only. */
export async function listOutgoingWebhooks(deps: Deps, actor: Actor, roomId: number): Promise<OutgoingWebhookOut[]> {
  await ownedRoom(deps, actor, roomId);
  const rows = await deps.db
    .select({ hook: outgoingWebhooks, bot: { id: users.id, username: users.username } })
    .from(outgoingWebhooks)
    .innerJoin(users, eq(users.id, outgoingWebhooks.botUserId))
    .where(eq(outgoingWebhooks.roomId, roomId))
    .orderBy(asc(outgoingWebhooks.createdAt), asc(outgoingWebhooks.id));
  return rows.map((r) => hookOut(r.hook, r.bot));
}

/** A hook the caller may manage. @throws AppError NOT_FOUND (none, or in a room they may not see), FORBIDDEN */
async function managedHook(deps: Deps, actor: Actor, hookId: string) {
  const [row] = await deps.db
    .select({ hook: outgoingWebhooks, bot: { id: users.id, username: users.username } })
    .from(outgoingWebhooks)
    .innerJoin(users, eq(users.id, outgoingWebhooks.botUserId))
    .where(eq(outgoingWebhooks.id, hookId));
  if (!row) throw new AppError("NOT_FOUND", "outgoing webhook was not found");
  await ownedRoom(deps, actor, row.hook.roomId);
  return row;
}

/**
 * Changes a hook's name, URL or trigger words (what is not given stays); messages sent from then on
 * go by the new ones, deliveries already written keep theirs. A change to nothing writes nothing.
 * Audited as "outgoing-hook.changed".
 * @throws AppError NOT_FOUND, FORBIDDEN, BAD_INPUT (a private target).
 */
export async function updateOutgoingWebhook(
  deps: Deps,
  actor: Actor,
  input: z.output<typeof UpdateOutgoingWebhookInput>,
): Promise<OutgoingWebhookOut> {
  const { hook, bot } = await managedHook(deps, actor, input.hookId);
  if (input.url !== undefined) assertPublicTarget(deps, input.url);
  const change = {
    ...(input.name !== undefined && input.name !== hook.name ? { name: input.name } : {}),
    ...(input.url !== undefined && input.url !== hook.url ? { url: input.url } : {}),
    ...(input.triggerWords !== undefined && input.triggerWords.join(" ") !== hook.triggerWords.join(" ")
      ? { triggerWords: input.triggerWords }
      : {}),
  };
  if (Object.keys(change).length === 0) return hookOut(hook, bot);
  return transact(deps, async (tx) => {
    await assertStillOwner(tx, actor, hook.roomId);
    const [updated] = await tx.update(outgoingWebhooks).set(change).where(eq(outgoingWebhooks.id, hook.id)).returning();
    if (!updated) throw new AppError("NOT_FOUND", "outgoing webhook was not found");
    await recordAudit(tx, actor, {
      action: "outgoing-hook.changed",
      targetType: "hook",
      targetId: hook.id,
      detail: change,
    });
    return hookOut(updated, bot);
  });
}

/**
 * A new signing secret, answered this once; every request from then on, retries of older
 * deliveries included, is signed with it. Audited as "outgoing-hook.rotated".
 * @throws AppError NOT_FOUND, FORBIDDEN.
 */
export async function rotateOutgoingWebhookSecret(
  deps: Deps,
  actor: Actor,
  hookId: string,
): Promise<OutgoingWebhookWithSecret> {
  const { hook, bot } = await managedHook(deps, actor, hookId);
  const secret = newSecret();
  return transact(deps, async (tx) => {
    await assertStillOwner(tx, actor, hook.roomId);
    const [updated] = await tx
      .update(outgoingWebhooks)
      .set({ secret })
      .where(eq(outgoingWebhooks.id, hookId))
      .returning();
    if (!updated) throw new AppError("NOT_FOUND", "outgoing webhook was not found");
    await recordAudit(tx, actor, { action: "outgoing-hook.rotated", targetType: "hook", targetId: hookId });
    return { ...hookOut(updated, bot), secret };
  });
}

/**
 * Deletes the hook and its delivery log: nothing more is sent, and deliveries still queued are
 * dropped when their turn comes. Its bot leaves the room, disabled; its messages stay. Audited as
 * "outgoing-hook.deleted".
 * @throws AppError NOT_FOUND, FORBIDDEN.
 */
export async function deleteOutgoingWebhook(deps: Deps, actor: Actor, hookId: string): Promise<void> {
  const { hook, bot } = await managedHook(deps, actor, hookId);
  await transact(deps, async (tx, emit) => {
    await assertStillOwner(tx, actor, hook.roomId);
    const [deleted] = await tx.delete(outgoingWebhooks).where(eq(outgoingWebhooks.id, hookId)).returning();
    if (!deleted) throw new AppError("NOT_FOUND", "outgoing webhook was not found");
    await retireHookBot(deps, tx, emit, hook.roomId, bot);
    await recordAudit(tx, actor, {
      action: "outgoing-hook.deleted",
      targetType: "hook",
      targetId: hookId,
      detail: { roomId: hook.roomId, name: hook.name, url: hook.url, botUserId: bot.id },
    });
  });
  deps.access.forgetMember(bot.id, hook.roomId);
}

type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const deliveryOut = (row: DeliveryRow, excerpt: string): DeliveryOut => ({
  id: row.id,
  messageId: row.messageId,
  excerpt,
  triggerWord: row.triggerWord,
  state: row.state as DeliveryOut["state"],
  attempts: row.attempts,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/**
 * The hook's delivery log, newest first, by keyset on (created_at, id), each delivery with every
 * attempt (when, milliseconds, HTTP status, what went wrong). Owner only; kept
 * DELIVERY_LOG_DAYS days.
 * @throws AppError NOT_FOUND, FORBIDDEN.
 */
export async function listDeliveries(
  deps: Deps,
  actor: Actor,
  input: z.output<typeof DeliveriesInput>,
): Promise<DeliveriesPage> {
  await managedHook(deps, actor, input.hookId);
  // Milliseconds, as the cursor carries them (the column keeps microseconds).
  const at = sql`date_trunc('milliseconds', ${webhookDeliveries.createdAt})`;
  const [beforeAt, beforeId] = input.cursor?.split("~") ?? [];
  const rows = await deps.db
    .select({ delivery: webhookDeliveries, excerpt: sql<string>`left(${messages.body}, ${EXCERPT_LENGTH})` })
    .from(webhookDeliveries)
    .innerJoin(messages, eq(messages.id, webhookDeliveries.messageId))
    .where(
      and(
        eq(webhookDeliveries.hookId, input.hookId),
        beforeAt && beforeId
          ? sql`(${at}, ${webhookDeliveries.id}) < (${beforeAt}::timestamptz, ${beforeId}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(at), desc(webhookDeliveries.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1)?.delivery;
  return {
    deliveries: page.map((row) => deliveryOut(row.delivery, row.excerpt)),
    next: rows.length > input.limit && last ? `${last.createdAt.toISOString()}~${last.id}` : null,
  };
}

/** How long the delivery log keeps a delivery, in days (the oldest are removed by the queue's hourly sweep). */
export const DELIVERY_LOG_DAYS = 7;
