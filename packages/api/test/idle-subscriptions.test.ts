import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublicUser } from "../src/schemas";
import { type Caller, createHarness, type Harness } from "./harness";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/**
 * Idle subscriptions are small records, not parked chains of async generators (issue 17): an idle
 * `events.room` plus `events.mine` pair, from the procedure down to the bus, stays under a generous
 * bound. (Measured with the server-side caller when this test was written: about 10.9 KiB the
 * pair while each layer was an async generator, 6.7 KiB once they were not.)
 */
describe("idle subscriptions", () => {
  let h: Harness;
  let user: { caller: Caller; id: number; token: string; username: string };
  beforeAll(async () => {
    h = await createHarness("pglite");
    user = await h.signUp();
  });
  afterAll(() => h?.dispose());

  it("hold a few KiB per events.room and events.mine pair, whatever their number", async () => {
    const room = await user.caller.rooms.create({ name: `idle-${Math.random().toString(36).slice(2)}` });
    const count = 400;
    const stop = new AbortController();
    const caller = h.callerFor(user.token, stop.signal);
    const open = async () => {
      const roomStream = (await caller.events.room({ roomId: room.id }))[Symbol.asyncIterator]();
      const first = (await roomStream.next()).value as [string, { type: string }];
      expect(first[1].type).toBe("live");
      const mine = (await caller.events.mine())[Symbol.asyncIterator]();
      return { pending: [roomStream.next(), mine.next()], mine };
    };
    await Promise.all((await Promise.all([open(), open()])).map(({ pending }) => pending)); // warm
    const before = heapAfterGc();
    const streams = [];
    for (let i = 0; i < count; i++) streams.push(await open());
    // Every user stream is live (past following the user's rooms) once an event of the user's reaches it.
    const profile: PublicUser = { id: user.id, username: user.username, displayName: null } as PublicUser;
    await h.deps.bus.publish({ type: "user.profile", userId: user.id, user: profile });
    const heard = await Promise.all(streams.map(({ pending }) => pending[1]));
    expect(heard.every((item) => !item?.done)).toBe(true);
    for (const s of streams) s.pending[1] = s.mine.next(); // idle again, each waiting for its next event
    const perPair = (heapAfterGc() - before) / count;
    stop.abort();
    expect(perPair).toBeLessThan(8.5 * 1024);
    console.log(`heap per idle events.room + events.mine pair: ${Math.round(perPair)} bytes`);
  });
});
