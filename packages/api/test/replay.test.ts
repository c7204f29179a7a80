import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusEvent, ChannelListeners, createMemoryBus, EventQueue } from "../src/bus";
import type { Deps } from "../src/deps";
import type { RoomStreamEvent, UserStreamEvent } from "../src/services/live";
import { REPLAY_PAGE, replay, replayPage } from "../src/services/replay";
import { type Caller, createHarness, eventually, type Harness, readStream } from "./harness";
import { deleteMessage, editMessage, reactTo, unreactTo, writeMessage } from "./log-writes";

type SignedUp = Awaited<ReturnType<Harness["signUp"]>>;

const seqOf = (item: unknown) => Number((item as [string, RoomStreamEvent])[0]);
const eventOf = (item: unknown) => (item as [string, RoomStreamEvent])[1];
const sequenced = (item: unknown) => ["message", "change", "reset"].includes(eventOf(item).type);

/** What a test compares of a stream item: its id, its type, and the message id, change and text. */
const summary = (item: unknown) => {
  const e = eventOf(item);
  if (e.type === "message") return [seqOf(item), "message", e.message.id, e.message.body];
  if (e.type === "change") return [seqOf(item), e.change, e.message.id, e.message.body];
  return [seqOf(item), e.type];
};

describe.each(drivers)("replay and live changes on %s", (driver) => {
  let h: Harness;
  let ann: SignedUp;
  let ben: SignedUp;
  beforeAll(async () => {
    h = await createHarness(driver);
    ann = await h.signUp();
    ben = await h.signUp();
  });
  afterAll(() => h?.dispose());

  /** A room ann owns and ben has joined (seq 1: ben's join notice). */
  async function newRoom() {
    const room = await ann.caller.rooms.create({ name: `replay-${Math.random().toString(36).slice(2)}` });
    await ben.caller.rooms.join({ roomId: room.id });
    return room;
  }
  const say = (roomId: number, body: string, more: { parentId?: number; mentionIds?: number[] } = {}, who = ann) =>
    writeMessage(h.deps, { roomId, authorId: who.id, body, ...more });
  const openRoom = (caller: Caller, roomId: number, lastEventId: string | null, signal?: AbortSignal) =>
    readStream(
      (signal ? h.callerFor(tokenOf(caller), signal) : caller).events.room({ roomId, lastEventId }),
      sequenced,
    );
  const tokenOf = (caller: Caller) => (caller === ann.caller ? ann.token : ben.token);

  /** Messages, an edit, a reaction, a deletion and a reply: seqs 2 to 9. */
  async function busyRoom() {
    const room = await newRoom();
    const first = await say(room.id, "first"); // 2
    const second = await say(room.id, "second"); // 3
    const doomed = await say(room.id, "doomed marker-7f3a"); // 4
    await editMessage(h.deps, ann.id, first.id, "first, edited"); // 5
    await reactTo(h.deps, ben.id, second.id, "👍"); // 6
    await deleteMessage(h.deps, ann.id, doomed.id); // 7
    const reply = await say(room.id, "a reply", { parentId: first.id }, ben); // 8
    await reactTo(h.deps, ann.id, reply.id, "🎉"); // 9
    return { room, first, second, doomed, reply };
  }

  it("replays every message and change after lastEventId exactly once, in order, as the messages are now", async () => {
    const { room, first, second, doomed, reply } = await busyRoom();
    const stop = new AbortController();
    const stream = await openRoom(ben.caller, room.id, "1", stop.signal);
    const items = await stream.next(8);
    expect(items.map(summary)).toEqual([
      [2, "message", first.id, "first, edited"],
      [3, "message", second.id, "second"],
      [4, "message", doomed.id, ""], // a tombstone: its text is never sent again
      [5, "edited", first.id, "first, edited"],
      [6, "reacted", second.id, "second"],
      [7, "deleted", doomed.id, ""],
      [8, "message", reply.id, "a reply"],
      [9, "reacted", reply.id, "a reply"],
    ]);
    expect(JSON.stringify(items)).not.toContain("marker-7f3a");
    const tombstone = eventOf(items[2]);
    expect(tombstone.type === "message" && tombstone.message.deletedAt).toBeTruthy();
    expect(eventOf(items[4])).toMatchObject({ type: "change", actorId: ben.id, emoji: "👍" });
    expect(eventOf(items[1])).toMatchObject({ message: { reactions: [{ emoji: "👍", count: 1, userIds: [ben.id] }] } });
    // A replayed reply, and a change to one, carry the parent's thread summary as it is now.
    for (const item of [items[6], items[7]]) {
      expect(eventOf(item)).toMatchObject({
        parent: { id: first.id, thread: { replyCount: 1, participantIds: [ben.id] } },
      });
    }
    // Live from here: nothing repeated.
    await unreactTo(h.deps, ann.id, reply.id, "🎉"); // 10
    expect((await stream.next(1)).map(summary)).toEqual([[10, "unreacted", reply.id, "a reply"]]);
    stop.abort();
  });

  it("resumes from the middle of the changes", async () => {
    const { room, doomed, reply } = await busyRoom();
    const stop = new AbortController();
    const stream = await openRoom(ben.caller, room.id, "6", stop.signal);
    expect((await stream.next(3)).map(summary)).toEqual([
      [7, "deleted", doomed.id, ""],
      [8, "message", reply.id, "a reply"],
      [9, "reacted", reply.id, "a reply"],
    ]);
    stop.abort();
  });

  it("says reset instead of replaying more events than the resume limit, messages and changes alike", async () => {
    const room = await newRoom();
    const message = await say(room.id, "popular"); // 2
    for (let i = 0; i < 50; i++) {
      await (i % 2 === 0 ? reactTo : unreactTo)(h.deps, ann.id, message.id, "🔥"); // 3..52
    }
    const stop = new AbortController();
    const stream = await openRoom(ben.caller, room.id, "1", stop.signal);
    expect((await stream.next(1)).map(summary)).toEqual([[52, "reset"]]);
    await editMessage(h.deps, ann.id, message.id, "still popular"); // 53
    expect((await stream.next(1)).map(summary)).toEqual([[53, "edited", message.id, "still popular"]]);
    stop.abort();
  });

  it("pages a long replay in sequence order, every event once", async () => {
    const room = await newRoom();
    const message = await say(room.id, "m"); // 2
    for (let i = 0; i < REPLAY_PAGE + 30; i++) {
      if (i % 3 === 0) await say(room.id, `m${i}`);
      else await (i % 3 === 1 ? reactTo : unreactTo)(h.deps, ben.id, message.id, "✨");
    }
    const items = [];
    for await (const item of replay(h.deps.db, room.id, 1, REPLAY_PAGE + 32)) items.push(item.seq);
    expect(items).toEqual(Array.from({ length: REPLAY_PAGE + 31 }, (_, i) => i + 2));
  });

  it("reads a page of replay in four queries, however many messages, replies and changes it holds", async () => {
    const room = await newRoom();
    const parent = await say(room.id, "parent"); // 2
    for (let i = 0; i < 50; i++) {
      const reply = await say(room.id, `reply ${i}`, { parentId: parent.id }, ben);
      await reactTo(h.deps, ann.id, reply.id, "👍");
      if (i % 4 === 0) await deleteMessage(h.deps, ben.id, reply.id);
    }
    let queries = 0;
    // Counts the statements the page runs: each drizzle read starts with `select`, and each statement
    // prepared once per process (`preparedRead`: reactionsOf's) takes the driver's client, `$client`.
    const counted = () =>
      new Proxy(h.deps.db, {
        get(target, key) {
          const value = Reflect.get(target, key, target);
          if (key === "$client") queries++;
          if (key !== "select" || typeof value !== "function") return value;
          return (...args: unknown[]) => {
            queries++;
            return value.apply(target, args);
          };
        },
      });
    const small = await replayPage(counted(), room.id, 1, 11);
    expect(small).toHaveLength(10);
    expect(queries).toBe(4);
    queries = 0;
    const full = await replayPage(counted(), room.id, 1, 200);
    expect(full).toHaveLength(REPLAY_PAGE);
    expect(queries).toBe(4);
  });

  it("fills a change lost on the bus from the database, before the next one, and repeats nothing", async () => {
    const room = await newRoom();
    const message = await say(room.id, "original"); // 2
    const stop = new AbortController();
    const stream = await openRoom(ben.caller, room.id, "2", stop.signal);
    const deaf: Pick<Deps, "db" | "bus"> = { db: h.deps.db, bus: createMemoryBus() }; // commits, heard by nobody
    await editMessage(deaf, ann.id, message.id, "edited where nobody heard"); // 3
    await reactTo(deaf, ben.id, message.id, "👀"); // 4
    await editMessage(h.deps, ann.id, message.id, "edited again"); // 5
    expect((await stream.next(3)).map(summary)).toEqual([
      // Filled from the database: the message as it is now.
      [3, "edited", message.id, "edited again"],
      [4, "reacted", message.id, "edited again"],
      // Live: as the change left it.
      [5, "edited", message.id, "edited again"],
    ]);
    await deleteMessage(h.deps, ann.id, message.id); // 6
    expect((await stream.next(1)).map(summary)).toEqual([[6, "deleted", message.id, ""]]);
    stop.abort();
  });

  it("passes a live reply on with its parent's new thread summary", async () => {
    const room = await newRoom();
    const parent = await say(room.id, "thread starter"); // 2
    const stop = new AbortController();
    const stream = await openRoom(ben.caller, room.id, "2", stop.signal);
    const reply = await say(room.id, "first reply", { parentId: parent.id }, ben); // 3
    const [item] = await stream.next(1);
    expect(eventOf(item)).toMatchObject({
      type: "message",
      message: { id: reply.id, parentId: parent.id },
      parent: { id: parent.id, thread: { replyCount: 1, participantIds: [ben.id] } },
    });
    await deleteMessage(h.deps, ben.id, reply.id); // 4
    const [deleted] = await stream.next(1);
    expect(eventOf(deleted)).toMatchObject({
      type: "change",
      change: "deleted",
      parent: { id: parent.id, thread: { replyCount: 0 } },
    });
    stop.abort();
  });

  it("counts unread top-level live text messages by others, and mentions (replies included) after the read mark", async () => {
    const room = await newRoom(); // seq 1: ben's join; ben has read up to it
    const parent = await say(room.id, "top level"); // 2: unread
    await say(room.id, "a reply", { parentId: parent.id }); // 3: a reply, not unread
    await say(room.id, `hey @${ben.username}`, { mentionIds: [ben.id] }); // 4: unread, mention
    await say(room.id, "in the thread", { parentId: parent.id, mentionIds: [ben.id] }); // 5: mention only
    const gone = await say(room.id, "soon gone", { mentionIds: [ben.id] }); // 6
    await deleteMessage(h.deps, ann.id, gone.id); // 7: neither, any more
    await reactTo(h.deps, ann.id, parent.id, "👍"); // 8: a change, not a message
    await say(room.id, "ben's own", {}, ben); // 9: not unread for ben
    const mine = (await ben.caller.rooms.mine()).find((r) => r.id === room.id);
    expect(mine).toMatchObject({ lastSeq: 9, lastReadSeq: 1, unread: 2, mentions: 2 });
    await ben.caller.rooms.markRead({ roomId: room.id, seq: 4 });
    expect((await ben.caller.rooms.mine()).find((r) => r.id === room.id)).toMatchObject({ unread: 0, mentions: 1 });

    const { room: direct } = await ann.caller.direct.open({ user: { userId: ben.id } });
    await say(direct.id, `@${ben.username} look`, { mentionIds: [ben.id] });
    await say(direct.id, "and this");
    const conversation = (await ben.caller.direct.list()).find((d) => d.room.id === direct.id);
    expect(conversation).toMatchObject({ unread: 2, mentions: 1 });
  });
});

describe.each(drivers)("the user stream's activity for mentions, edits and deletions on %s", (driver) => {
  let h: Harness;
  let ann: SignedUp;
  let ben: SignedUp;
  beforeAll(async () => {
    h = await createHarness(driver);
    ann = await h.signUp();
    ben = await h.signUp();
  });
  afterAll(() => h?.dispose());

  /** Ben's stream, once it follows his rooms (his own profile change comes through after that). */
  async function followBen() {
    const stop = new AbortController();
    const stream = await readStream(h.callerFor(ben.token, stop.signal).events.mine());
    await ben.caller.profile.update({ displayName: null });
    for (;;) if ((await stream.next(1))[0]?.type === "user.profile") break;
    return { stream, stop: () => stop.abort() };
  }
  async function nextOf(stream: Awaited<ReturnType<typeof followBen>>["stream"], types: UserStreamEvent["type"][]) {
    for (;;) {
      const [event] = await stream.next(1);
      if (event && types.includes(event.type)) return event;
    }
  }
  const counted = ["room.activity", "room.counts"] as UserStreamEvent["type"][];

  it("tells the mentioned user at once, and of edits that change the mention and of every deletion", async () => {
    const room = await ann.caller.rooms.create({ name: `mine-${Math.random().toString(36).slice(2)}` });
    await ben.caller.rooms.join({ roomId: room.id }); // 1
    const { stream, stop } = await followBen();
    const plain = await writeMessage(h.deps, { roomId: room.id, authorId: ann.id, body: "hello" }); // 2
    expect(await nextOf(stream, counted)).toMatchObject({
      type: "room.activity",
      seq: 2,
      change: "created",
      messageId: plain.id,
      messageSeq: 2,
      mentioned: false,
      parentId: null,
    });
    const calling = await writeMessage(h.deps, {
      roomId: room.id,
      authorId: ann.id,
      body: `@${ben.username}?`,
      parentId: plain.id,
      mentionIds: [ben.id],
    }); // 3
    expect(await nextOf(stream, counted)).toMatchObject({
      seq: 3,
      change: "created",
      mentioned: true,
      parentId: plain.id,
    });
    await reactTo(h.deps, ann.id, plain.id, "👍"); // 4: no activity
    await editMessage(h.deps, ann.id, plain.id, "hello again"); // 5: mentions nobody before or after: no activity
    await editMessage(h.deps, ann.id, calling.id, "never mind"); // 6: the mention is gone
    expect(await nextOf(stream, counted)).toMatchObject({
      seq: 6,
      change: "edited",
      messageId: calling.id,
      messageSeq: 3,
      mentioned: false,
      mentionedBefore: true,
    });
    await editMessage(h.deps, ann.id, calling.id, `@${ben.username} after all`, [ben.id]); // 7
    expect(await nextOf(stream, counted)).toMatchObject({
      seq: 7,
      change: "edited",
      mentioned: true,
      mentionedBefore: false,
    });
    await deleteMessage(h.deps, ann.id, plain.id); // 8
    expect(await nextOf(stream, counted)).toMatchObject({
      seq: 8,
      change: "deleted",
      messageId: plain.id,
      messageSeq: 2,
      mentionedBefore: false,
    });
    await deleteMessage(h.deps, ann.id, calling.id); // 9
    expect(await nextOf(stream, counted)).toMatchObject({ seq: 9, change: "deleted", mentionedBefore: true });
    stop();
    // Nothing for the reaction and the edit that changed no mention.
    expect(stream.items.flatMap((e) => (e.type === "room.activity" && e.roomId === room.id ? [e.seq] : []))).toEqual([
      2, 3, 6, 7, 8, 9,
    ]);
  });

  it("reads the counts again when a gap it fills held edits or deletions", async () => {
    const room = await ann.caller.rooms.create({ name: `gap-${Math.random().toString(36).slice(2)}` });
    await ben.caller.rooms.join({ roomId: room.id }); // 1
    const { stream, stop } = await followBen();
    const deaf: Pick<Deps, "db" | "bus"> = { db: h.deps.db, bus: createMemoryBus() };
    const a = await writeMessage(deaf, { roomId: room.id, authorId: ann.id, body: "a", mentionIds: [ben.id] }); // 2
    await writeMessage(deaf, { roomId: room.id, authorId: ann.id, body: "b" }); // 3
    await deleteMessage(deaf, ann.id, a.id); // 4
    await writeMessage(h.deps, { roomId: room.id, authorId: ann.id, body: "c", mentionIds: [ben.id] }); // 5
    const events: UserStreamEvent[] = [];
    for (;;) {
      const event = await nextOf(stream, counted);
      events.push(event);
      if (event.type === "room.counts") break;
    }
    expect(events.map((e) => (e.type === "room.activity" ? [e.type, e.seq, e.change] : [e.type]))).toEqual([
      ["room.activity", 2, "created"],
      ["room.activity", 3, "created"],
      ["room.activity", 5, "created"],
      ["room.counts"],
    ]);
    expect(events[2]).toMatchObject({ mentioned: true });
    // As the database has them after seq 5: b and c unread, c's mention; a is deleted, mention and all.
    expect(events[3]).toEqual({ type: "room.counts", roomId: room.id, unread: 2, mentions: 1 });
    // Then on, one by one, with nothing counted twice.
    await writeMessage(h.deps, { roomId: room.id, authorId: ann.id, body: "d" });
    const d = await nextOf(stream, counted);
    expect(d).toMatchObject({ type: "room.activity", change: "created" });
    stop();
  });
});

describe("the bus's reorder buffer", () => {
  const change = (seq: number): BusEvent => ({
    type: "room.change",
    roomId: 1,
    seq,
    change: "reacted",
    actorId: 1,
    emoji: "👍",
    message: {} as never,
  });
  const message = (seq: number): BusEvent => ({ type: "room.message", roomId: 1, seq, message: {} as never });

  it("holds a change that overtook the message before it, and hands both on in sequence order", async () => {
    for (let trial = 0; trial < 30; trial++) {
      const listeners = new ChannelListeners(5_000);
      const stop = new AbortController();
      const queue = new EventQueue(stop.signal, { end() {} });
      listeners.queues.add(queue);
      const seen: number[] = [];
      const reading = (async () => {
        for await (const event of queue) if ("seq" in event) seen.push(event.seq);
      })();
      listeners.deliver(message(1));
      const order = trial % 2 === 0 ? [change(3), message(2), change(4)] : [change(3), change(4), message(2)];
      for (const event of order) listeners.deliver(event);
      await eventually(() => expect(seen).toEqual([1, 2, 3, 4]));
      stop.abort();
      await reading;
    }
  });
});

describe.each(drivers)("mentions through the message services on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it("tells every tab of the mentioned user at once, and the counts follow edits and deletions", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: `tabs-${Math.random().toString(36).slice(2)}` });
    await ben.caller.rooms.join({ roomId: room.id });
    const tabs = [new AbortController(), new AbortController()];
    const streams = await Promise.all(tabs.map((tab) => readStream(h.callerFor(ben.token, tab.signal).events.mine())));
    // Each tab follows ben's rooms once it has heard of his own profile change.
    await ben.caller.profile.update({ displayName: null });
    for (const stream of streams) for (;;) if ((await stream.next(1))[0]?.type === "user.profile") break;
    const activity = async (): Promise<UserStreamEvent[]> =>
      Promise.all(
        streams.map(async (stream) => {
          for (;;) {
            const [event] = await stream.next(1);
            if (event?.type === "room.activity" || event?.type === "room.counts") return event;
          }
        }),
      );
    const counts = async () => {
      const mine = (await ben.caller.rooms.mine()).find((r) => r.id === room.id);
      return { unread: mine?.unread, mentions: mine?.mentions };
    };

    const hey = await ann.caller.messages.send({ roomId: room.id, text: `hey @${ben.username}` });
    for (const event of await activity()) {
      expect(event).toMatchObject({ change: "created", messageId: hey.id, mentioned: true });
    }
    expect(await counts()).toEqual({ unread: 1, mentions: 1 });

    await ann.caller.messages.edit({ messageId: hey.id, text: "hey everyone" });
    for (const event of await activity()) {
      expect(event).toMatchObject({ change: "edited", messageId: hey.id, mentioned: false, mentionedBefore: true });
    }
    expect(await counts()).toEqual({ unread: 1, mentions: 0 });

    const everyone = await ann.caller.messages.send({ roomId: room.id, text: "@room listen" });
    for (const event of await activity()) expect(event).toMatchObject({ messageId: everyone.id, mentioned: true });
    expect(await counts()).toEqual({ unread: 2, mentions: 1 });

    await ann.caller.messages.delete({ messageId: everyone.id });
    for (const event of await activity()) {
      expect(event).toMatchObject({ change: "deleted", messageId: everyone.id, mentionedBefore: true });
    }
    expect(await counts()).toEqual({ unread: 1, mentions: 0 });

    // Ben's own mention of himself, and reactions, are no activity that counts.
    await ann.caller.messages.react({ messageId: hey.id, emoji: "👍" });
    const own = await ben.caller.messages.send({ roomId: room.id, text: `me, @${ben.username}` });
    for (const event of await activity()) expect(event).toMatchObject({ messageId: own.id, mentioned: false });
    expect(await counts()).toEqual({ unread: 1, mentions: 0 });
    for (const tab of tabs) tab.abort();
  });
});
