import { randomBytes } from "node:crypto";
import { testRedisUrl } from "@parley/db/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Bus,
  type BusEvent,
  createMemoryBus,
  createRedisBus,
  type PresenceStatus,
  presenceChannel,
} from "../src/bus";
import { createMemoryPresence, createRedisPresence, type Presence } from "../src/presence";
import { MAX_WATCHED_USERS } from "../src/schemas";
import type { PresenceStreamEvent } from "../src/services/presence";
import { createHarness, expectTrpcError, type Harness, readStream } from "./harness";

type PresenceEvent = Extract<BusEvent, { type: "presence" }>;

/** A short grace, so that the tests wait for it without slowing the suite. */
const GRACE_MS = 300;

/** One process's presence and bus; in the scaled mode, a Redis of its own prefix shared by the instances. */
interface Instance {
  bus: Bus;
  presence: Presence;
}

const stops: AbortController[] = [];
const instances: Instance[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop.abort();
  for (const { bus, presence } of instances.splice(0)) {
    await presence.close();
    await bus.close();
  }
});

/** Collects every presence announcement about `userId` heard on `bus`; `until` waits for one that satisfies `done`. */
async function announcementsOf(bus: Bus, userId: number) {
  const stop = new AbortController();
  stops.push(stop);
  const heard: PresenceEvent[] = [];
  const events = (await bus.subscribe(presenceChannel(userId), stop.signal))[Symbol.asyncIterator]();
  let read = 0;
  const until = async (done: (event: PresenceEvent) => boolean): Promise<PresenceEvent> => {
    for (;;) {
      while (read < heard.length) {
        const event = heard[read++] as PresenceEvent;
        if (done(event)) return event;
      }
      const next = await events.next();
      if (next.done) throw new Error("the stream ended");
      if (next.value.type === "presence") heard.push(next.value);
    }
  };
  return { heard, statuses: () => heard.map((e) => e.status), until };
}

const setups = {
  memory: () => {
    const bus = createMemoryBus();
    const presence = createMemoryPresence(bus, { graceMs: GRACE_MS });
    const instance = { bus, presence };
    instances.push(instance);
    // One process: a "second instance" is the same one.
    return { first: instance, second: instance };
  },
  redis: () => {
    const prefix = `t${randomBytes(4).toString("hex")}:`;
    const make = () => {
      const bus = createRedisBus(testRedisUrl, { prefix });
      const presence = createRedisPresence(testRedisUrl, bus, { prefix, graceMs: GRACE_MS, ttlMs: 3000 });
      const instance = { bus, presence };
      instances.push(instance);
      return instance;
    };
    return { first: make(), second: make() };
  },
};

describe.each(Object.keys(setups) as (keyof typeof setups)[])("per-user presence (%s)", (mode) => {
  let nextUser = 1000;
  const aUser = () => nextUser++;

  it("is online while any connection is active, away only when every one is idle", async () => {
    const { first, second } = setups[mode]();
    const user = aUser();
    const heard = await announcementsOf(first.bus, user);
    const active = await first.presence.connect(user, false);
    await heard.until((e) => e.status === "online");
    const idle = await second.presence.connect(user, true);
    expect(await second.presence.statuses([user])).toEqual(["online"]);
    await active();
    await heard.until((e) => e.status === "away");
    expect(await first.presence.statuses([user])).toEqual(["away"]);
    const activeAgain = await second.presence.connect(user, false);
    await heard.until((e) => e.status === "online");
    expect(heard.statuses()).toEqual(["online", "away", "online"]); // one announcement per change
    await activeAgain();
    await idle();
  });

  it("announces offline only after the grace, and not at all after a quick reconnect", async () => {
    const { first, second } = setups[mode]();
    const user = aUser();
    const heard = await announcementsOf(first.bus, user);
    const leave = await first.presence.connect(user, false);
    await heard.until((e) => e.status === "online");
    await leave();
    // A reload: back (on another instance, perhaps) within the grace.
    const back = await second.presence.connect(user, false);
    expect(await first.presence.statuses([user])).toEqual(["online"]);
    const left = Date.now();
    await back();
    await heard.until((e) => e.status === "offline");
    expect(Date.now() - left).toBeGreaterThanOrEqual(GRACE_MS);
    expect(heard.statuses()).toEqual(["online", "offline"]);
    expect(await second.presence.statuses([user, aUser()])).toEqual(["offline", "offline"]);
  });
});

describe("per-user presence across instances (redis)", () => {
  it("stops counting a dead instance's connections once its entries expire", async () => {
    const prefix = `t${randomBytes(4).toString("hex")}:`;
    const ttlMs = 600;
    const make = (renewEveryMs: number) => {
      const bus = createRedisBus(testRedisUrl, { prefix });
      const presence = createRedisPresence(testRedisUrl, bus, { prefix, graceMs: GRACE_MS, ttlMs, renewEveryMs });
      const instance = { bus, presence };
      instances.push(instance);
      return instance;
    };
    // The dying instance never renews (as a process that died would not), the live one sweeps often.
    const dying = make(60_000);
    const alive = make(100);
    const user = 424242;
    const heard = await announcementsOf(alive.bus, user);
    const connectedAt = Date.now();
    await dying.presence.connect(user, false);
    await heard.until((e) => e.status === "online");
    expect(await alive.presence.statuses([user])).toEqual(["online"]);
    await heard.until((e) => e.status === "offline");
    expect(Date.now() - connectedAt).toBeGreaterThanOrEqual(ttlMs);
    expect(await alive.presence.statuses([user])).toEqual(["offline"]);
  });
});

describe("events.presence", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("pglite", createMemoryBus(), { presenceGraceMs: GRACE_MS });
  });
  afterAll(() => h?.dispose());

  const watch = async (token: string, userIds: number[], away = false) => {
    const stop = new AbortController();
    stops.push(stop);
    const stream = await readStream<PresenceStreamEvent>(
      h.callerFor(token, stop.signal).events.presence({ userIds, away }),
    );
    return { stream, stop: () => stop.abort() };
  };
  const statusIn = (event: PresenceStreamEvent | undefined, userId: number): PresenceStatus | undefined =>
    event?.type === "snapshot" ? event.statuses.find((s) => s.userId === userId)?.status : event?.status;

  it("counts the caller while it runs, and tells watchers of watched users only", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const cat = await h.signUp();
    const annWatch = await watch(ann.token, [ben.id, ben.id]); // repeated ids are watched once
    const [snapshot] = await annWatch.stream.next(1);
    expect(snapshot).toEqual({ type: "snapshot", statuses: [{ userId: ben.id, status: "offline" }] });

    const catWatch = await watch(cat.token, [ann.id]); // cat is online now, but ann does not watch cat
    expect(statusIn((await catWatch.stream.next(1))[0], ann.id)).toBe("online");
    const benWatch = await watch(ben.token, [], true);
    await benWatch.stream.next(1);
    expect((await annWatch.stream.next(1))[0]).toEqual({ type: "change", userId: ben.id, status: "away" });
    const benActive = await watch(ben.token, []);
    await benActive.stream.next(1);
    expect((await annWatch.stream.next(1))[0]).toEqual({ type: "change", userId: ben.id, status: "online" });
    benActive.stop();
    benWatch.stop();
    expect((await annWatch.stream.next(1))[0]).toEqual({ type: "change", userId: ben.id, status: "offline" });
    expect(annWatch.stream.items.every((e) => e.type === "snapshot" || e.userId === ben.id)).toBe(true);

    // A watcher arriving later starts from the truth.
    const late = await watch(cat.token, [ann.id, ben.id]);
    const [now] = await late.stream.next(1);
    expect([statusIn(now, ann.id), statusIn(now, ben.id)]).toEqual(["online", "offline"]);
  });

  it("refuses to watch too many users in words, and counts nobody", async () => {
    const dan = await h.signUp();
    const tooMany = Array.from({ length: MAX_WATCHED_USERS + 1 }, (_, i) => i + 1);
    const first = async (subscription: Promise<AsyncIterable<unknown>>) => {
      for await (const item of await subscription) return item;
    };
    await expectTrpcError(
      first(h.callerFor(dan.token).events.presence({ userIds: tooMany, away: false })),
      "BAD_REQUEST",
      /at most 500 users/,
    );
    await expectTrpcError(
      first(h.callerFor(dan.token).events.presence({ userIds: [0], away: false })),
      "BAD_REQUEST",
      /positive/,
    );
    await expectTrpcError(first(h.anonymous.events.presence({ userIds: [dan.id], away: false })), "UNAUTHORIZED");
    expect(await h.deps.presence.statuses([dan.id])).toEqual(["offline"]);
  });
});
