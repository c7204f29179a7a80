import { schema } from "@parley/db";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatheredReads, memberRoomIdsNow, roomLastSeq, roomLastSeqs } from "../src/services/stream-reads";
import { createHarness, type Harness } from "./harness";

/** A read function that answers each key with `value(key)` when told to, and records each call. */
function controlledReads(value: (key: number) => number) {
  const calls: { keys: number[]; answer(): void; fail(error: Error): void }[] = [];
  let called: (() => void) | undefined;
  const reads = new GatheredReads<number>(
    (keys) =>
      new Promise((resolve, reject) => {
        calls.push({
          keys: [...keys].sort((a, b) => a - b),
          answer: () => resolve(new Map(keys.map((key) => [key, value(key)]))),
          fail: reject,
        });
        called?.();
      }),
  );
  /** Resolves once `count` statements have started. */
  const started = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (calls.length >= count) resolve();
        else called = check;
      };
      check();
    });
  return { reads, calls, started };
}

describe("gathered reads", () => {
  it("sends what one turn of the event loop asks for as one statement, each key once", async () => {
    const { reads, calls, started } = controlledReads((key) => key * 10);
    const asked = [reads.get([1, 2]), reads.get([2, 3]), reads.get([3])];
    await started(1);
    expect(calls.map((c) => c.keys)).toEqual([[1, 2, 3]]);
    calls[0]?.answer();
    const [a, b, c] = await Promise.all(asked);
    expect([a?.get(1), a?.get(2), b?.get(3), c?.get(3)]).toEqual([10, 20, 30, 30]);
  });

  it("never answers a read with a statement that started before it was asked: it waits for the next", async () => {
    // Repeated: the read asked while a statement runs must always get a later one.
    for (let round = 0; round < 50; round++) {
      let version = 0;
      const { reads, calls, started } = controlledReads(() => version);
      const first = reads.get([7]);
      await started(1);
      version = 1; // what the database holds from now on: the first statement may not see it
      const second = reads.get([7]);
      const third = reads.get([8]);
      calls[0]?.answer();
      await started(2);
      expect(calls.map((c) => c.keys)).toEqual([[7], [7, 8]]);
      calls[1]?.answer();
      expect((await first).get(7)).toBe(1); // answered late, which is allowed
      expect((await second).get(7)).toBe(1);
      expect((await third).get(8)).toBe(1);
    }
  });

  it("fails every read of a failed statement with its error, and goes on with the next", async () => {
    const { reads, calls, started } = controlledReads((key) => key);
    const failing = [reads.get([1]), reads.get([2])];
    await started(1);
    const later = reads.get([3]);
    calls[0]?.fail(new Error("connection lost"));
    for (const read of failing) await expect(read).rejects.toThrow(/connection lost/);
    await started(2);
    calls[1]?.answer();
    expect((await later).get(3)).toBe(3);
  });
});

describe.each(["pglite", "postgres"] as const)("stream reads on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it("answer each caller as the database is when it asks, even while another read is in flight", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `reads-${driver}-${Date.now()}` });
    const other = await owner.caller.rooms.create({ name: `reads-other-${driver}-${Date.now()}` });
    await member.caller.rooms.join({ roomId: room.id });
    const { db } = h.deps;
    const start = await roomLastSeq(db, room.id); // its notices took some
    const otherSeq = await roomLastSeq(db, other.id);
    for (let round = 1; round <= 20; round++) {
      const inFlight = roomLastSeqs(db, [room.id, other.id]);
      const membershipsInFlight = memberRoomIdsNow(db, member.id);
      await db
        .update(schema.rooms)
        .set({ lastSeq: sql`${schema.rooms.lastSeq} + 1` })
        .where(eq(schema.rooms.id, room.id));
      // Asked after the write committed: must see it, whatever the read in flight saw.
      expect(await roomLastSeq(db, room.id)).toBe(start + round);
      expect((await inFlight).get(other.id)).toBe(otherSeq);
      expect(await membershipsInFlight).toEqual([room.id]);
    }
    expect(await roomLastSeq(db, 2_000_000_000)).toBe(0); // a room that does not exist
    expect(await roomLastSeqs(db, [])).toEqual(new Map());
  });

  it("gather many callers' memberships into one answer each", async () => {
    const users = await Promise.all([h.signUp(), h.signUp(), h.signUp()]);
    const room = await users[0]?.caller.rooms.create({ name: `reads-many-${driver}-${Date.now()}` });
    if (!room) throw new Error("no room");
    await users[1]?.caller.rooms.join({ roomId: room.id });
    const answers = await Promise.all(users.map((u) => memberRoomIdsNow(h.deps.db, u.id)));
    expect(answers).toEqual([[room.id], [room.id], []]);
  });
});
