import { z } from "zod";
import { FileId, FileOut } from "./schemas/files";
import { MAX_WEBHOOK_BODY_BYTES } from "./services/incoming-webhooks";
import { SlackPayload } from "./services/slack-payload";

/**
 * The OpenAPI 3.1 path items of Parley's HTTP routes that are not tRPC procedures, for the one
 * document (openapi.ts): shared files (`/files…`, served by packages/realtime-server files-http.ts),
 * Slack-compatible incoming webhooks (`/hooks/{hookId}/{secret}`, hooks-http.ts) and the operators'
 * probes (`/healthz`, `/readyz`, `/metrics`, http.ts). Their bodies' schemas come from the same zod
 * schemas the handlers use (FileOut, SlackPayload); only the statuses and words are written here,
 * beside the handlers' own docstrings, and a test sweeps each route against a real server
 * (apps/realtime/test/openapi-answers.test.ts).
 */

const FILES_TAG = "files";
const HOOKS_TAG = "incoming webhooks";
const PROBES_TAG = "operations";

const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "output", unrepresentable: "any" });

/** The files routes' error body: `{ "error": "<words>" }`. */
const fileError = (description: string) => ({
  description,
  content: {
    "application/json": {
      schema: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
    },
  },
});

/** A Slack-style plain-text answer (`ok`, `invalid_payload`, …). */
const slackAnswer = (description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { "text/plain": { schema: { type: "string" } } },
  ...(headers ? { headers } : {}),
});

const retryAfter = {
  "Retry-After": { description: "Seconds to wait before the next try", schema: { type: "integer", minimum: 1 } },
};

const bearer = [{ Authorization: [] }];
const fileIdParameter = { name: "fileId", in: "path", required: true, schema: schemaOf(FileId) };
const redirect = {
  description: "A redirect to a short-lived signed link (S3 presigned, or this server's own on disk)",
  headers: { Location: { schema: { type: "string" } } },
};

export function plainHttpPaths(): Record<string, Record<string, unknown>> {
  return {
    "/files": {
      post: {
        tags: [FILES_TAG],
        summary: "Upload a file into a room (attach it to a message with messages.send's fileIds)",
        security: bearer,
        parameters: [
          { name: "roomId", in: "query", required: true, schema: { type: "integer", minimum: 1 } },
          { name: "name", in: "query", required: true, description: "The file's name", schema: { type: "string" } },
        ],
        requestBody: {
          required: true,
          description: "The file's bytes, at most UPLOAD_MAX_BYTES (25 MiB by default); any Content-Type",
          content: {
            "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } },
          },
        },
        responses: {
          "201": { description: "Stored", content: { "application/json": { schema: schemaOf(FileOut) } } },
          "400": fileError("A missing or bad roomId or name"),
          "401": fileError("No session or token"),
          "404": fileError("A room the caller is not a member of"),
          "413": fileError("Over UPLOAD_MAX_BYTES"),
          "415": fileError("The content is not what its name says"),
          "429": { ...fileError("Too many uploads (LIMIT_UPLOADS_PER_USER)"), headers: retryAfter },
        },
      },
    },
    "/files/{fileId}": {
      get: {
        tags: [FILES_TAG],
        summary: "Download a file the caller may read",
        security: bearer,
        parameters: [
          fileIdParameter,
          {
            name: "download",
            in: "query",
            required: false,
            description: "Present: served as an attachment even when it is an image",
            schema: { type: "string" },
          },
        ],
        responses: {
          "302": redirect,
          "401": fileError("No session or token"),
          "404": fileError("No such file, or one the caller may not read"),
        },
      },
    },
    "/files/{fileId}/thumbnail": {
      get: {
        tags: [FILES_TAG],
        summary: "An image's thumbnail (WebP, at most 400 pixels on its longer side)",
        security: bearer,
        parameters: [fileIdParameter],
        responses: {
          "302": redirect,
          "401": fileError("No session or token"),
          "404": fileError("No such image, or one the caller may not read"),
        },
      },
    },
    "/files/{fileId}/content": {
      get: {
        tags: [FILES_TAG],
        summary: "The disk store's signed link (what /files/{fileId} redirects to); needs no session",
        security: [],
        parameters: [
          fileIdParameter,
          ...["v", "u", "exp", "sig"].map((name) => ({
            name,
            in: "query",
            required: true,
            schema: { type: "string" },
          })),
        ],
        responses: {
          "200": { description: "The file's bytes", content: { "application/octet-stream": {} } },
          "403": fileError("A forged or expired link"),
          "404": fileError("No such file, or its reader may no longer read it"),
        },
      },
    },
    "/hooks/{hookId}/{secret}": {
      post: {
        tags: [HOOKS_TAG],
        summary: "Post into a room through an incoming webhook (Slack's payload and answers)",
        description:
          "The URL webhooks.create gives. Answers in plain text as Slack does; a refused post stores nothing.",
        security: [],
        parameters: [
          { name: "hookId", in: "path", required: true, schema: { type: "string", format: "uuid" } },
          { name: "secret", in: "path", required: true, schema: { type: "string" } },
        ],
        requestBody: {
          required: true,
          description: `At most ${MAX_WEBHOOK_BODY_BYTES} bytes`,
          content: {
            "application/json": { schema: schemaOf(SlackPayload) },
            "application/x-www-form-urlencoded": {
              schema: {
                type: "object",
                properties: { payload: { type: "string", description: "The same JSON, as Slack also takes it" } },
                required: ["payload"],
              },
            },
          },
        },
        responses: {
          "200": slackAnswer("ok"),
          "400": slackAnswer("invalid_payload, or no_text"),
          "403": slackAnswer(
            "invalid_token (a wrong secret), or action_prohibited (its bot may no longer post in the room)",
          ),
          "404": slackAnswer("no_service: no such hook"),
          "413": slackAnswer(`request_too_large: over ${MAX_WEBHOOK_BODY_BYTES} bytes`),
          "429": slackAnswer("rate_limited (LIMIT_MESSAGES_PER_HOOK)", retryAfter),
        },
      },
    },
    "/healthz": {
      get: {
        tags: [PROBES_TAG],
        summary: "The process is up",
        security: [],
        responses: {
          "200": {
            description: "Up",
            content: {
              "application/json": {
                schema: { type: "object", properties: { ok: { const: true } }, required: ["ok"] },
              },
            },
          },
        },
      },
    },
    "/readyz": {
      get: {
        tags: [PROBES_TAG],
        summary: "Its PostgreSQL (and Redis, in the scaled mode) answer",
        security: [],
        responses: Object.fromEntries(
          [
            ["200", "Ready"],
            ["503", "Not ready: a check did not answer"],
          ].map(([status, description]) => [
            status,
            {
              description,
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      ready: { type: "boolean" },
                      checks: { type: "object", additionalProperties: { type: "string" } },
                    },
                    required: ["ready", "checks"],
                  },
                },
              },
            },
          ]),
        ),
      },
    },
    "/metrics": {
      get: {
        tags: [PROBES_TAG],
        summary: "Prometheus metrics (text exposition format)",
        security: [],
        responses: { "200": { description: "Metrics", content: { "text/plain": { schema: { type: "string" } } } } },
      },
    },
  };
}
