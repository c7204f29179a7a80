import http from "node:http";
import https from "node:https";
import { schema } from "@parley/db";
import { and, eq, notInArray, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { RateLimited } from "../limits";
import { MAX_MESSAGE_LENGTH, type OutgoingWebhookPayload, storable } from "../schemas";
import { cutToMessage } from "./incoming-webhooks";
import { sendBotMessage } from "./messages";

/**
 * One attempt at one outgoing-webhook delivery (see outgoing-webhooks.ts): the message as Standard
 * Webhooks' envelope, signed (https://www.standardwebhooks.com/: `webhook-id` is the delivery's
 * id on every attempt, `webhook-timestamp` the attempt's time in seconds, `webhook-signature`
 * `v1,<base64 HMAC-SHA256>` by the `standardwebhooks` library), POSTed with a deadline, through an
 * agent that refuses private, loopback, link-local and other reserved addresses after DNS
 * resolution (request-filtering-agent), following no redirect. A 2xx answer whose JSON has a
 * string `text` is posted back in the room as the hook's bot.
 */

const { messages, outgoingWebhooks, rooms, users, webhookDeliveries } = schema;
const bots = alias(users, "bot");

/** The most of a receiver's answer read, in bytes (a longer answer's reply is not posted). */
export const MAX_REPLY_BYTES = 64 * 1024;

/** The states a delivery ends in: nothing moves it out of them. */
const ENDED = ["delivered", "failed", "skipped"];

const agents = new Map<string, http.Agent>();
/** One agent per scheme and setting per process; no keep-alive (a receiver's socket is not reused). */
function agentFor(protocol: string, allowPrivate: boolean): http.Agent {
  const key = `${protocol}${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { allowPrivateIPAddress: allowPrivate, keepAlive: false };
    agent = protocol === "https:" ? new RequestFilteringHttpsAgent(options) : new RequestFilteringHttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** What a receiver answered: its status and up to MAX_REPLY_BYTES of its body (null when longer). */
interface Answer {
  status: number;
  body: string | null;
}

/** A request the server refused to make (the target's address is private): not retried. */
class RefusedTarget extends Error {}

/**
 * POSTs `body` to `url`. Resolves with the answer once it has ended, or as soon as its body passes
 * MAX_REPLY_BYTES (the rest is not read: `body` null); rejects with a plain-words Error (or
 * RefusedTarget) when the request fails or the whole exchange, body included, takes over `timeoutMs`.
 */
function post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number, allowPrivate: boolean) {
  return new Promise<Answer>((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).request(url, {
      method: "POST",
      agent: agentFor(url.protocol, allowPrivate),
      headers: { ...headers, "content-length": Buffer.byteLength(body) },
    });
    const overdue = new Error(`no answer within ${timeoutMs} ms`);
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      request.destroy(overdue);
    }, timeoutMs);
    const fail = (error: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      if (timedOut) reject(overdue);
      else if (/is not allowed/.test(error.message)) {
        reject(
          new RefusedTarget(
            `refused: ${url.hostname} is a private, loopback or reserved address (set WEBHOOK_ALLOW_PRIVATE to allow it)`,
          ),
        );
      } else reject(new Error(error.code ? `${error.code}: ${error.message}` : error.message));
    };
    request.on("error", fail);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (answer: Answer) => {
        clearTimeout(deadline);
        resolve(answer);
      };
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_REPLY_BYTES) chunks.push(chunk);
        else {
          done({ status: response.statusCode ?? 0, body: null });
          request.destroy();
        }
      });
      response.on("end", () =>
        done({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", fail);
    });
    request.end(body);
  });
}

/** A receiver's reply: Slack's and Mattermost's outgoing-webhook answer, `{"text": "…"}` (other fields ignored). */
const Reply = z.looseObject({ text: z.string() });

/** The text of a 2xx answer to post back, or null. */
function replyText(body: string | null): string | null {
  if (!body?.trim().startsWith("{")) return null;
  try {
    const reply = Reply.safeParse(JSON.parse(body));
    return reply.success && reply.data.text.trim() !== "" ? reply.data.text : null;
  } catch {
    return null;
  }
}

/** What became of an attempt: "done" (delivered, refused for good, or nothing left to send) or "retry". */
export type AttemptOutcome = "done" | "retry";

/**
 * Makes one attempt at delivery `deliveryId` and records it in the delivery log. `final`: no retry
 * follows, so a failure is the delivery's end ("failed"). A delivery whose hook is gone is dropped;
 * one whose message was deleted meanwhile is "skipped", sending nothing.
 * Rejects only when the database fails (the queue then retries the attempt).
 */
export async function attemptDelivery(deps: Deps, deliveryId: string, final: boolean): Promise<AttemptOutcome> {
  const [found] = await deps.db
    .select({
      delivery: webhookDeliveries,
      hook: outgoingWebhooks,
      message: messages,
      room: { id: rooms.id, name: rooms.name },
      author: { id: users.id, username: users.username, displayName: users.displayName },
      botRetired: sql<boolean>`${bots.disabledAt} is not null or ${bots.deletedAt} is not null`,
    })
    .from(webhookDeliveries)
    .innerJoin(outgoingWebhooks, eq(outgoingWebhooks.id, webhookDeliveries.hookId))
    .innerJoin(messages, eq(messages.id, webhookDeliveries.messageId))
    .innerJoin(rooms, eq(rooms.id, messages.roomId))
    .innerJoin(users, eq(users.id, messages.authorId))
    .innerJoin(bots, eq(bots.id, outgoingWebhooks.botUserId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!found) return "done"; // its hook was deleted
  const { delivery, hook, message, room, author, botRetired } = found;
  if (ENDED.includes(delivery.state)) return "done";
  if (message.deletedAt) {
    await record(deps, deliveryId, "skipped", null);
    return "done";
  }
  const at = deps.clock();
  const payload: OutgoingWebhookPayload = {
    type: "message.created",
    timestamp: at.toISOString(),
    data: {
      hook: { id: hook.id, name: hook.name },
      room: { id: room.id, name: room.name ?? "" },
      message: {
        id: message.id,
        seq: message.seq,
        text: message.body,
        parentId: message.parentId,
        createdAt: message.createdAt.toISOString(),
      },
      author,
      triggerWord: delivery.triggerWord,
    },
  };
  const body = JSON.stringify(payload);
  const headers = {
    "content-type": "application/json",
    "user-agent": "Parley-Webhooks/1",
    "webhook-id": deliveryId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(hook.secret).sign(deliveryId, at, body),
  };
  const { timeoutMs, allowPrivate } = deps.outgoingWebhooks;
  const started = performance.now();
  let answer: Answer | undefined;
  let error: string | null = null;
  let refused = false;
  try {
    answer = await post(new URL(hook.url), body, headers, timeoutMs, allowPrivate);
  } catch (failure) {
    refused = failure instanceof RefusedTarget;
    error = (failure as Error).message;
  }
  const attempt = {
    at: at.toISOString(),
    ms: Math.round(performance.now() - started),
    status: answer?.status ?? null,
    error,
  };
  const ok = answer !== undefined && answer.status >= 200 && answer.status < 300;
  if (answer && !ok) {
    attempt.error =
      answer.status >= 300 && answer.status < 400
        ? `answered ${answer.status}; redirects are not followed`
        : `answered ${answer.status}`;
  }
  if (ok && answer?.body === null) attempt.error = "delivered; the answer was over 64 KiB, so no reply was read";
  if (ok) {
    const text = replyText(answer?.body ?? null);
    if (text !== null) {
      attempt.error = botRetired
        ? "delivered; the reply was not posted: an administrator disabled the hook's bot"
        : await postReply(deps, hook, text, message.parentId ?? undefined);
    }
    await record(deps, deliveryId, "delivered", attempt);
    return "done";
  }
  const over = final || refused;
  await record(deps, deliveryId, over ? "failed" : "retrying", attempt);
  return over ? "done" : "retry";
}

/** Posts a receiver's reply as the hook's bot, in the message's thread if it was in one; answers null, or why it was not posted (or that it was cut). */
async function postReply(
  deps: Deps,
  hook: { id: string; roomId: number; botUserId: number },
  text: string,
  /** The thread the message was in: the reply goes there too. */
  parentId: number | undefined,
): Promise<string | null> {
  if (!storable(text)) return "delivered; the reply was not posted: its text holds characters that cannot be stored";
  try {
    await deps.limits.take("messagesPerHook", hook.id);
    const body = cutToMessage(text);
    await sendBotMessage(deps, {
      roomId: hook.roomId,
      authorId: hook.botUserId,
      body,
      senderOverride: null,
      ...(parentId === undefined ? {} : { parentId }),
    });
    return body === text
      ? null
      : `delivered; the reply was cut to ${MAX_MESSAGE_LENGTH.toLocaleString("en")} characters`;
  } catch (failure) {
    if (failure instanceof RateLimited) return "delivered; the reply was not posted: the hook's rate limit was reached";
    if (failure instanceof AppError) return `delivered; the reply was not posted: ${failure.message}`;
    throw failure;
  }
}

/** Records an attempt and the state it left the delivery in, unless the delivery has already ended. */
async function record(
  deps: Deps,
  deliveryId: string,
  state: string,
  attempt: schema.WebhookAttempt | null,
): Promise<void> {
  await deps.db
    .update(webhookDeliveries)
    .set({
      state,
      updatedAt: deps.clock(),
      ...(attempt ? { attempts: sql`${webhookDeliveries.attempts} || ${JSON.stringify([attempt])}::jsonb` } : {}),
    })
    .where(and(eq(webhookDeliveries.id, deliveryId), notInArray(webhookDeliveries.state, ENDED)));
}

/** What the delivery log says of a last attempt whose outcome was never recorded. */
export const UNRECORDED_LAST_ATTEMPT =
  "no outcome was recorded: the server stopped during this attempt, or could not record it, and no retries were left";

/**
 * Ends a delivery whose last attempt ended without being recorded: pg-boss failed its job for good
 * (the attempt's process stopped, so the job expired, or the database failed as it was recorded) and
 * moved it to the dead-letter queue. The delivery becomes "failed", its log ending with an attempt
 * that says so (`ms` and `status` null). A delivery that has already ended is left as it is.
 * Rejects only when the database fails.
 */
export async function abandonDelivery(deps: Deps, deliveryId: string): Promise<void> {
  await record(deps, deliveryId, "failed", {
    at: deps.clock().toISOString(),
    ms: null,
    status: null,
    error: UNRECORDED_LAST_ATTEMPT,
  });
}
