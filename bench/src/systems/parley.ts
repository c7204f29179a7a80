import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { createDb, foldName, schema } from "@parley/db";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { freePort, LIMITS_LIFTED } from "@parley/realtime/testing";
import { inArray } from "drizzle-orm";
import { parleyPublisher, parleySubscriber } from "../clients/parley-client";
import { type PinnedProcess, repoRoot, startPinned } from "./pinned-process";
import { realtimeBundle } from "./realtime-bundle";
import { inBatches, type System } from "./system";
import { trpcCall } from "./trpc-http";

export interface ParleySystem extends System {
  database: TestDatabase;
  /** Tokens of the user pool; user 0 owns every room. */
  tokens: string[];
  /** The environment every Parley process of this run shares (for the web process of the send path). */
  env: Record<string, string>;
  /** Its abuse limits: lifted for the pool of users, or Parley's defaults. */
  limits: "lifted" | "defaults";
}

/**
 * What the realtime instances run: the bundle built from this checkout (unset); the TypeScript
 * sources through tsx (`source`, as `npm run start:realtime` does); or a bundle built before and
 * kept aside (a path to its `main.mjs`, from the repository root or absolute: another commit's, to
 * compare two builds side by side, alternating runs). A kept bundle must sit under the repository
 * (e.g. `bench/dist/realtime-a/`), where its external packages resolve from node_modules.
 */
async function realtimeEntry(choice: string | undefined): Promise<string> {
  if (choice === "source") return "apps/realtime/src/main.ts";
  if (choice?.endsWith(".mjs")) {
    if (!existsSync(path.resolve(repoRoot, choice))) throw new Error(`BENCH_REALTIME: no bundle at ${choice}`);
    return choice;
  }
  if (choice) throw new Error(`BENCH_REALTIME must be "source" or a bundle's main.mjs, not "${choice}"`);
  return realtimeBundle();
}

/**
 * Parley's scaled topology: two realtime instances (the production bundle of apps/realtime/src/main.ts,
 * built first: see `realtimeBundle`) on a fresh
 * PostgreSQL database and the local Redis under a prefix of their own, and a pool of users
 * registered through `auth.register` (argon2 makes one user per connection too slow to set up).
 */
export async function startParley(options: {
  users: number;
  cpuProfDir?: string;
  /** Run with Parley's default abuse limits instead of lifting them. */
  defaultLimits?: boolean;
}): Promise<ParleySystem> {
  const database = await createTestDatabase("postgres");
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: "redis://127.0.0.1:6379",
    REDIS_PREFIX: `bench-parley-${randomBytes(4).toString("hex")}:`,
    JWT_SECRET: randomBytes(48).toString("base64"),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    // A connection holds one or two subscriptions here; the cap only has to stay out of the way.
    WS_MAX_SUBSCRIPTIONS: "1000",
    // A pool of users on one address sends and connects far past what one person may; with the
    // default limits, the pool still has to be registered from one address.
    ...(options.defaultLimits ? { LIMIT_REGISTER_PER_ADDRESS: "off" } : LIMITS_LIFTED),
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const entry = await realtimeEntry(process.env.BENCH_REALTIME);
  const instances: PinnedProcess[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    instances.push(
      await startPinned({
        name: `parley-realtime-${i}`,
        entry,
        env: { ...env, REALTIME_PORT: String(port) },
        port,
        cpuProfDir: options.cpuProfDir,
      }),
    );
  }
  const api = instances[0]?.url ?? "";
  const run = randomBytes(3).toString("hex");
  const tokens = await inBatches(
    Array.from({ length: options.users }, (_, i) => i),
    4,
    async (i) =>
      (
        await trpcCall<{ token: string }>(api, "auth.register", {
          username: `bench-${run}-${i}`,
          password: "bench-password",
        })
      ).token,
  );
  let rooms = 0;
  const urlOf = (instance: number) => instances[instance % instances.length]?.url ?? "";
  return {
    name: "parley",
    description: `Parley: 2 realtime instances (tRPC over WebSocket; ${
      entry.endsWith(".ts")
        ? "from source through tsx"
        : process.env.BENCH_REALTIME
          ? `a production bundle built earlier, ${entry}`
          : "the production bundle, as the Docker image runs it"
    }), PostgreSQL 15 (every message stored), Redis bus`,
    instances,
    database,
    tokens,
    env,
    limits: options.defaultLimits ? "defaults" : "lifted",
    async createRoom() {
      const room = await trpcCall<{ id: number }>(
        api,
        "rooms.create",
        { name: `bench ${run} ${++rooms}` },
        { token: tokens[0] },
      );
      await inBatches(tokens.slice(1), 8, (token) => trpcCall(api, "rooms.join", { roomId: room.id }, { token }));
      return room.id;
    },
    async createRooms(count) {
      // In SQL, not through the API: a thousand rooms times every user's join would take minutes.
      const { db, close } = await createDb({ databaseUrl: database.url, dataDir: "", poolMax: 1 });
      try {
        const owner = (await db.select({ id: schema.users.id }).from(schema.users).limit(1))[0]?.id;
        const names = Array.from({ length: count }, (_, i) => {
          const name = `bench ${run} many ${i}`;
          return { name, nameKey: foldName(name), ownerId: owner };
        });
        const made = await db.insert(schema.rooms).values(names).returning({ id: schema.rooms.id });
        const everyone = await db.select({ id: schema.users.id }).from(schema.users);
        const memberships = made.flatMap((room) => everyone.map((user) => ({ roomId: room.id, userId: user.id })));
        for (let i = 0; i < memberships.length; i += 5000)
          await db.insert(schema.roomMembers).values(memberships.slice(i, i + 5000));
        return made.map((room) => room.id);
      } finally {
        await close();
      }
    },
    async dropRooms(roomIds) {
      const { db, close } = await createDb({ databaseUrl: database.url, dataDir: "", poolMax: 1 });
      await db.delete(schema.rooms).where(inArray(schema.rooms.id, roomIds)).finally(close);
    },
    subscribe(instance, roomId, member, subscribeOptions) {
      return parleySubscriber(urlOf(instance), tokens[member % tokens.length] ?? "", roomId, subscribeOptions);
    },
    publisher(instance, roomId) {
      return parleyPublisher(urlOf(instance), tokens[0] ?? "", roomId);
    },
    async stop() {
      await Promise.all(instances.map((p) => p.stop()));
      await database.dispose();
    },
  };
}
