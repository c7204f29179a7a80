import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Bus, PresenceEntry } from "./bus";

/** Who is online in which room: people with a live subscription to it, on any instance. */
export interface Presence {
  /**
   * Marks the user online in the room until the returned `leave` is called. Entering again with
   * another username (after a rename) shows the new one from then on.
   */
  enter(roomId: number, who: PresenceEntry): Promise<() => Promise<void>>;
  online(roomId: number): Promise<PresenceEntry[]>;
  close(): Promise<void>;
}

interface Store {
  add(roomId: number, who: PresenceEntry): Promise<void>;
  remove(roomId: number, who: PresenceEntry): Promise<void>;
  online(roomId: number): Promise<PresenceEntry[]>;
}

/**
 * At most one announcement per room per this long (the first at once, the rest folded into one at
 * the end of the window): a crowd arriving together, such as a mass reconnect after a restart,
 * costs a handful of announcements to the room instead of one per person.
 */
export const PRESENCE_ANNOUNCE_EVERY_MS = 500;

/**
 * Counts this process's subscriptions per room and user, and tells the room (through the bus)
 * when its set of people online changes. The store says who is online across processes.
 */
function presenceOver(store: Store, bus: Bus, announceEveryMs = PRESENCE_ANNOUNCE_EVERY_MS) {
  const local = new Map<number, Map<number, { who: PresenceEntry; count: number }>>();
  /** Per room: when it was last announced, and the announcement due at the end of the window. */
  const throttle = new Map<number, { last: number; due?: NodeJS.Timeout }>();

  const announceNow = async (roomId: number) =>
    bus.publish({ type: "room.presence", roomId, online: await store.online(roomId) });

  async function announce(roomId: number): Promise<void> {
    const state = throttle.get(roomId) ?? { last: 0 };
    throttle.set(roomId, state);
    if (state.due) return; // already due: it will read the state as it is then
    const wait = state.last + announceEveryMs - Date.now();
    if (wait <= 0) {
      state.last = Date.now();
      await announceNow(roomId);
      return;
    }
    state.due = setTimeout(() => {
      state.due = undefined;
      state.last = Date.now();
      if (!local.has(roomId)) throttle.delete(roomId);
      announceNow(roomId).catch(() => {}); // the bus reports its own failures
    }, wait);
    state.due.unref();
  }

  const presence: Presence & { local: typeof local } = {
    local,
    async enter(roomId, who) {
      const room = local.get(roomId) ?? new Map();
      local.set(roomId, room);
      const entry = room.get(who.userId) ?? { who, count: 0 };
      room.set(who.userId, entry);
      entry.count++;
      if (entry.count === 1) {
        await store.add(roomId, who);
        await announce(roomId);
      } else if (entry.who.username !== who.username) {
        // Entered again under a new name (a rename): everybody sees the new one.
        const before = entry.who;
        entry.who = who;
        await store.remove(roomId, before);
        await store.add(roomId, who);
        await announce(roomId);
      }
      let left = false;
      return async () => {
        if (left) return;
        left = true;
        entry.count--;
        if (entry.count > 0) return;
        room.delete(who.userId);
        if (room.size === 0) local.delete(roomId);
        await store.remove(roomId, entry.who);
        await announce(roomId);
      };
    },
    online: (roomId) => store.online(roomId),
    async close() {
      for (const state of throttle.values()) clearTimeout(state.due);
      throttle.clear();
    },
  };
  return presence;
}

const byName = (a: PresenceEntry, b: PresenceEntry) => a.username.localeCompare(b.username);

/** Presence for one process: the all-in-one mode and tests. */
export function createMemoryPresence(bus: Bus, announceEveryMs?: number): Presence {
  const rooms = new Map<number, Map<number, PresenceEntry>>();
  return presenceOver(
    {
      async add(roomId, who) {
        const room = rooms.get(roomId) ?? new Map();
        rooms.set(roomId, room.set(who.userId, who));
      },
      async remove(roomId, who) {
        rooms.get(roomId)?.delete(who.userId);
      },
      async online(roomId) {
        return [...(rooms.get(roomId)?.values() ?? [])].sort(byName);
      },
    },
    bus,
    announceEveryMs,
  );
}

export interface RedisPresenceOptions {
  prefix: string;
  /** How long an instance's entries live in Redis unless it renews them (it renews every third). */
  ttlMs?: number;
}

/**
 * Presence shared by every instance: a sorted set per room in Redis, one member per instance and
 * user, scored by its expiry. Each instance renews its own members; an instance that dies stops
 * renewing, its members expire, and the next renewal elsewhere announces the change.
 */
export function createRedisPresence(url: string, bus: Bus, options: RedisPresenceOptions): Presence {
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
  redis.on("error", () => {}); // ioredis reconnects by itself
  const ttlMs = options.ttlMs ?? 30_000;
  const instance = randomUUID();
  const key = (roomId: number) => `${options.prefix}presence:${roomId}`;
  const member = (who: PresenceEntry) => `${instance}|${who.userId}|${who.username}`;
  const lastAnnounced = new Map<number, string>();

  const store: Store = {
    async add(roomId, who) {
      await redis.zadd(key(roomId), Date.now() + ttlMs, member(who));
    },
    async remove(roomId, who) {
      await redis.zrem(key(roomId), member(who));
    },
    async online(roomId) {
      await redis.zremrangebyscore(key(roomId), "-inf", String(Date.now()));
      const people = new Map<number, PresenceEntry>();
      for (const m of await redis.zrange(key(roomId), "0", "-1")) {
        const [, id, username = ""] = m.split("|");
        people.set(Number(id), { userId: Number(id), username });
      }
      const online = [...people.values()].sort(byName);
      lastAnnounced.set(roomId, JSON.stringify(online));
      return online;
    },
  };
  const presence = presenceOver(store, bus);

  const renew = setInterval(async () => {
    try {
      for (const [roomId, people] of presence.local) {
        const before = lastAnnounced.get(roomId);
        const pipeline = redis.pipeline();
        for (const { who } of people.values()) pipeline.zadd(key(roomId), Date.now() + ttlMs, member(who));
        await pipeline.exec();
        const online = await store.online(roomId);
        if (JSON.stringify(online) !== before) await bus.publish({ type: "room.presence", roomId, online });
      }
    } catch {
      // Redis is away; the next renewal tries again.
    }
  }, ttlMs / 3);
  renew.unref();

  return {
    enter: presence.enter,
    online: presence.online,
    async close() {
      clearInterval(renew);
      await presence.close();
      const pipeline = redis.pipeline();
      for (const [roomId, people] of presence.local) {
        for (const { who } of people.values()) pipeline.zrem(key(roomId), member(who));
      }
      await pipeline.exec().catch(() => {});
      await redis.quit().catch(() => {});
    },
  };
}
