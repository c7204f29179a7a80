import { afterEach, describe, expect, it } from "vitest";
import { type BusEvent, createMemoryBus, roomChannel } from "../src/bus";
import { createMemoryPresence, PRESENCE_ANNOUNCE_EVERY_MS } from "../src/presence";

type PresenceEvent = Extract<BusEvent, { type: "room.presence" }>;

describe("presence announcements", () => {
  let stop = new AbortController();
  afterEach(() => {
    stop.abort();
    stop = new AbortController();
  });

  async function listen(roomId: number) {
    const bus = createMemoryBus();
    const presence = createMemoryPresence(bus);
    const announced: PresenceEvent[] = [];
    const events = (await bus.subscribe(roomChannel(roomId), stop.signal))[Symbol.asyncIterator]();
    /** Resolves with the next announcement that satisfies `done` (the stream goes on after it). */
    const until = async (done: (event: PresenceEvent) => boolean) => {
      for (;;) {
        const next = await events.next();
        if (next.done) throw new Error("the stream ended");
        if (next.value.type !== "room.presence") continue;
        announced.push(next.value);
        if (done(next.value)) return next.value;
      }
    };
    return { presence, announced, until };
  }

  it("announces one person entering at once", async () => {
    const { presence, announced, until } = await listen(1);
    const started = Date.now();
    await presence.enter(1, { userId: 7, username: "ada" });
    const event = await until((e) => e.online.length === 1);
    expect(event.online).toEqual([{ userId: 7, username: "ada" }]);
    expect(announced).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(PRESENCE_ANNOUNCE_EVERY_MS);
    await presence.close();
  });

  it("folds a crowd arriving together into a couple of announcements, the last one complete", async () => {
    const { presence, announced, until } = await listen(2);
    const crowd = Array.from({ length: 200 }, (_, i) => ({ userId: i + 1, username: `user${i + 1}` }));
    const leaves = await Promise.all(crowd.map((who) => presence.enter(2, who)));
    await until((e) => e.online.length === crowd.length);
    // One at once (the first arrival), one at the end of the window with everybody.
    expect(announced.length).toBeLessThanOrEqual(2);

    await Promise.all(leaves.map((leave) => leave()));
    await until((e) => e.online.length === 0);
    expect(announced.length).toBeLessThanOrEqual(4);
    await presence.close();
  });
});
