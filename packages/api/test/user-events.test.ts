import { randomBytes } from "node:crypto";
import { testRedisUrl } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Bus, type BusEvent, createMemoryBus, createRedisBus } from "../src/bus";
import type { UserStreamEvent } from "../src/services/live";
import { sendMessage } from "../src/services/messages";
import { markRead } from "../src/services/read-state";
import { type Caller, createHarness, type Harness, readStream } from "./harness";

type SignedUp = Awaited<ReturnType<Harness["signUp"]>>;

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

const buses: [string, () => Bus][] = [
  ["in-process", createMemoryBus],
  // A prefix of its own, so that parallel runs on one Redis do not hear each other.
  ["Redis", () => createRedisBus(testRedisUrl, { prefix: `parley-test-${process.pid}-${Date.now()}:` })],
];

/** The activity items of a stream, as [roomId, seq, authorId, kind]. */
const activityOf = (items: UserStreamEvent[]) =>
  items.flatMap((e) => (e.type === "room.activity" ? [[e.roomId, e.seq, e.authorId, e.kind]] : []));

describe.each(buses)("the caller's own stream (events.mine) on the %s bus", (_name, createBus) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("postgres", createBus());
  });
  afterAll(() => h?.dispose());

  /**
   * Opens a user's stream and waits until it follows the user's rooms: a profile change of their
   * own comes through only after the stream has subscribed to every room they were in.
   */
  async function follow(user: SignedUp) {
    const stop = new AbortController();
    const stream = await readStream(h.callerFor(user.token, stop.signal).events.mine());
    await user.caller.profile.update({ displayName: null });
    await nextWhere(stream, (e) => e.type === "user.profile");
    return { stream, stop: () => stop.abort() };
  }

  /** Reads on until an item passes `check`, and returns it. */
  async function nextWhere(
    stream: Awaited<ReturnType<typeof readStream<UserStreamEvent>>>,
    check: (event: UserStreamEvent) => boolean,
  ): Promise<UserStreamEvent> {
    for (;;) {
      const [event] = await stream.next(1);
      if (event && check(event)) return event;
    }
  }
  const activityIn = (roomId: number, seq: number) => (e: UserStreamEvent) =>
    e.type === "room.activity" && e.roomId === roomId && e.seq === seq;
  const send = (caller: Caller, roomId: number, text: string) => caller.messages.send({ roomId, text });
  const myRoomCounts = async (user: SignedUp, roomId: number) =>
    (await user.caller.rooms.mine()).find((entry) => entry.id === roomId);

  it("yields activity in rooms joined before it started and after, and none after leaving", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const before = await ann.caller.rooms.create({ name: uniqueName("before") });
    await ben.caller.rooms.join({ roomId: before.id }); // seq 1
    const { stream, stop } = await follow(ben);

    await send(ann.caller, before.id, "in a room ben was in"); // seq 2
    expect(await nextWhere(stream, (e) => e.type === "room.activity")).toMatchObject({
      type: "room.activity",
      roomId: before.id,
      seq: 2,
      change: "created",
      messageSeq: 2,
      authorId: ann.id,
      kind: "text",
      parentId: null,
      mentioned: false,
    });

    const after = await ann.caller.rooms.create({ name: uniqueName("after") });
    await ben.caller.rooms.join({ roomId: after.id }); // seq 1
    await send(ann.caller, after.id, "in a room ben joined while streaming"); // seq 2
    await send(ben.caller, after.id, "ben's own"); // seq 3
    await nextWhere(stream, activityIn(after.id, 3));

    await ben.caller.rooms.leave({ roomId: before.id }); // seq 3 of before: ben's own notice
    await send(ann.caller, before.id, "after ben left"); // seq 4 of before
    await send(ann.caller, after.id, "the last one"); // seq 4 of after
    await nextWhere(stream, activityIn(after.id, 4));
    stop();

    expect(activityOf(stream.items)).toEqual([
      [before.id, 2, ann.id, "text"],
      [after.id, 2, ann.id, "text"],
      [after.id, 3, ben.id, "text"],
      [before.id, 3, null, "system"],
      [after.id, 4, ann.id, "text"],
    ]);
    expect(stream.items.map((e) => e.type)).toContain("user.room");
  });

  it("follows a room the user is invited to, and a direct conversation somebody opens with them", async () => {
    const ann = await h.signUp();
    const cat = await h.signUp();
    const { stream, stop } = await follow(cat);

    const secret = await ann.caller.rooms.create({ name: uniqueName("secret"), isPrivate: true });
    await ann.caller.invites.create({ roomId: secret.id, user: { userId: cat.id } }); // seq 1
    await send(ann.caller, secret.id, "welcome"); // seq 2
    await nextWhere(stream, activityIn(secret.id, 2));

    const { room } = await ann.caller.direct.open({ user: { userId: cat.id } });
    await send(ann.caller, room.id, "psst"); // seq 1
    await nextWhere(stream, activityIn(room.id, 1));
    stop();

    expect(stream.items.map((e) => e.type).filter((type) => type !== "room.activity")).toEqual([
      "user.profile",
      "user.room",
      "user.direct",
    ]);
    expect(activityOf(stream.items)).toEqual([
      [secret.id, 2, ann.id, "text"],
      [room.id, 1, ann.id, "text"],
    ]);
  });

  it("fills in activity the bus lost, from the database, and repeats none", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("gap") });
    await ben.caller.rooms.join({ roomId: room.id }); // seq 1
    const { stream, stop } = await follow(ben);

    const actor = {
      userId: ann.id,
      username: ann.username,
      displayName: null,
      jti: "x",
      tokenExpiresAt: new Date(),
      tokenIssuedAt: new Date(),
      role: "member" as const,
      isBot: false,
    };
    const deaf = { ...h.deps, bus: createMemoryBus() }; // commits, but its events reach nobody
    await sendMessage(deaf, actor, { roomId: room.id, text: "lost on the bus" }); // seq 2
    await sendMessage(deaf, actor, { roomId: room.id, text: "also lost" }); // seq 3
    await send(ann.caller, room.id, "live again"); // seq 4
    await send(ann.caller, room.id, "and on"); // seq 5
    await nextWhere(stream, activityIn(room.id, 5));
    stop();

    expect(activityOf(stream.items).map(([, seq]) => seq)).toEqual([2, 3, 4, 5]);
  });

  it("carries the user's read marks to their other tabs, and no typing of rooms, nor anybody's presence", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("quiet") });
    await ben.caller.rooms.join({ roomId: room.id }); // seq 1
    await send(ann.caller, room.id, "unread"); // seq 2
    const { stream, stop } = await follow(ben);

    const annStop = new AbortController();
    const annRoom = await readStream(h.callerFor(ann.token, annStop.signal).events.room({ roomId: room.id }));
    await annRoom.next(1); // ann follows the room
    const annPresence = await readStream(
      h.callerFor(ann.token, annStop.signal).events.presence({ userIds: [ben.id], away: false }),
    );
    await annPresence.next(1); // ann is online: her presence was announced
    await ann.caller.events.typing({ roomId: room.id });
    await ben.caller.rooms.markRead({ roomId: room.id, seq: 2 });
    expect(await nextWhere(stream, (e) => e.type === "user.read")).toEqual({
      type: "user.read",
      userId: ben.id,
      roomId: room.id,
      lastReadSeq: 2,
    });
    // The read mark is followed by the counts it left: none.
    expect(await nextWhere(stream, (e) => e.type === "room.counts")).toEqual({
      type: "room.counts",
      roomId: room.id,
      unread: 0,
      mentions: 0,
    });
    annStop.abort();
    stop();

    // Typing and presence went out before the read mark: had the stream passed them on, they would be here.
    // (The room's members heard of ben's profile, which `follow` saved: ben is one of them. On Redis
    // that room.member can be published before the stream's room channel is live, as the profile
    // change is what tells the test the stream has started: it may or may not be here.)
    expect(stream.items.map((e) => e.type).filter((type) => type !== "room.member")).toEqual([
      "user.profile",
      "user.read",
      "room.counts",
    ]);
  });

  it("follows a read mark that stops short of the newest message with the counts still unread", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("partly") });
    await ben.caller.rooms.join({ roomId: room.id }); // seq 1
    await send(ann.caller, room.id, "first"); // seq 2
    await send(ann.caller, room.id, `second, @${ben.username}`); // seq 3
    await send(ann.caller, room.id, "third"); // seq 4
    const { stream, stop } = await follow(ben);

    // Ben has seen only the first of the three (the page opened at the "New messages" divider).
    await ben.caller.rooms.markRead({ roomId: room.id, seq: 2 });
    expect(await nextWhere(stream, (e) => e.type === "user.read")).toMatchObject({ roomId: room.id, lastReadSeq: 2 });
    expect(await nextWhere(stream, (e) => e.type === "room.counts")).toEqual({
      type: "room.counts",
      roomId: room.id,
      unread: 2,
      mentions: 1,
    });
    stop();
  });

  it("counts a caught-up read mark as clearing the room, unless a later message reached the stream first", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("caught-up") });
    await ben.caller.rooms.join({ roomId: room.id }); // seq 1
    await send(ann.caller, room.id, `hello @${ben.username}`); // seq 2
    const { stream, stop } = await follow(ben);
    const benActor = {
      userId: ben.id,
      username: ben.username,
      displayName: null,
      jti: "x",
      tokenExpiresAt: new Date(),
      tokenIssuedAt: new Date(),
      role: "member" as const,
      isBot: false,
    };
    // The mark's event is held back (it commits, its event reaches nobody yet) while a message
    // sent after the mark reaches the stream: the mark reached seq 2, then newest, but not seq 3.
    const held: BusEvent[] = [];
    const holding = { ...h.deps, bus: { ...h.deps.bus, publish: async (event: BusEvent) => void held.push(event) } };
    for (let round = 0; round < 3; round++) {
      const newest = 2 + 2 * round;
      await markRead(holding, benActor, { roomId: room.id, seq: newest });
      expect(held.shift()).toMatchObject({ type: "user.read", lastReadSeq: newest, caughtUp: true });
      await send(ann.caller, room.id, `after the mark @${ben.username}`); // newest + 1
      await nextWhere(stream, activityIn(room.id, newest + 1));
      await h.deps.bus.publish({
        type: "user.read",
        userId: ben.id,
        roomId: room.id,
        lastReadSeq: newest,
        caughtUp: true,
      });
      expect(await nextWhere(stream, (e) => e.type === "user.read")).toEqual({
        type: "user.read",
        userId: ben.id,
        roomId: room.id,
        lastReadSeq: newest,
      });
      // Not 0: the message after the mark is unread and mentions ben.
      expect(await nextWhere(stream, (e) => e.type === "room.counts")).toEqual({
        type: "room.counts",
        roomId: room.id,
        unread: 1,
        mentions: 1,
      });
      await send(ann.caller, room.id, "one more"); // newest + 2, the next round's mark
      await nextWhere(stream, activityIn(room.id, newest + 2));
    }
    // And a caught-up mark the stream has not counted past: 0 and 0, with no query needed.
    await ben.caller.rooms.markRead({ roomId: room.id, seq: 8 });
    expect(await nextWhere(stream, (e) => e.type === "room.counts")).toEqual({
      type: "room.counts",
      roomId: room.id,
      unread: 0,
      mentions: 0,
    });
    expect(await myRoomCounts(ben, room.id)).toMatchObject({ unread: 0, mentions: 0, lastReadSeq: 8 });
    stop();
  });

  it("fails when its session is revoked", async () => {
    const ben = await h.signUp();
    const { stream } = await follow(ben);
    await ben.caller.auth.logout();
    expect(String(await stream.untilDone())).toMatch(/session has ended/);
  });
});
