import { testRedisUrl } from "@parley/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type Bus, type BusEvent, createMemoryBus, createRedisBus, type StopSignal } from "../src/bus";
import { SubscriptionSlots } from "../src/context";
import { pullStreamed, type StreamReader, streamed } from "../src/trpc";

const prefix = `parley-test-streamed-${process.pid}-${Date.now()}:`;
const typing = (roomId: number): BusEvent => ({ type: "room.typing", roomId, userId: 1, username: "a", until: 0 });

/** A subscription's source as the live services write one: an async generator reading the bus until `stop`. */
function source(bus: Bus, roomId: number, stop: StopSignal, ended: () => void) {
  return (async function* () {
    try {
      const stream = await bus.subscribe(`room:${roomId}`, stop);
      yield "subscribed";
      for await (const event of stream) yield event.type;
    } finally {
      ended();
    }
  })();
}

describe.each([
  ["in-process", createMemoryBus],
  ["Redis", () => createRedisBus(testRedisUrl, { prefix })],
])("a streamed subscription on the %s bus", (_name, createBus) => {
  const bus = createBus();
  afterAll(() => bus.close());

  it("stops at once when returned while its source waits on the bus: its slot back, its generator ended", async () => {
    const slots = new SubscriptionSlots(1);
    let ended!: () => void;
    const sourceEnded = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const stream = streamed(
      (stop) => source(bus, 1, stop, ended),
      (item) => item,
      slots,
    );
    expect(await stream.next()).toEqual({ value: "subscribed", done: false });
    await bus.publish(typing(1));
    expect(await stream.next()).toEqual({ value: "room.typing", done: false });
    const waiting = stream.next(); // the source waits on the bus: nothing more is published
    expect(() => slots.claimSubscription()).toThrow(/at most 1/);
    await expect(stream.return?.()).resolves.toEqual({ value: undefined, done: true });
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    await sourceEnded;
    slots.claimSubscription(); // given back: this one fits again
  });

  it("stops when tRPC's signal aborts, and opens stopped on an aborted one", async () => {
    const controller = new AbortController();
    let ended!: () => void;
    const sourceEnded = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const stream = streamed(
      (stop) => source(bus, 2, stop, ended),
      (item) => item,
      undefined,
      undefined,
      controller.signal,
    );
    expect(await stream.next()).toEqual({ value: "subscribed", done: false });
    const waiting = stream.next();
    controller.abort();
    await expect(waiting).resolves.toEqual({ value: undefined, done: true });
    await sourceEnded;

    const aborted = streamed(
      (stop) => source(bus, 2, stop, () => {}),
      (item) => item,
      undefined,
      undefined,
      AbortSignal.abort(),
    );
    expect(await aborted.next()).toEqual({ value: "subscribed", done: false });
    await expect(aborted.next()).resolves.toEqual({ value: undefined, done: true });
  });

  it("hands each result to a reader by call (pullStreamed), after the call returns, failures mapped", async () => {
    const results: unknown[] = [];
    let heard!: () => void;
    const reader: StreamReader<string> = {
      took(result) {
        results.push(result);
        heard();
      },
      failed(error) {
        results.push(error);
        heard();
      },
    };
    const read = (iterator: AsyncIterator<string>) =>
      new Promise<void>((resolve) => {
        heard = resolve;
        expect(pullStreamed(iterator, reader)).toBe(true);
        expect(results).toHaveLength(pulled); // nothing handed over synchronously
      });
    let pulled = 0;
    const slots = new SubscriptionSlots(1);
    const stream = streamed(
      (stop) => source(bus, 4, stop, () => {}),
      (item) => item,
      slots,
    );
    await read(stream);
    expect(results[pulled++]).toEqual({ value: "subscribed", done: false });
    await bus.publish(typing(4));
    await read(stream);
    expect(results[pulled++]).toEqual({ value: "room.typing", done: false });
    // No slot left for a second stream: its first read fails with the mapped error, not at once.
    const refused = streamed(
      (stop) => source(bus, 4, stop, () => {}),
      (item) => item,
      slots,
    );
    await read(refused);
    expect(results[pulled++]).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    const waiting = read(stream);
    await stream.return?.();
    await waiting;
    expect(results[pulled++]).toEqual({ value: undefined, done: true });
    await read(stream); // an ended stream answers done, after the call too
    expect(results[pulled++]).toEqual({ value: undefined, done: true });
    expect(pullStreamed((async function* () {})(), reader)).toBe(false);
  });

  it("ends a source that subscribes after the stream was returned (a stop racing the open), every time", async () => {
    for (let round = 0; round < 20; round++) {
      const slots = new SubscriptionSlots(1);
      let ended!: () => void;
      const sourceEnded = new Promise<void>((resolve) => {
        ended = resolve;
      });
      const stream = streamed(
        (stop) => source(bus, 3, stop, ended),
        (item) => item,
        slots,
      );
      const first = stream.next(); // opens the source, which is subscribing now
      const returned = stream.return?.();
      await first; // the source's first item may still arrive; nothing after it
      await returned;
      await expect(stream.next()).resolves.toEqual({ value: undefined, done: true });
      await sourceEnded;
      slots.claimSubscription();
    }
  });
});
