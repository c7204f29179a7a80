import { testRedisUrl } from "@parley/db/testing";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  type Bus,
  type BusEvent,
  BusOverflowError,
  createMemoryBus,
  createRedisBus,
  MAX_QUEUED_EVENTS,
  REORDER_WAIT_MS,
} from "../src/bus";
import { eventually } from "./harness";

const message = (roomId: number, seq: number): BusEvent => ({
  type: "room.message",
  roomId,
  seq,
  message: {
    id: seq,
    roomId,
    seq,
    kind: "text",
    author: { id: 1, username: "a", displayName: null, isBot: false },
    senderOverride: null,
    body: `m${seq}`,
    notice: null,
    clientId: null,
    createdAt: new Date(0).toISOString(),
    parentId: null,
    editedAt: null,
    deletedAt: null,
    pinnedAt: null,
    reactions: [],
    mentions: { userIds: [], room: false },
    thread: null,
    files: [],
  },
});

/** Reads events from a subscription into an array until the signal aborts. */
async function collect(bus: Bus, channel: Parameters<Bus["subscribe"]>[0], signal: AbortSignal) {
  const events: BusEvent[] = [];
  const stream = await bus.subscribe(channel, signal);
  const done = (async () => {
    for await (const e of stream) events.push(e);
  })();
  return { events, done };
}

// A distinct prefix per run, so that parallel runs on one Redis do not hear each other.
const prefix = `parley-test-${process.pid}-${Date.now()}:`;

const seqsOf = (events: BusEvent[]) => events.map((e) => (e.type === "room.message" ? [e.roomId, e.seq] : e.type));

describe.each([
  ["in-process", createMemoryBus],
  ["Redis", () => createRedisBus(testRedisUrl, { prefix })],
])("a subscription on the %s bus", (_name, createBus) => {
  const buses: Bus[] = [];
  afterAll(() => Promise.all(buses.map((b) => b.close())));
  const newBus = () => {
    const bus = createBus();
    buses.push(bus);
    return bus;
  };

  it("adds and removes channels while it is read, without disturbing other subscribers", async () => {
    const bus = newBus();
    const stop = new AbortController();
    const mine = await collect(bus, "room:101", stop.signal);
    const other = await collect(bus, "room:101", stop.signal);
    const subscription = await bus.subscribe("room:103", stop.signal); // the same one, reached by a handle
    const viaHandle: BusEvent[] = [];
    void (async () => {
      for await (const e of subscription) viaHandle.push(e);
    })().catch(() => {});

    await subscription.addChannels(["room:101", "room:102"]);
    await subscription.addChannels("room:102"); // twice: still once
    await bus.publish(message(101, 1));
    await bus.publish(message(102, 1));
    await bus.publish(message(103, 1));
    // Removing a channel drops what it has not delivered yet: let these arrive first.
    await eventually(() => expect(viaHandle).toHaveLength(3));
    subscription.removeChannels(["room:101", "room:103"]);
    await bus.publish(message(101, 2)); // the others still hear room:101
    await bus.publish(message(103, 2));
    await bus.publish(message(102, 2));

    await eventually(() =>
      expect(seqsOf(viaHandle)).toEqual([
        [101, 1],
        [102, 1],
        [103, 1],
        [102, 2],
      ]),
    );
    await eventually(() =>
      expect(seqsOf(other.events)).toEqual([
        [101, 1],
        [101, 2],
      ]),
    );
    expect(seqsOf(mine.events)).toEqual([
      [101, 1],
      [101, 2],
    ]);
    stop.abort();
  });

  it("hands a room's messages on in sequence order, though they were published out of order", async () => {
    const bus = newBus();
    const stop = new AbortController();
    const reader = await collect(bus, "room:301", stop.signal);
    for (const seq of [1, 3, 2, 4]) await bus.publish(message(301, seq));
    await eventually(() => expect(seqsOf(reader.events)).toHaveLength(4));
    expect(seqsOf(reader.events)).toEqual([1, 2, 3, 4].map((seq) => [301, seq]));
    stop.abort();
  });

  it("hands on messages whose predecessor never comes, in order, after a short wait", async () => {
    const bus = newBus();
    const stop = new AbortController();
    const reader = await collect(bus, "room:302", stop.signal);
    const started = Date.now();
    for (const seq of [1, 5, 3, 4]) await bus.publish(message(302, seq)); // 2 is lost
    await eventually(() => expect(seqsOf(reader.events)).toHaveLength(4));
    expect(Date.now() - started).toBeGreaterThanOrEqual(REORDER_WAIT_MS - 5);
    expect(seqsOf(reader.events)).toEqual([1, 3, 4, 5].map((seq) => [302, seq]));
    await bus.publish(message(302, 6)); // on time again: handed on at once
    await bus.publish(message(302, 2)); // far too late: handed on, for the subscribers to judge
    await eventually(() => expect(seqsOf(reader.events)).toHaveLength(6));
    expect(seqsOf(reader.events).slice(4)).toEqual([
      [302, 6],
      [302, 2],
    ]);
    stop.abort();
  });

  it("adds nothing to a subscription that has ended", async () => {
    const bus = newBus();
    const stop = new AbortController();
    const subscription = await bus.subscribe("room:201", stop.signal);
    stop.abort();
    await subscription.addChannels("room:202");
    const events: BusEvent[] = [];
    for await (const e of subscription) events.push(e);
    expect(events).toEqual([]);
  });
});

describe("the in-process bus", () => {
  it("delivers a channel's events in order to each of its subscribers, and nothing else", async () => {
    const bus = createMemoryBus();
    const stop = new AbortController();
    const a = await collect(bus, "room:1", stop.signal);
    const b = await collect(bus, "room:1", stop.signal);
    const other = await collect(bus, "room:2", stop.signal);
    for (let seq = 1; seq <= 3; seq++) await bus.publish(message(1, seq));
    await eventually(() => expect(b.events).toHaveLength(3));
    stop.abort();
    await Promise.all([a.done, b.done, other.done]);
    expect(a.events.map((e) => (e.type === "room.message" ? e.seq : 0))).toEqual([1, 2, 3]);
    expect(other.events).toEqual([]);
  });

  it("offers events to a direct taker while the reader waits, and queues from the first one it declines until the reader has caught up", async () => {
    const bus = createMemoryBus();
    const stop = new AbortController();
    const stream = await bus.subscribe("room:10", stop.signal);
    const log: string[] = [];
    stream.offerDirectly((event) => {
      const seq = event.type === "room.message" ? event.seq : 0;
      if (seq % 2 === 1) return false;
      log.push(`direct ${seq}`);
      return true;
    });
    const iterator = stream[Symbol.asyncIterator]();
    const read = async () => {
      const next = await iterator.next();
      log.push(`queued ${next.value?.type === "room.message" ? next.value.seq : "?"}`);
    };
    let reading = read(); // the reader waits: the taker is offered what comes
    await bus.publish(message(10, 2));
    await bus.publish(message(10, 3)); // declined: queued, and the reader woken
    await bus.publish(message(10, 4)); // not offered: 3 is still on its way to the reader
    await reading;
    await read();
    reading = read(); // waits again
    await bus.publish(message(10, 6));
    await bus.publish(message(10, 7));
    await reading;
    expect(log).toEqual(["direct 2", "queued 3", "queued 4", "direct 6", "queued 7"]);
    stop.abort();
  });

  it("ends a subscription when its signal aborts, and cuts off one that falls too far behind", async () => {
    const bus = createMemoryBus();
    const stop = new AbortController();
    const stream = await bus.subscribe("room:9", stop.signal);
    for (let seq = 1; seq <= MAX_QUEUED_EVENTS + 1; seq++) await bus.publish(message(9, seq));
    const iterator = stream[Symbol.asyncIterator]();
    let read = 0;
    await expect(
      (async () => {
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          read++;
        }
      })(),
    ).rejects.toBeInstanceOf(BusOverflowError);
    expect(read).toBe(MAX_QUEUED_EVENTS);
  });
});

describe("the Redis bus", () => {
  const buses: Bus[] = [];
  const admin = new Redis(testRedisUrl);
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await admin.quit();
  });
  const newBus = () => {
    const bus = createRedisBus(testRedisUrl, { prefix });
    buses.push(bus);
    return bus;
  };

  it("lets two processes' buses see each other's events", async () => {
    const one = newBus();
    const two = newBus();
    const stop = new AbortController();
    const onOne = await collect(one, "room:7", stop.signal);
    const onTwo = await collect(two, "room:7", stop.signal);
    await one.publish(message(7, 1));
    await two.publish(message(7, 2));
    await eventually(() => {
      expect(onOne.events).toHaveLength(2);
      expect(onTwo.events).toHaveLength(2);
    });
    stop.abort();
    expect(onTwo.events).toEqual([message(7, 1), message(7, 2)]);
  });

  it("publishes a run of events at once (publishAll) to another process's bus, in order with single publishes", async () => {
    const one = newBus();
    const two = newBus();
    const stop = new AbortController();
    const heard = await collect(two, ["room:8", "room:9"], stop.signal);
    if (!one.publishAll) throw new Error("the Redis bus has publishAll");
    await Promise.all([
      one.publish(message(8, 1)),
      one.publishAll([message(8, 2), message(9, 1), message(8, 3)]),
      one.publish(message(8, 4)),
    ]);
    await eventually(() => expect(heard.events).toHaveLength(5));
    stop.abort();
    expect(seqsOf(heard.events)).toEqual([
      [8, 1],
      [8, 2],
      [9, 1],
      [8, 3],
      [8, 4],
    ]);
  });

  it("subscribes a channel in Redis only while somebody listens", async () => {
    const bus = newBus();
    const channels = () => admin.pubsub("CHANNELS", `${prefix}*`) as Promise<string[]>;
    const first = new AbortController();
    const second = new AbortController();
    await bus.subscribe("user:42", first.signal);
    await bus.subscribe("user:42", second.signal);
    expect(await channels()).toContain(`${prefix}user:42`);
    first.abort();
    expect(await channels()).toContain(`${prefix}user:42`);
    second.abort();
    await eventually(async () => expect(await channels()).not.toContain(`${prefix}user:42`));
  });

  it("subscribes and unsubscribes channels in Redis as a subscription adds and removes them", async () => {
    const bus = newBus();
    const channels = () => admin.pubsub("CHANNELS", `${prefix}room:3*`) as Promise<string[]>;
    const stop = new AbortController();
    const subscription = await bus.subscribe("user:43", stop.signal);
    await subscription.addChannels(["room:301", "room:302"]);
    expect((await channels()).sort()).toEqual([`${prefix}room:301`, `${prefix}room:302`]);
    subscription.removeChannels("room:301");
    await eventually(async () => expect(await channels()).toEqual([`${prefix}room:302`]));
    stop.abort(); // ending it releases the channels it added too
    await eventually(async () => expect(await channels()).toEqual([]));
  });
});
