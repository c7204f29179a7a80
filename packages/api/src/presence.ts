import { randomUUID } from "node:crypto";
import type { ChainableCommander } from "ioredis";
import type { Bus, PresenceStatus } from "./bus";
import { connectRedis, type RedisTarget } from "./redis";

/**
 * Who is connected, per user, across every instance. A user is `online` while any of their
 * connections (a client's presence subscription, in any tab, on any instance) is active, `away`
 * while every one of them says it is idle, `offline` when none is connected. Each change of a
 * user's status is published once, as a `presence` event on the user's presence channel; `offline`
 * only after `PRESENCE_OFFLINE_GRACE_MS` without a connection.
 */
export interface Presence {
  /**
   * Counts one connection of the user (idle when `away`) until the returned release is called
   * (calling it again does nothing). Resolves once the change is recorded and announced.
   */
  connect(userId: number, away: boolean): Promise<() => Promise<void>>;
  /** The users' statuses as last announced, in the order of `userIds` (one round trip). */
  statuses(userIds: number[]): Promise<PresenceStatus[]>;
  close(): Promise<void>;
}

/**
 * How long, in ms, a user whose last connection ended still shows their last status before
 * `offline` is announced: a reload, a room switch or a quick reconnect shows no flicker.
 */
export const PRESENCE_OFFLINE_GRACE_MS = 5_000;

/** How much later than the grace its check runs, in ms, so that the entry it left has expired by then. */
const GRACE_CHECK_MARGIN_MS = 20;

/** What one process contributes to a user's status: its connections' state, or `leaving` (none, within the grace). */
type LocalState = "online" | "away" | "leaving";

interface Store {
  /** Records this process's state for the user (`leaving` lasts `graceMs`, the others until renewed or replaced). */
  put(userId: number, state: LocalState): Promise<void>;
  /**
   * Works out the user's status across processes and, when it differs from the one last announced,
   * records it and returns it (the caller announces it); undefined when nothing changed, or while
   * the user is leaving and has no connection elsewhere.
   */
  settle(userId: number): Promise<PresenceStatus | undefined>;
  /** The statuses last announced (`offline` for users never announced). */
  announced(userIds: number[]): Promise<PresenceStatus[]>;
}

/** A process's connections of one user. */
interface Connections {
  active: number;
  idle: number;
  /** The state last put in the store. */
  put?: LocalState;
}

const stateOf = (c: Connections): LocalState => (c.active > 0 ? "online" : c.idle > 0 ? "away" : "leaving");

/**
 * The strongest of the states processes hold for a user (`online` over `away` over `leaving`);
 * `offline` when none holds one.
 */
function statusOf(states: Iterable<LocalState>): PresenceStatus | "leaving" {
  let status: PresenceStatus | "leaving" = "offline";
  for (const state of states) {
    if (state === "online") return "online";
    if (state === "away" || status === "offline") status = state;
  }
  return status;
}

/**
 * Counts this process's connections per user, puts its state per user in the store when it changes,
 * and announces (through the bus) each change of a user's status the store reports.
 */
function presenceOver(store: Store, bus: Bus, graceMs: number) {
  const local = new Map<number, Connections>();
  /** Per user without a connection here: the check that announces `offline` once the grace is over. */
  const graceChecks = new Map<number, NodeJS.Timeout>();

  async function settle(userId: number): Promise<void> {
    const status = await store.settle(userId);
    if (status) await bus.publish({ type: "presence", userId, status });
  }

  async function changed(userId: number, connections: Connections): Promise<void> {
    const state = stateOf(connections);
    if (state === connections.put) return;
    connections.put = state;
    clearTimeout(graceChecks.get(userId));
    graceChecks.delete(userId);
    if (state === "leaving") {
      local.delete(userId);
      const check = setTimeout(() => {
        graceChecks.delete(userId);
        settle(userId).catch(() => {}); // the bus and the store report their own failures
      }, graceMs + GRACE_CHECK_MARGIN_MS);
      check.unref();
      graceChecks.set(userId, check);
    }
    try {
      await store.put(userId, state);
      await settle(userId);
    } catch {
      // The store (Redis) is away: the next renewal puts this state again and settles the user, and a
      // `leaving` entry that was not written expires with the entry it should have replaced.
    }
  }

  const presence: Presence & { local: typeof local; settle: typeof settle } = {
    local,
    settle,
    async connect(userId, away) {
      let connections = local.get(userId);
      if (!connections) {
        connections = { active: 0, idle: 0 };
        local.set(userId, connections);
      }
      const counted = connections;
      const kind = away ? "idle" : "active";
      counted[kind]++;
      await changed(userId, counted);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        counted[kind]--;
        await changed(userId, counted);
      };
    },
    statuses: (userIds) => store.announced(userIds),
    async close() {
      for (const check of graceChecks.values()) clearTimeout(check);
      graceChecks.clear();
    },
  };
  return presence;
}

export interface PresenceOptions {
  /** How long a user without connections keeps their status before `offline` (ms; PRESENCE_OFFLINE_GRACE_MS). */
  graceMs?: number;
}

/** Presence for one process: the all-in-one mode and tests. */
export function createMemoryPresence(bus: Bus, options: PresenceOptions = {}): Presence {
  const graceMs = options.graceMs ?? PRESENCE_OFFLINE_GRACE_MS;
  const states = new Map<number, { state: LocalState; until: number }>();
  const announced = new Map<number, PresenceStatus>();
  return presenceOver(
    {
      async put(userId, state) {
        states.set(userId, { state, until: state === "leaving" ? Date.now() + graceMs : Number.POSITIVE_INFINITY });
      },
      async settle(userId) {
        const held = states.get(userId);
        if (held && held.until <= Date.now()) states.delete(userId);
        const status = statusOf(states.has(userId) && held ? [held.state] : []);
        if (status === "leaving" || status === (announced.get(userId) ?? "offline")) return undefined;
        if (status === "offline") announced.delete(userId);
        else announced.set(userId, status);
        return status;
      },
      async announced(userIds) {
        return userIds.map((id) => announced.get(id) ?? "offline");
      },
    },
    bus,
    graceMs,
  );
}

export interface RedisPresenceOptions extends PresenceOptions {
  prefix: string;
  /** How long an instance's entries live in Redis unless it renews them, in ms (30 000). */
  ttlMs?: number;
  /**
   * How often, in ms, an instance renews its entries and looks for users whose entries all expired
   * (an instance died): a third of `ttlMs` unless given.
   */
  renewEveryMs?: number;
}

/**
 * The user's status worked out from every instance's entry in the user's sorted set (member
 * `<instance>|<state>`, scored by its expiry in ms since the epoch), compared with the one last
 * announced and recorded when it differs, in one step so that two instances never announce the
 * same change. KEYS: the user's entries, the user's announced status, the index of users with
 * entries (of the user's group: one slot with the other two). ARGV: now (ms), the user's id. Returns the new status, or nil.
 */
const SETTLE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local status = 'offline'
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local state = string.match(member, '|(%a+)$')
  if state == 'online' then status = 'online' break end
  if state == 'away' or status == 'offline' then status = state end
end
if status == 'leaving' then return false end
local before = redis.call('GET', KEYS[2]) or 'offline'
if before == status then return false end
if status == 'offline' then
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[3], ARGV[2])
else
  redis.call('SET', KEYS[2], status)
end
return status
`;

/**
 * How many groups users' presence keys fall into. A group's keys share a hash tag, so that on a Redis
 * Cluster each user's keys and the index they are in live in one slot (the settle script and the
 * transactions touch them together), while the groups spread over the masters.
 */
const PRESENCE_GROUPS = 16;

const groupOf = (userId: number) => ((userId % PRESENCE_GROUPS) + PRESENCE_GROUPS) % PRESENCE_GROUPS;

/** `items` by the group `groupOfItem` puts each in, in their order. */
function byGroup<T>(items: Iterable<T>, groupOfItem: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const group = groupOfItem(item);
    const members = groups.get(group);
    if (members) members.push(item);
    else groups.set(group, [item]);
  }
  return groups;
}

/**
 * Presence shared by every instance through Redis (one server or a cluster): per user, a sorted set
 * with one entry per instance holding connections of the user (its state, scored by its expiry), the
 * status last announced, and, per group of users, an index of users with entries (scored by their
 * latest expiry). Each instance renews its own entries; an instance that dies stops renewing, its
 * entries expire, and the next sweep of another instance (every `renewEveryMs`) announces the change.
 * Keys are `<prefix>presence:{p<group>}:…`: each command, script and transaction stays in one slot.
 */
export function createRedisPresence(target: RedisTarget, bus: Bus, options: RedisPresenceOptions): Presence {
  const redis = connectRedis(target, { maxRetriesPerRequest: 3 });
  redis.on("error", () => {}); // ioredis reconnects by itself
  redis.defineCommand("settlePresence", { numberOfKeys: 3, lua: SETTLE_SCRIPT });
  const settleCommand = (redis as unknown as { settlePresence(...args: string[]): Promise<PresenceStatus | null> })
    .settlePresence;
  const ttlMs = options.ttlMs ?? 30_000;
  const graceMs = options.graceMs ?? PRESENCE_OFFLINE_GRACE_MS;
  const instance = randomUUID();
  const groupKey = (group: number) => `${options.prefix}presence:{p${group}}`;
  const entriesKey = (userId: number) => `${groupKey(groupOf(userId))}:entries:${userId}`;
  const statusKey = (userId: number) => `${groupKey(groupOf(userId))}:status:${userId}`;
  const indexKey = (userId: number) => `${groupKey(groupOf(userId))}:users`;
  const entryOf = (state: LocalState) => `${instance}|${state}`;
  const mine = ["online", "away", "leaving"].map((state) => entryOf(state as LocalState));

  /** Queues the writes that make the user's entry from this instance `state`, for `lifeMs`. */
  const putInto = (pipeline: ChainableCommander, userId: number, state: LocalState, lifeMs: number) => {
    const expiry = Date.now() + lifeMs;
    pipeline.zrem(entriesKey(userId), ...mine);
    pipeline.zadd(entriesKey(userId), expiry, entryOf(state));
    pipeline.pexpire(entriesKey(userId), Math.max(ttlMs, graceMs));
    pipeline.zadd(indexKey(userId), "GT", expiry, String(userId));
  };

  /** Puts each user's entry in one transaction per group (one slot each); resolves when all are done. */
  const putAll = (users: [userId: number, state: LocalState][], lifeMs: (state: LocalState) => number) =>
    Promise.all(
      [...byGroup(users, ([userId]) => groupOf(userId)).values()].map((group) => {
        const transaction = redis.multi();
        for (const [userId, state] of group) putInto(transaction, userId, state, lifeMs(state));
        return transaction.exec();
      }),
    );

  const presence = presenceOver(
    {
      async put(userId, state) {
        const transaction = redis.multi();
        putInto(transaction, userId, state, state === "leaving" ? graceMs : ttlMs);
        await transaction.exec();
      },
      async settle(userId) {
        const status = await settleCommand.call(
          redis,
          entriesKey(userId),
          statusKey(userId),
          indexKey(userId),
          String(Date.now()),
          String(userId),
        );
        return status ?? undefined;
      },
      async announced(userIds) {
        const statuses = new Map<number, PresenceStatus>();
        await Promise.all(
          [...byGroup(new Set(userIds), groupOf).values()].map(async (group) => {
            const held = await redis.mget(group.map(statusKey));
            for (const [i, userId] of group.entries()) {
              const status = held[i];
              statuses.set(userId, status === "online" || status === "away" ? status : "offline");
            }
          }),
        );
        return userIds.map((userId) => statuses.get(userId) ?? "offline");
      },
    },
    bus,
    graceMs,
  );

  const renew = setInterval(
    async () => {
      try {
        const held: [number, LocalState][] = [];
        for (const [userId, connections] of presence.local) {
          if (connections.put && connections.put !== "leaving") held.push([userId, connections.put]);
        }
        await putAll(held, () => ttlMs);
        // Users whose every entry expired (their instances died), and this instance's users, whose
        // status another instance's death may have changed.
        const expired = await Promise.all(
          Array.from({ length: PRESENCE_GROUPS }, (_, group) =>
            redis.zrangebyscore(`${groupKey(group)}:users`, "-inf", String(Date.now())),
          ),
        );
        const users = new Set([...expired.flat().map(Number), ...presence.local.keys()]);
        await Promise.all([...users].map((userId) => presence.settle(userId)));
      } catch {
        // Redis is away; the next renewal tries again.
      }
    },
    options.renewEveryMs ?? ttlMs / 3,
  );
  renew.unref();

  return {
    connect: presence.connect,
    statuses: presence.statuses,
    async close() {
      clearInterval(renew);
      await presence.close();
      // Clients move to other instances: their users are leaving, not gone, so nobody flickers.
      await putAll(
        [...presence.local.keys()].map((userId) => [userId, "leaving"]),
        () => graceMs,
      ).catch(() => {});
      await redis.quit().catch(() => {});
    },
  };
}
