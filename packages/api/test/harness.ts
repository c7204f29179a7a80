import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { schema } from "@parley/db";
import { createTestDatabase, type Driver, type TestDatabase, testRedisUrl } from "@parley/db/testing";
import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import { createAccessCache } from "../src/access-cache";
import { type Bus, type BusEvent, type Channel, createMemoryBus, createRedisBus } from "../src/bus";
import { createContext } from "../src/context";
import type { Deps, FilesDeps } from "../src/deps";
import { createDiskStore } from "../src/files";
import { createLimits, type RateLimits } from "../src/limits";
import { createMetrics } from "../src/metrics";
import { createMemoryPresence } from "../src/presence";
import { appRouter } from "../src/root";
import { fileLinkKey } from "../src/services/file-links";
import { ROOM_MENTION } from "../src/services/mentions";
import { createSendBatcher } from "../src/services/send-batch";
import { createCallerFactory } from "../src/trpc";

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export interface Harness {
  deps: Deps;
  database: TestDatabase;
  /** A caller with no token. */
  anonymous: Caller;
  /** A caller presenting this token (from `clientAddress`); its subscriptions end when `signal` aborts. */
  callerFor(token: string | null, signal?: AbortSignal, clientAddress?: string | null): Caller;
  /** Registers a fresh user and returns a caller signed in as them. */
  signUp(name?: string): Promise<{ caller: Caller; token: string; id: number; username: string }>;
  /** Rows in every table: a change-nothing check compares two of these. */
  counts(): Promise<Record<string, number>>;
  /** Collects what the bus delivers on a channel from now on. */
  listen(channel: Channel): Promise<{ events: BusEvent[]; stop(): void }>;
  /** Lets the test control time (token expiry). */
  setNow(date: Date | null): void;
  dispose(): Promise<void>;
}

/**
 * Both ways to run, for `describe.each`: the all-in-one one (PGlite, the in-process bus) and the
 * scaled one (PostgreSQL, Redis at the test Redis, under a prefix of its own).
 */
export const BOTH_WAYS: [string, Driver, () => Bus][] = [
  ["PGlite and the in-process bus", "pglite", createMemoryBus],
  [
    "PostgreSQL and Redis",
    "postgres",
    () => createRedisBus(testRedisUrl, { prefix: `parley-test-${process.pid}-${Date.now()}:` }),
  ],
];

export const TEST_SECRET = new TextEncoder().encode("a test secret that is long enough for HS256!");

/** No rate limits unless a test asks for some. */
export const NO_LIMITS: RateLimits = {
  loginPerAccount: null,
  loginPerAddress: null,
  registerPerAddress: null,
  messagesPerRoom: null,
  changesPerRoom: null,
  searchesPerUser: null,
  uploadsPerUser: null,
  messagesPerHook: null,
};

export async function createHarness(
  driver: Driver,
  bus: Bus = createMemoryBus(),
  options: { limits?: Partial<RateLimits>; presenceGraceMs?: number; files?: Partial<FilesDeps> } = {},
): Promise<Harness> {
  const database = await createTestDatabase(driver);
  const filesDir = await mkdtemp(path.join(tmpdir(), "parley-files-"));
  await mkdir(path.join(filesDir, "tmp"));
  let now: Date | null = null;
  const deps: Deps = {
    db: database.handle.db,
    bus,
    presence: createMemoryPresence(bus, { graceMs: options.presenceGraceMs }),
    access: createAccessCache(bus, { ttlMs: 10_000 }),
    auth: { secret: TEST_SECRET, tokenTtlSeconds: 3600 },
    reservedUsernames: ["system", "error", ROOM_MENTION],
    clock: () => now ?? new Date(),
    metrics: createMetrics({ processMetrics: false }),
    limits: createLimits({ ...NO_LIMITS, ...options.limits }, { prefix: "test:" }),
    sends: createSendBatcher({ db: database.handle.db }),
    messages: { editWindowSeconds: null },
    files: {
      store: createDiskStore(path.join(filesDir, "store")),
      maxBytes: 25 * 1024 * 1024,
      urlTtlSeconds: 300,
      tempDir: path.join(filesDir, "tmp"),
      linkKey: fileLinkKey(TEST_SECRET),
      ...options.files,
    },
    live: { resumeLimit: 50, typingTtlMs: 5000 },
    outgoingWebhooks: { allowPrivate: true, timeoutMs: 2000, retryDelaySeconds: 1 },
  };
  const callerFor = (token: string | null, signal?: AbortSignal, clientAddress: string | null = null) =>
    createCaller(createContext(deps, token, { clientAddress }), { signal });
  return {
    deps,
    database,
    anonymous: callerFor(null),
    callerFor,
    async signUp(name) {
      const username = name ?? `u${randomBytes(4).toString("hex")}`;
      const session = await callerFor(null).auth.register({ username, password: "correct horse" });
      return { caller: callerFor(session.token), token: session.token, id: session.user.id, username };
    },
    async counts() {
      const result: Record<string, number> = {};
      for (const [name, table] of Object.entries({
        users: schema.users,
        rooms: schema.rooms,
        room_members: schema.roomMembers,
        messages: schema.messages,
        revoked_tokens: schema.revokedTokens,
      })) {
        const [row] = await deps.db.select({ n: sql<number>`count(*)::int` }).from(table);
        result[name] = row?.n ?? -1;
      }
      const [seqs] = await deps.db.select({ n: sql<number>`coalesce(sum(last_seq), 0)::int` }).from(schema.rooms);
      result.room_seq_total = seqs?.n ?? -1;
      return result;
    },
    async listen(channel) {
      const controller = new AbortController();
      const events: BusEvent[] = [];
      const stream = await bus.subscribe(channel, controller.signal);
      void (async () => {
        for await (const event of stream) events.push(event);
      })().catch(() => {});
      return { events, stop: () => controller.abort() };
    },
    setNow(date) {
      now = date;
    },
    async dispose() {
      deps.access.close();
      await deps.presence.close();
      await bus.close();
      await database.dispose();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

/** Expects a tRPC error with this code (and, optionally, words in its message). */
export async function expectTrpcError(promise: Promise<unknown>, code: TRPCError["code"], words?: RegExp) {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe(code);
  if (words) expect((error as TRPCError).message).toMatch(words);
  return error as TRPCError;
}

export { eventually } from "@parley/db/testing";

/** Reads a subscription in the background; `next(n)` waits for the next n items that `keep`. */
export async function readStream<T>(subscription: Promise<AsyncIterable<T>>, keep: (item: T) => boolean = () => true) {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let ended: unknown = null;
  let done = false;
  const iterable = await subscription;
  void (async () => {
    try {
      for await (const item of iterable) {
        if (!keep(item)) continue;
        items.push(item);
        wake?.();
      }
    } catch (error) {
      ended = error;
    } finally {
      done = true;
      wake?.();
    }
  })();
  let read = 0;
  return {
    items,
    get ended() {
      return ended;
    },
    get done() {
      return done;
    },
    /** Resolves with the next `n` items, or rejects if the stream ends before. */
    async next(n = 1, timeoutMs = 10_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs;
      while (items.length < read + n) {
        if (done) throw new Error(`stream ended after ${items.length} items: ${String(ended)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} items; have ${items.length - read}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
      const out = items.slice(read, read + n);
      read += n;
      return out;
    },
    async untilDone(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done) {
        if (Date.now() > deadline) throw new Error("the stream did not end");
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      }
      return ended;
    },
  };
}
