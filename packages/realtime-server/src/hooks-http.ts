import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type Deps,
  type Logger,
  MAX_WEBHOOK_BODY_BYTES,
  postToIncomingWebhook,
  tooLargeWords,
  WEBHOOK_ANSWER_STATUS,
  WebhookRefused,
} from "@parley/api";

/** `/hooks/<id>/<secret>`: an incoming webhook's URL (see services/incoming-webhooks.ts). */
const HOOK_PATH = /^\/hooks\/([^/]{1,64})\/([^/]{1,128})$/;

export const isHooksPath = (path: string) => path === "/hooks" || path.startsWith("/hooks/");

/** A path as logs may keep it: a hook's secret left out (`/hooks/<id>/…`). */
export const loggablePath = (path: string) => path.replace(/^(\/hooks\/[^/]*)\/.+$/, "$1/…");

/** A plain-text answer, as Slack's incoming webhooks give them (`ok`, or an error's name). */
function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res
    .writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(Buffer.byteLength(text)),
      "cache-control": "no-store",
      ...headers,
    })
    .end(text);
}

/**
 * The body, up to `max` bytes; null when it is longer (what was sent is then left unread: the
 * connection is closed after the answer).
 */
function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => {
      if (!over) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.once("error", reject);
  });
}

/**
 * `POST /hooks/<id>/<secret>`: Slack's incoming webhook protocol, answered as Slack answers it, in
 * plain text: 200 `ok`; 400 `invalid_payload` or `no_text`; 403 `invalid_token` or
 * `action_prohibited`; 404 `no_service`; 413 `request_too_large: the body is too large: at most
 * 65536 bytes are accepted` (a body over MAX_WEBHOOK_BODY_BYTES, 64 KiB); 429 `rate_limited` with
 * Retry-After (seconds); 405 for another method. A refused post stores nothing.
 */
export function createHooksHandler(deps: Deps, log: Pick<Logger, "error">) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const match = HOOK_PATH.exec((req.url ?? "/").split("?")[0] ?? "/");
    if (!match) return answer(res, 404, "no_service");
    if (req.method !== "POST") return answer(res, 405, "method_not_allowed", { allow: "POST" });
    const body = await readBody(req, MAX_WEBHOOK_BODY_BYTES);
    if (body === null) {
      // Slack's answer first (tools match it), then what was too large and the limit, in words.
      const words = tooLargeWords("the body", MAX_WEBHOOK_BODY_BYTES);
      return answer(res, 413, `request_too_large: ${words}`, { connection: "close" });
    }
    try {
      await postToIncomingWebhook(deps, {
        hookId: decodeURIComponent(match[1] ?? ""),
        secret: decodeURIComponent(match[2] ?? ""),
        contentType: req.headers["content-type"],
        body,
      });
      answer(res, 200, "ok");
    } catch (error) {
      if (error instanceof WebhookRefused) {
        const headers: Record<string, string> =
          error.retryAfterSeconds !== undefined ? { "retry-after": String(error.retryAfterSeconds) } : {};
        return answer(res, WEBHOOK_ANSWER_STATUS[error.answer], error.answer, headers);
      }
      if (error instanceof URIError) return answer(res, 404, "no_service");
      log.error({ err: error }, "incoming webhook failed");
      answer(res, 500, "rollup_error");
    }
  };
}
