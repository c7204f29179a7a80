import { schema } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AppError } from "../src/errors";
import { createSendBatcher, type PlainSend, type SendBatcher } from "../src/services/send-batch";
import { type Caller, createHarness, type Harness } from "./harness";

const { messages, mentions, rooms, roomMembers } = schema;

/**
 * The group commit (send-batch.ts). Sends handed to one batcher in the same turn of the event loop
 * are stored in one transaction: that is how these tests put a bad message into a batch.
 */
describe.each(drivers)("group commit of new messages on %s", (driver) => {
  let h: Harness;
  let owner: { caller: Caller; id: number; username: string };
  let batcher: SendBatcher;
  beforeAll(async () => {
    h = await createHarness(driver);
    owner = await h.signUp();
    batcher = createSendBatcher(h.deps);
  });
  afterAll(() => h?.dispose());

  const newRoom = (name: string) => owner.caller.rooms.create({ name: `${name}-${owner.id}` });
  const storedIn = (roomId: number) =>
    h.deps.db
      .select({ seq: messages.seq, body: messages.body, clientId: messages.clientId })
      .from(messages)
      .where(and(eq(messages.roomId, roomId), eq(messages.kind, "text")))
      .orderBy(asc(messages.seq));
  const lastSeqOf = async (roomId: number) =>
    (await h.deps.db.select({ lastSeq: rooms.lastSeq }).from(rooms).where(eq(rooms.id, roomId)))[0]?.lastSeq;
  /** Sends all at once (one batch), and settles each. */
  const sendAll = (batch: PlainSend[]) => Promise.allSettled(batch.map((m) => batcher.send(m, h.deps)));

  it("fails only the bad messages of a batch (a non-member, a missing room), gap-free for the rest", async () => {
    const room = await newRoom("mixed");
    const other = await newRoom("mixed-other");
    const stranger = await h.signUp();
    const start = (await lastSeqOf(room.id)) ?? 0;
    const batch: PlainSend[] = [];
    for (let i = 0; i < 12; i++) {
      if (i === 3) batch.push({ roomId: room.id, authorId: stranger.id, body: "not a member" });
      if (i === 7) batch.push({ roomId: 987_654_321, authorId: owner.id, body: "no such room" });
      batch.push({ roomId: i % 2 ? other.id : room.id, authorId: owner.id, body: `good ${i}` });
    }
    const settled = await sendAll(batch);
    const refused = settled.flatMap((s, i) => (s.status === "rejected" ? [[batch[i]?.body, s.reason]] : []));
    expect(refused.map(([body]) => body)).toEqual(["not a member", "no such room"]);
    for (const [, reason] of refused) expect((reason as AppError).code).toBe("FORBIDDEN");
    const stored = await storedIn(room.id);
    expect(stored.map((m) => m.body)).toEqual(["good 0", "good 2", "good 4", "good 6", "good 8", "good 10"]);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 6 }, (_, i) => start + 1 + i));
    expect(await lastSeqOf(room.id)).toBe(start + 6);
    const answers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value.message] : []));
    expect(answers.filter((m) => m.roomId === room.id).map((m) => m.seq)).toEqual(stored.map((m) => m.seq));
  });

  it("fails only the message the database refuses, storing the rest of its batch one by one", async () => {
    const room = await newRoom("refused");
    const start = (await lastSeqOf(room.id)) ?? 0;
    // PostgreSQL stores no NUL character in text: the batch's statement fails as a whole.
    const bodies = ["one", "two", "bad\u0000byte", "three", "four"];
    const settled = await sendAll(bodies.map((body) => ({ roomId: room.id, authorId: owner.id, body })));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const stored = await storedIn(room.id);
    expect(stored.map((m) => m.body).sort()).toEqual(["four", "one", "three", "two"]);
    expect(stored.map((m) => m.seq)).toEqual([start + 1, start + 2, start + 3, start + 4]);
    expect(await lastSeqOf(room.id)).toBe(start + 4);
  });

  it("stores a clientId once when it comes twice into one batch and again later, answering each with it", async () => {
    const room = await newRoom("twice");
    const same = { roomId: room.id, authorId: owner.id, body: "once", clientId: "c-twice" };
    const settled = await sendAll([same, { ...same }, { roomId: room.id, authorId: owner.id, body: "other" }]);
    const [first, copy] = settled.map((s) => (s.status === "fulfilled" ? s.value : undefined));
    expect(first?.stored).toBe(true);
    expect(copy?.stored).toBe(false);
    expect(copy?.message).toEqual(first?.message);
    const later = await batcher.send({ ...same }, h.deps);
    expect(later).toEqual({ message: first?.message, stored: false });
    expect((await storedIn(room.id)).filter((m) => m.clientId === "c-twice")).toHaveLength(1);
  });

  it("publishes a batch's events after its commit, in sequence order per room", async () => {
    const [one, two] = await Promise.all([newRoom("order-a"), newRoom("order-b")]);
    if (!one || !two) throw new Error("no rooms");
    const heardOne = await h.listen(`room:${one.id}`);
    const heardTwo = await h.listen(`room:${two.id}`);
    const committed: boolean[] = [];
    const seen = h.deps.bus.subscribe(`room:${one.id}`, new AbortController().signal);
    void seen.then(async (stream) => {
      // Each event's message is in the database when the event is read (published after the commit).
      for await (const event of stream) {
        if (event.type !== "room.message") continue;
        const [row] = await h.deps.db
          .select({ id: messages.id })
          .from(messages)
          .where(eq(messages.id, event.message.id));
        committed.push(row !== undefined);
        if (committed.length === 30) break;
      }
    });
    await seen;
    const batch = Array.from({ length: 60 }, (_, i) => ({
      roomId: i % 2 ? two.id : one.id,
      authorId: owner.id,
      body: `in order ${i}`,
    }));
    const settled = await sendAll(batch);
    expect(settled.every((s) => s.status === "fulfilled")).toBe(true);
    await vi.waitFor(() => expect(heardOne.events.length + heardTwo.events.length).toBe(60));
    await vi.waitFor(() => expect(committed).toHaveLength(30));
    heardOne.stop();
    heardTwo.stop();
    for (const heard of [heardOne, heardTwo]) {
      const seqs = heard.events.map((e) => (e.type === "room.message" ? e.seq : -1));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(30);
    }
    expect(committed.every(Boolean)).toBe(true);
  });

  it("publishes a room's events in sequence order across batches, also with several batches in flight", async () => {
    // Small batches, two in flight: one room's sends span many batches, and (if two of them were in
    // flight at once) the second's answer could overtake the first's. Repeated to catch that race.
    const small = createSendBatcher(h.deps, { maxBatch: 3, maxInFlight: 2 });
    const rooms = await Promise.all([newRoom("across-a"), newRoom("across-b")]);
    for (let round = 0; round < 8; round++) {
      const heard = await Promise.all(rooms.map((r) => h.listen(`room:${r.id}`)));
      const batch = Array.from({ length: 48 }, (_, i) => ({
        roomId: (rooms[i % 2] ?? rooms[0]).id,
        authorId: owner.id,
        body: `round ${round} message ${i}`,
      }));
      const settled = await Promise.all(batch.map((m) => small.send(m, h.deps)));
      await vi.waitFor(() => expect(heard.reduce((n, l) => n + l.events.length, 0)).toBe(48));
      for (const [r, listener] of heard.entries()) {
        listener.stop();
        const seqs = listener.events.map((e) => (e.type === "room.message" ? e.seq : -1));
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        // In the order sent, too: each room's messages were numbered in the order of its sends.
        const answered = settled.filter((s) => s.message.roomId === rooms[r]?.id).map((s) => s.message.seq);
        expect(answered).toEqual(seqs);
      }
    }
  });

  it("resolves mentions per message in a batch: members only, @room from the owner only", async () => {
    const room = await newRoom("mentions");
    const elsewhere = await newRoom("mentions-elsewhere");
    const [member, outsider] = await Promise.all([h.signUp(), h.signUp()]);
    await member.caller.rooms.join({ roomId: room.id });
    await member.caller.rooms.join({ roomId: elsewhere.id });
    const settled = await sendAll([
      { roomId: room.id, authorId: owner.id, body: `hi @${member.username} and @${outsider.username}` },
      { roomId: room.id, authorId: member.id, body: "@room from a member" },
      { roomId: room.id, authorId: owner.id, body: "plain" },
      { roomId: room.id, authorId: owner.id, body: "@room from the owner" },
      { roomId: elsewhere.id, authorId: member.id, body: `@${owner.username} elsewhere` },
    ]);
    const out = settled.map((s) => (s.status === "fulfilled" ? s.value.message : undefined));
    expect(out.map((m) => m?.mentions)).toEqual([
      { userIds: [member.id], room: false },
      { userIds: [], room: false },
      { userIds: [], room: false },
      { userIds: [], room: true },
      { userIds: [owner.id], room: false },
    ]);
    const notified = await h.deps.db
      .select({ userId: mentions.userId, seq: mentions.seq, roomId: mentions.roomId })
      .from(mentions)
      .where(
        sql`${mentions.messageId} in (${sql.join(
          out.map((m) => sql`${m?.id ?? 0}`),
          sql`, `,
        )})`,
      );
    const of = (i: number) =>
      notified
        .filter((n) => n.roomId === out[i]?.roomId && n.seq === out[i]?.seq)
        .map((n) => n.userId)
        .sort();
    expect(of(0)).toEqual([member.id]);
    expect(of(1)).toEqual([]);
    expect(of(3)).toEqual([member.id]); // every member but the author
    expect(of(4)).toEqual([owner.id]);
  });

  it("refuses a member who left after the cache saw them, when the batch checks the membership", async () => {
    const room = await newRoom("left");
    const leaver = await h.signUp();
    await leaver.caller.rooms.join({ roomId: room.id });
    await leaver.caller.messages.send({ roomId: room.id, text: "hello" }); // remembered as a member
    await h.deps.db.delete(roomMembers).where(and(eq(roomMembers.roomId, room.id), eq(roomMembers.userId, leaver.id)));
    await expect(leaver.caller.messages.send({ roomId: room.id, text: "gone" })).rejects.toThrow(/not a member/);
    expect((await storedIn(room.id)).map((m) => m.body)).toEqual(["hello"]);
  });
});

describe("the rate of messages with group commit", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("postgres", undefined, { limits: { messagesPerRoom: { points: 5, seconds: 60 } } });
  });
  afterAll(() => h?.dispose());

  it("counts a message once, and a retry by clientId not at all", async () => {
    const { caller, id } = await h.signUp();
    const room = await caller.rooms.create({ name: `rate-${id}` });
    const first = await Promise.all(
      [0, 1, 2].map((n) => caller.messages.send({ roomId: room.id, text: `m${n}`, clientId: `c-${n}` })),
    );
    for (let n = 0; n < 3; n++) {
      const again = await caller.messages.send({ roomId: room.id, text: "m0", clientId: "c-0" });
      expect(again.id).toBe(first[0]?.id);
    }
    await caller.messages.send({ roomId: room.id, text: "m3" });
    await caller.messages.send({ roomId: room.id, text: "m4" });
    await expect(caller.messages.send({ roomId: room.id, text: "m5" })).rejects.toThrow(/too fast/);
    // Over the rate, a retry is still answered.
    expect((await caller.messages.send({ roomId: room.id, text: "m1", clientId: "c-1" })).id).toBe(first[1]?.id);
  });
});
