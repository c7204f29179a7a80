import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DbConfig } from "@parley/db";
import { DbEnv, dbConfigFrom, optionalSetting } from "@parley/db/env";

export { optionalSetting };

import { z } from "zod";
import { compileTrustProxy, type TrustProxy } from "./client-address";
import { type RateLimits, RateSetting } from "./limits";
import { parseClusterNodes, type RedisTarget } from "./redis";

const optionalUrl = (schemes: string[], name: string) =>
  optionalSetting(
    z
      .string()
      .trim()
      .refine(
        (v) => schemes.some((s) => v.startsWith(`${s}://`)),
        `${name} must start with ${schemes.join(":// or ")}://`,
      ),
  );

/**
 * A process's settings as given: `process.env`, or any map of names to strings. (Not
 * `NodeJS.ProcessEnv`, which Next's global types make demand NODE_ENV of every caller.)
 */
export type Settings = Readonly<Record<string, string | undefined>>;

export const ApiEnv = DbEnv.extend({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Redis for the event bus between processes. Unset: an in-process bus (one process only). */
  REDIS_URL: optionalUrl(["redis", "rediss"], "REDIS_URL"),
  /**
   * The seed nodes of a Redis Cluster instead (host:port, comma-separated): the bus then uses sharded
   * pub/sub (SSUBSCRIBE, SPUBLISH). Not together with REDIS_URL.
   */
  REDIS_CLUSTER_NODES: optionalSetting(
    z
      .string()
      .trim()
      .transform((value, ctx) => {
        try {
          return parseClusterNodes(value);
        } catch (error) {
          ctx.addIssue({
            code: "custom",
            message: `REDIS_CLUSTER_NODES must be host:port entries, comma-separated: ${(error as Error).message}`,
          });
          return z.NEVER;
        }
      }),
  ),
  /** Prefix of Redis channel and key names, so that deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z.string().trim().min(1).max(64).default("parley:"),
  /**
   * Who may create an account, written at every start: `open` (anyone), `invite` (holders of an
   * administrator's invite link) or `closed`. Unset: the policy administrators last chose (open
   * on a new server). The server's first account is its administrator whatever this says.
   */
  REGISTRATION: optionalSetting(
    z.enum(["open", "invite", "closed"], { error: "REGISTRATION must be open, invite or closed" }),
  ),
  /** HS256 key for access tokens: at least 32 bytes; required in production. */
  JWT_SECRET: optionalSetting(z.string()),
  /** How long an access token lives, in seconds. */
  TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(60 * 60 * 24 * 365)
    .default(60 * 60 * 24 * 7),
  /** The name join/leave notices are sent under by the seed WebSocket protocols. */
  SYSTEM_USER_NAME: z.string().trim().min(1).max(32).default("system"),
  /** The most messages a resumed subscription replays before it asks the client to refetch instead. */
  RESUME_MAX_EVENTS: z.coerce.number().int().min(1).max(100_000).default(1000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * How long a process may trust what it learnt about a token or a membership without asking the
   * database again, in milliseconds (changes are announced to every process at once; this bounds
   * the cost of a missed announcement). 0: ask every time.
   */
  ACCESS_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(10_000),
  /**
   * How long after sending its author may edit a message, in seconds. Unset or 0: no limit.
   */
  MESSAGE_EDIT_WINDOW: optionalSetting(
    z.coerce
      .number({ error: "MESSAGE_EDIT_WINDOW must be a number of seconds" })
      .int("MESSAGE_EDIT_WINDOW must be a whole number of seconds")
      .min(0, "MESSAGE_EDIT_WINDOW must not be negative")
      .max(60 * 60 * 24 * 365 * 10, "MESSAGE_EDIT_WINDOW must be at most ten years"),
  ),
  /** The name error frames are sent under by the seed WebSocket protocols. */
  ERROR_USER_NAME: z.string().trim().min(1).max(32).default("error"),
  /**
   * Password checks per account name (existing or not) before it must wait, each counted before
   * the password is verified and cleared by a successful login: "<count>/<window>" or "off".
   */
  LIMIT_LOGIN_PER_ACCOUNT: RateSetting.prefault("10/15m"),
  /** Login attempts per client address. */
  LIMIT_LOGIN_PER_ADDRESS: RateSetting.prefault("100/15m"),
  /** Registrations per client address. */
  LIMIT_REGISTER_PER_ADDRESS: RateSetting.prefault("20/1h"),
  /** Messages per user per room. */
  LIMIT_MESSAGES_PER_ROOM: RateSetting.prefault("10/5s"),
  /** Changes to messages (edits, deletions, reactions, pins) per user per room. */
  LIMIT_CHANGES_PER_ROOM: RateSetting.prefault("30/5s"),
  /** Searches (`search.messages`, each page) per user. */
  LIMIT_SEARCHES_PER_USER: RateSetting.prefault("30/10s"),
  /** File uploads per user (`POST /files`), counted before the body is read. */
  LIMIT_UPLOADS_PER_USER: RateSetting.prefault("30/1m"),
  /**
   * Messages per incoming webhook (`POST /hooks/<id>/<secret>`), counted per hook whatever posts
   * to it: "<count>/<window>" (s, m or h) or "off". Slack allows about one a second with bursts.
   */
  LIMIT_MESSAGES_PER_HOOK: RateSetting.prefault("60/1m"),
  /**
   * Deliver outgoing webhooks to private, loopback, link-local and other reserved addresses too
   * (a receiver on the same host or network). Off: such targets are refused (SSRF), at creation for
   * an address written in the URL, and at every attempt for a name that resolves to one.
   */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(["true", "false", "1", "0"], { error: "WEBHOOK_ALLOW_PRIVATE must be true or false" })
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** How long one outgoing-webhook attempt may take, connecting included, in milliseconds. */
  WEBHOOK_TIMEOUT_MS: z.coerce
    .number({ error: "WEBHOOK_TIMEOUT_MS must be a number of milliseconds" })
    .int("WEBHOOK_TIMEOUT_MS must be a whole number of milliseconds")
    .min(100, "WEBHOOK_TIMEOUT_MS must be at least 100")
    .max(60_000, "WEBHOOK_TIMEOUT_MS must be at most 60000 (a minute)")
    .default(5000),
  /**
   * The delay before an outgoing webhook's first retry, in seconds; each next one doubles it (with
   * jitter), 13 retries in all: at 10 s they span 23 to 45 hours.
   */
  WEBHOOK_RETRY_DELAY_SECONDS: z.coerce
    .number({ error: "WEBHOOK_RETRY_DELAY_SECONDS must be a number of seconds" })
    .int("WEBHOOK_RETRY_DELAY_SECONDS must be a whole number of seconds")
    .min(1, "WEBHOOK_RETRY_DELAY_SECONDS must be at least 1")
    .max(3600, "WEBHOOK_RETRY_DELAY_SECONDS must be at most 3600")
    .default(10),
  /** The largest file one upload may carry, in bytes (after nothing: the body as sent). Default 25 MiB. */
  UPLOAD_MAX_BYTES: z.coerce
    .number({ error: "UPLOAD_MAX_BYTES must be a number of bytes" })
    .int("UPLOAD_MAX_BYTES must be a whole number of bytes")
    .min(1, "UPLOAD_MAX_BYTES must be at least 1")
    .max(5 * 1024 ** 3, "UPLOAD_MAX_BYTES must be at most 5 GiB (one S3 PutObject)")
    .default(25 * 1024 * 1024),
  /** How long a signed download link lives, in seconds (Parley's own on disk, or S3 presigned). */
  FILE_URL_TTL_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** The S3 bucket files are kept in. Unset: files live under DATA_DIR/files. */
  S3_BUCKET: optionalSetting(z.string().trim().min(3).max(63)),
  /** The bucket's region (any value for MinIO, Garage or s3rver; "auto" for R2). */
  S3_REGION: optionalSetting(z.string().trim().min(1)),
  /** An S3-compatible endpoint (MinIO, R2, Garage, s3rver); unset: AWS S3 of S3_REGION. */
  S3_ENDPOINT: optionalUrl(["http", "https"], "S3_ENDPOINT"),
  S3_ACCESS_KEY_ID: optionalSetting(z.string().trim().min(1)),
  S3_SECRET_ACCESS_KEY: optionalSetting(z.string().trim().min(1)),
  /**
   * Where in the bucket Parley keeps its objects: every key starts with it, and the sweeper lists and
   * removes only under it (and only keys of Parley's own shape). Empty: the bucket's root.
   */
  S3_PREFIX: z
    .string()
    .trim()
    .max(200, "S3_PREFIX must be at most 200 characters")
    .regex(/^([\w.-]+\/)*$/, "S3_PREFIX must be folder names each ending in / (parley/), or empty")
    .default("parley/"),
  /** Address the bucket as <endpoint>/<bucket>/<key> rather than <bucket>.<endpoint>/<key> (MinIO, Garage, s3rver). */
  S3_FORCE_PATH_STYLE: z
    .enum(["true", "false", "1", "0"], { error: "S3_FORCE_PATH_STYLE must be true or false" })
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /**
   * The proxies whose X-Forwarded-For is believed, comma-separated: addresses, CIDR ranges, or
   * "loopback", "linklocal", "uniquelocal". Unset: none; the client address is the socket's peer.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

export interface ApiConfig {
  env: ApiEnv["NODE_ENV"];
  db: DbConfig;
  /** REDIS_URL or REDIS_CLUSTER_NODES; undefined: the in-process bus (one process only). */
  redis: RedisTarget | undefined;
  redisPrefix: string;
  auth: { secret: Uint8Array; tokenTtlSeconds: number };
  systemUserName: string;
  errorUserName: string;
  logLevel: ApiEnv["LOG_LEVEL"];
  resumeLimit: number;
  accessCacheMs: number;
  /** MESSAGE_EDIT_WINDOW in seconds; null: edits are possible for ever. */
  messageEditWindowSeconds: number | null;
  limits: RateLimits;
  /** See TRUST_PROXY. */
  trustProxy: TrustProxy;
  files: FilesConfig;
  /** REGISTRATION; undefined: the stored policy stays. */
  registration: ApiEnv["REGISTRATION"];
  /** WEBHOOK_*: the outgoing webhooks' delivery. */
  webhooks: WebhooksConfig;
}

/** The outgoing webhooks' settings (WEBHOOK_*), parsed once per process. */
export interface WebhooksConfig {
  /** WEBHOOK_ALLOW_PRIVATE: deliver to private, loopback and link-local addresses too. */
  allowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_MS: how long one attempt may take, connecting included, in milliseconds. */
  timeoutMs: number;
  /** WEBHOOK_RETRY_DELAY_SECONDS: the first retry's delay (then doubling, with jitter), in seconds. */
  retryDelaySeconds: number;
}

/** Where files are kept and how they are handed out (see files/ and services/files.ts). */
export interface FilesConfig {
  /** UPLOAD_MAX_BYTES. */
  maxBytes: number;
  /** FILE_URL_TTL_SECONDS. */
  urlTtlSeconds: number;
  /** DATA_DIR/files: the disk store's files, and every mode's uploads while they arrive (DATA_DIR/files/tmp). */
  dir: string;
  /** The S3 settings, all given; null: the disk store. */
  s3: S3Config | null;
}

export interface S3Config {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** S3_PREFIX: the start of every key Parley writes, lists and removes ('' : the bucket's root). */
  prefix: string;
}

/** Raised when configuration is invalid; the message lists every problem at once. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Parses the API's settings from the process environment. A process that has settings of its own
 * parses them all at once instead, with a schema that extends ApiEnv, and hands the result to
 * `apiConfigFrom`. Throws a ConfigError as `apiConfigFrom` does, or naming every invalid setting.
 */
export async function loadApiConfig(source: Settings = process.env): Promise<ApiConfig> {
  return apiConfigFrom(parseSettings(ApiEnv, source));
}

/**
 * The API's configuration from settings already parsed with ApiEnv (or a schema that extends it).
 * In production a missing or short JWT_SECRET is a ConfigError; in development a random secret is
 * generated once and kept under DATA_DIR.
 */
export async function apiConfigFrom(env: ApiEnv): Promise<ApiConfig> {
  return {
    env: env.NODE_ENV,
    db: dbConfigFrom(env),
    redis: redisTargetOf(env),
    redisPrefix: env.REDIS_PREFIX,
    auth: { secret: await resolveJwtSecret(env), tokenTtlSeconds: env.TOKEN_TTL_SECONDS },
    systemUserName: env.SYSTEM_USER_NAME,
    errorUserName: env.ERROR_USER_NAME,
    logLevel: env.LOG_LEVEL,
    resumeLimit: env.RESUME_MAX_EVENTS,
    accessCacheMs: env.ACCESS_CACHE_MS,
    messageEditWindowSeconds: env.MESSAGE_EDIT_WINDOW || null,
    limits: {
      loginPerAccount: env.LIMIT_LOGIN_PER_ACCOUNT,
      loginPerAddress: env.LIMIT_LOGIN_PER_ADDRESS,
      registerPerAddress: env.LIMIT_REGISTER_PER_ADDRESS,
      messagesPerRoom: env.LIMIT_MESSAGES_PER_ROOM,
      changesPerRoom: env.LIMIT_CHANGES_PER_ROOM,
      searchesPerUser: env.LIMIT_SEARCHES_PER_USER,
      uploadsPerUser: env.LIMIT_UPLOADS_PER_USER,
      messagesPerHook: env.LIMIT_MESSAGES_PER_HOOK,
    },
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    webhooks: {
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retryDelaySeconds: env.WEBHOOK_RETRY_DELAY_SECONDS,
    },
    files: {
      maxBytes: env.UPLOAD_MAX_BYTES,
      urlTtlSeconds: env.FILE_URL_TTL_SECONDS,
      dir: path.resolve(env.DATA_DIR, "files"),
      s3: s3ConfigOf(env),
    },
    registration: env.REGISTRATION,
  };
}

/** REDIS_URL or REDIS_CLUSTER_NODES, or neither; both is a ConfigError. */
function redisTargetOf(env: ApiEnv): RedisTarget | undefined {
  if (env.REDIS_URL !== undefined && env.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigError(
      "Invalid configuration:\nREDIS_URL and REDIS_CLUSTER_NODES are both set: give REDIS_URL for one Redis server, or REDIS_CLUSTER_NODES for a Redis Cluster",
    );
  }
  return env.REDIS_CLUSTER_NODES ? { clusterNodes: env.REDIS_CLUSTER_NODES } : env.REDIS_URL;
}

const S3_REQUIRED = ["S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const;

/**
 * The S3 settings when S3_BUCKET (or any S3_* setting) is given: all of S3_BUCKET, S3_REGION,
 * S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY then, else a ConfigError naming the missing ones.
 */
function s3ConfigOf(env: ApiEnv): S3Config | null {
  const given = [...S3_REQUIRED, "S3_ENDPOINT"].some((name) => env[name as keyof ApiEnv] !== undefined);
  if (!given) return null;
  const missing = S3_REQUIRED.filter((name) => env[name] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\nS3 storage needs ${missing.join(", ")} as well (or no S3_* setting at all, to keep files under DATA_DIR)`,
    );
  }
  return {
    bucket: env.S3_BUCKET as string,
    region: env.S3_REGION as string,
    endpoint: env.S3_ENDPOINT,
    accessKeyId: env.S3_ACCESS_KEY_ID as string,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    prefix: env.S3_PREFIX,
  };
}

function trustProxyOf(entries: string[]): TrustProxy {
  try {
    return compileTrustProxy(entries);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\nTRUST_PROXY: ${error instanceof Error ? error.message : error}`);
  }
}

/** Parses settings with their schema, or throws a ConfigError that names every invalid one. */
export function parseSettings<T extends z.ZodType>(schema: T, source: Settings): z.infer<T> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const MIN_SECRET_BYTES = 32;

async function resolveJwtSecret(env: ApiEnv): Promise<Uint8Array> {
  if (env.JWT_SECRET !== undefined) {
    const secret = new TextEncoder().encode(env.JWT_SECRET);
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new ConfigError(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes long`);
    }
    return secret;
  }
  if (env.NODE_ENV === "production") {
    throw new ConfigError("JWT_SECRET must be set (at least 32 bytes) when NODE_ENV=production");
  }
  const file = path.resolve(env.DATA_DIR, "jwt-secret");
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing && existing.trim().length >= MIN_SECRET_BYTES) return new TextEncoder().encode(existing.trim());
  const generated = randomBytes(48).toString("base64url");
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, generated, { mode: 0o600, flag: "wx" });
    return new TextEncoder().encode(generated);
  } catch (error) {
    // Another process starting beside this one wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return new TextEncoder().encode((await readFile(file, "utf8")).trim());
  }
}
