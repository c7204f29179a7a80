import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../src/bus";
import { getHistoryBeforeMessage } from "../src/services/messages";
import { type Caller, createHarness, expectTrpcError, type Harness } from "./harness";
import { expectGapFree, expectRefused, rowsHolding, type TrpcCode } from "./message-state";

/** Replies and threads (issue 14): one level deep, counted on the parent, paged like history. */
describe.each(drivers)("threads on %s", (driver) => {
  let h: Harness;
  let owner: Caller;
  let ann: { caller: Caller; id: number; username: string; token: string };
  let bob: { caller: Caller; id: number };
  beforeAll(async () => {
    h = await createHarness(driver);
    const signed = await h.signUp();
    owner = signed.caller;
    ann = await h.signUp();
    bob = await h.signUp();
  });
  afterAll(() => h?.dispose());

  const newRoom = async (name: string, isPrivate = false) => {
    const room = await owner.rooms.create({ name: `${name}-${Math.random().toString(36).slice(2)}`, isPrivate });
    if (!isPrivate) {
      await ann.caller.rooms.join({ roomId: room.id });
      await bob.caller.rooms.join({ roomId: room.id });
    }
    return room;
  };

  const refused = (roomId: number, call: () => Promise<unknown>, code: TrpcCode, words: RegExp) =>
    expectRefused(h, roomId, call, code, words);

  it("gives history's newest page the room's sequence number it was read at, past replies and changes after its newest message", async () => {
    const room = await newRoom("resume-point");
    const before = await ann.caller.history.list({ roomId: room.id });
    expect(before.lastSeq).toBe(before.items.at(0)?.seq); // the join notices, nothing after them
    const parent = await owner.messages.send({ roomId: room.id, text: "the newest top-level message" });
    await ann.caller.messages.send({ roomId: room.id, text: "a reply", parentId: parent.id });
    await bob.caller.messages.react({ messageId: parent.id, emoji: "👍" });
    const page = await ann.caller.history.list({ roomId: room.id });
    const { lastSeq } = await ann.caller.rooms.get({ roomId: room.id });
    expect(page.items.at(0)?.id).toBe(parent.id);
    expect(page.lastSeq).toBe(lastSeq);
    expect(page.lastSeq).toBe(parent.seq + 2);
    expect(before.lastSeq).toBe(parent.seq - 1);
    const pastTheEnd = await ann.caller.history.list({ roomId: room.id, before: 1 });
    expect(pastTheEnd).toMatchObject({ items: [], lastSeq });
  });

  it("counts replies on the parent, announces each with the parent's new summary, and keeps history top-level", async () => {
    const room = await newRoom("thread");
    const parent = await owner.messages.send({ roomId: room.id, text: "what's for lunch?" });
    const heard = await h.listen(`room:${room.id}`);
    const r1 = await ann.caller.messages.send({ roomId: room.id, text: "soup", parentId: parent.id });
    const r2 = await bob.caller.messages.send({ roomId: room.id, text: "salad", parentId: parent.id });
    const r3 = await ann.caller.messages.send({ roomId: room.id, text: "or both", parentId: parent.id });
    heard.stop();
    expect(r1).toMatchObject({ parentId: parent.id, thread: null, seq: parent.seq + 1 });
    const announced = heard.events.filter(
      (e): e is Extract<BusEvent, { type: "room.message" }> => e.type === "room.message",
    );
    expect(announced.map((e) => [e.message.id, e.parent?.id, e.parent?.thread.replyCount])).toEqual([
      [r1.id, parent.id, 1],
      [r2.id, parent.id, 2],
      [r3.id, parent.id, 3],
    ]);
    const summary = { replyCount: 3, lastReplyAt: r3.createdAt, participantIds: [ann.id, bob.id] };
    expect(announced[2]?.parent?.thread).toEqual(summary);

    const history = await bob.caller.history.list({ roomId: room.id });
    expect(history.items.some((m) => m.parentId !== null)).toBe(false);
    expect(history.items.find((m) => m.id === parent.id)?.thread).toEqual(summary);

    const thread = await bob.caller.messages.thread({ messageId: parent.id });
    expect(thread.parent.thread).toEqual(summary);
    expect(thread.items.map((m) => m.id)).toEqual([r1.id, r2.id, r3.id]);
    expect(thread.hasMore).toBe(false);
    await expectGapFree(h.deps.db, room.id);
  });

  it("pages a thread's replies by sequence number both ways", async () => {
    const room = await newRoom("thread-pages");
    const parent = await owner.messages.send({ roomId: room.id, text: "count with me" });
    await owner.messages.send({ roomId: room.id, text: "elsewhere" });
    const replies = [];
    for (let i = 1; i <= 7; i++) {
      replies.push(await ann.caller.messages.send({ roomId: room.id, text: `${i}`, parentId: parent.id }));
    }
    const seqs = replies.map((r) => r.seq);
    const first = await owner.messages.thread({ messageId: parent.id, limit: 3 });
    expect(first.items.map((m) => m.seq)).toEqual(seqs.slice(0, 3));
    expect(first.hasMore).toBe(true);
    const next = await owner.messages.thread({ messageId: parent.id, limit: 3, after: seqs[2] });
    expect(next.items.map((m) => m.seq)).toEqual(seqs.slice(3, 6));
    const last = await owner.messages.thread({ messageId: parent.id, limit: 3, after: seqs[5] });
    expect(last.items.map((m) => m.seq)).toEqual(seqs.slice(6));
    expect(last.hasMore).toBe(false);
    const back = await owner.messages.thread({ messageId: parent.id, limit: 4, before: seqs[6] });
    expect(back.items.map((m) => m.seq)).toEqual(seqs.slice(2, 6).reverse());
    expect(back.hasMore).toBe(true);
    await expectTrpcError(
      owner.messages.thread({ messageId: parent.id, before: 5, after: 1 }),
      "BAD_REQUEST",
      /either before or after/,
    );
  });

  it("refuses replies to replies, notices, deleted messages and other rooms' messages, changing nothing", async () => {
    const room = await newRoom("thread-rules");
    const other = await newRoom("thread-other");
    const hidden = await newRoom("thread-hidden", true);
    const parent = await owner.messages.send({ roomId: room.id, text: "parent" });
    const reply = await ann.caller.messages.send({ roomId: room.id, text: "reply", parentId: parent.id });
    const elsewhere = await owner.messages.send({ roomId: other.id, text: "elsewhere" });
    const secret = await owner.messages.send({ roomId: hidden.id, text: "secret" });
    const notice = (await owner.history.list({ roomId: room.id })).items.find((m) => m.kind === "system");
    const gone = await owner.messages.send({ roomId: room.id, text: "gone" });
    await owner.messages.delete({ messageId: gone.id });
    const send = (parentId: number) => () => ann.caller.messages.send({ roomId: room.id, text: "hi", parentId });

    await refused(
      room.id,
      send(reply.id),
      "BAD_REQUEST",
      /threads are one level deep: reply to the thread's first message/,
    );
    await refused(room.id, send(notice?.id ?? 0), "BAD_REQUEST", /system notices/);
    await refused(room.id, send(gone.id), "CONFLICT", /can't reply to a deleted message/);
    const words = (id: number) => new RegExp(`^message ${id} was not found in this room$`);
    await refused(room.id, send(elsewhere.id), "NOT_FOUND", words(elsewhere.id));
    await refused(room.id, send(secret.id), "NOT_FOUND", words(secret.id));
    await refused(room.id, send(secret.id + 1_000_000), "NOT_FOUND", words(secret.id + 1_000_000));
    await expectTrpcError(
      owner.messages.thread({ messageId: reply.id }),
      "BAD_REQUEST",
      new RegExp(`message ${reply.id} is a reply`),
    );
    await expectGapFree(h.deps.db, room.id);
  });

  it("hides a private room's threads from strangers as if they did not exist", async () => {
    const room = await newRoom("thread-private", true);
    const parent = await owner.messages.send({ roomId: room.id, text: "ours" });
    const a = await expectTrpcError(bob.caller.messages.thread({ messageId: parent.id }), "NOT_FOUND");
    const b = await expectTrpcError(bob.caller.messages.thread({ messageId: parent.id + 1_000_000 }), "NOT_FOUND");
    expect(a.message).toBe(`message ${parent.id} was not found`);
    expect(b.message).toBe(`message ${parent.id + 1_000_000} was not found`);
  });

  it("answers a retried reply (same clientId) with the stored reply, counted once", async () => {
    const room = await newRoom("thread-retry");
    const parent = await owner.messages.send({ roomId: room.id, text: "retry me" });
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        ann.caller.messages.send({ roomId: room.id, text: "once", parentId: parent.id, clientId: "r-1" }),
      ),
    );
    expect(new Set(racing.map((m) => m.id)).size).toBe(1);
    const thread = await owner.messages.thread({ messageId: parent.id });
    expect(thread.items).toHaveLength(1);
    expect(thread.parent.thread?.replyCount).toBe(1);
    await expectGapFree(h.deps.db, room.id);
  });

  it("takes a deleted reply out of its thread's summary; a deleted parent keeps its replies", async () => {
    const room = await newRoom("thread-delete");
    const parent = await owner.messages.send({ roomId: room.id, text: "parent text" });
    const r1 = await ann.caller.messages.send({ roomId: room.id, text: "first reply", parentId: parent.id });
    const r2 = await bob.caller.messages.send({ roomId: room.id, text: "second reply", parentId: parent.id });
    const heard = await h.listen(`room:${room.id}`);
    await bob.caller.messages.delete({ messageId: r2.id });
    heard.stop();
    const [change] = heard.events;
    expect(change).toMatchObject({
      type: "room.change",
      change: "deleted",
      parent: { id: parent.id, thread: { replyCount: 1, lastReplyAt: r1.createdAt, participantIds: [ann.id] } },
    });
    await owner.messages.delete({ messageId: r1.id });
    let thread = await owner.messages.thread({ messageId: parent.id });
    expect(thread.parent.thread).toBeNull(); // no replies left that count
    expect(thread.items.map((m) => [m.id, m.body, m.deletedAt !== null])).toEqual([
      [r1.id, "", true],
      [r2.id, "", true],
    ]);

    const r3 = await ann.caller.messages.send({ roomId: room.id, text: "third reply", parentId: parent.id });
    await owner.messages.delete({ messageId: parent.id });
    thread = await ann.caller.messages.thread({ messageId: parent.id });
    expect(thread.parent).toMatchObject({ body: "", thread: { replyCount: 1, participantIds: [ann.id] } });
    expect(thread.parent.deletedAt).not.toBeNull();
    expect(thread.items.map((m) => m.id)).toEqual([r1.id, r2.id, r3.id]);
    expect(thread.items[2]?.body).toBe("third reply");
    expect(await rowsHolding(h.deps.db, "parent text")).toBe(0);
    expect(await rowsHolding(h.deps.db, "second reply")).toBe(0);
    await expectGapFree(h.deps.db, room.id);
  });

  it("gives the seed history every message, replies included, deleted ones left out, as they are now", async () => {
    const room = await newRoom("thread-seed");
    const parent = await owner.messages.send({ roomId: room.id, text: "top" });
    const reply = await ann.caller.messages.send({ roomId: room.id, text: "reply", parentId: parent.id });
    const gone = await ann.caller.messages.send({ roomId: room.id, text: "regret" });
    await ann.caller.messages.delete({ messageId: gone.id });
    await ann.caller.messages.edit({ messageId: reply.id, text: "reply, edited" });
    const actor = {
      userId: ann.id,
      username: ann.username,
      displayName: null,
      jti: "",
      tokenExpiresAt: new Date(),
      tokenIssuedAt: new Date(),
      role: "member" as const,
      isBot: false,
    };
    const page = await getHistoryBeforeMessage(h.deps, actor, { roomId: room.id, beforeMessageId: 0 });
    const texts = page.items.filter((m) => m.kind === "text").map((m) => m.body);
    expect(texts).toEqual(["reply, edited", "top"]);
    expect(page.items.some((m) => m.id === gone.id)).toBe(false);
    // Paging before a deleted message still works (by its sequence number).
    const older = await getHistoryBeforeMessage(h.deps, actor, { roomId: room.id, beforeMessageId: gone.id });
    expect(older.items.filter((m) => m.kind === "text").map((m) => m.body)).toEqual(["reply, edited", "top"]);
  });
});
