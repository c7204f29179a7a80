import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBus } from "../src/bus";
import type { RoomStreamEvent } from "../src/services/live";
import { sendMessage } from "../src/services/messages";
import { type Caller, createHarness, expectTrpcError, type Harness, readStream } from "./harness";

/** Messages and resets: what the sequence-number tests read (typing is tested apart). */
const sequenced = (item: unknown) => ["message", "reset"].includes(eventOf(item).type);

/** Reads a room stream's messages and resets (or what `keep` picks) in the background. */
const open = (subscription: Promise<AsyncIterable<unknown>>, keep: (item: unknown) => boolean = sequenced) =>
  readStream(subscription, keep);

/** A tracked item as the server-side caller sees it: [id, data]. */
const seqOf = (item: unknown) => Number((item as [string, RoomStreamEvent])[0]);
const eventOf = (item: unknown) => (Array.isArray(item) ? (item[1] as RoomStreamEvent) : (item as RoomStreamEvent));
const bodies = (items: unknown[]) =>
  items.map((i) => {
    const e = eventOf(i);
    return e.type === "message" ? e.message.body : e.type;
  });

describe.each(drivers)("live room events on %s", (driver) => {
  let h: Harness;
  let owner: { caller: Caller; id: number; token: string; username: string };
  beforeAll(async () => {
    h = await createHarness(driver);
    owner = await h.signUp();
  });
  afterAll(() => h?.dispose());

  const newRoom = (isPrivate = false) =>
    owner.caller.rooms.create({ name: `live-${Math.random().toString(36).slice(2)}`, isPrivate });
  const send = (roomId: number, text: string, caller = owner.caller) => caller.messages.send({ roomId, text });

  it("streams messages live, each with its sequence number as the event id", async () => {
    const room = await newRoom();
    const stop = new AbortController();
    const stream = await open(h.callerFor(owner.token, stop.signal).events.room({ roomId: room.id, lastEventId: "0" }));
    for (const text of ["one", "two", "three"]) await send(room.id, text);
    const items = await stream.next(3);
    expect(items.map(seqOf)).toEqual([1, 2, 3]);
    expect(bodies(items)).toEqual(["one", "two", "three"]);
    stop.abort();
  });

  it("resumes after lastEventId with nothing lost or repeated, then goes on live", async () => {
    const room = await newRoom();
    for (let i = 1; i <= 5; i++) await send(room.id, `m${i}`);
    const stop = new AbortController();
    const stream = await open(h.callerFor(owner.token, stop.signal).events.room({ roomId: room.id, lastEventId: "2" }));
    expect((await stream.next(3)).map(seqOf)).toEqual([3, 4, 5]);
    await send(room.id, "m6");
    expect((await stream.next(1)).map(seqOf)).toEqual([6]);
    stop.abort();
  });

  it("asks the client to reset instead of replaying more than the resume limit", async () => {
    const room = await newRoom();
    for (let i = 1; i <= 55; i++) await send(room.id, `m${i}`);
    const stop = new AbortController();
    const stream = await open(h.callerFor(owner.token, stop.signal).events.room({ roomId: room.id, lastEventId: "1" }));
    const [reset] = await stream.next(1);
    expect(seqOf(reset)).toBe(55);
    expect(eventOf(reset)).toEqual({ type: "reset", lastSeq: 55 });
    await send(room.id, "after");
    expect(bodies(await stream.next(1))).toEqual(["after"]);
    stop.abort();
  });

  it("fills a gap left by a lost bus event from the database before going on", async () => {
    const room = await newRoom();
    const stop = new AbortController();
    const stream = await open(h.callerFor(owner.token, stop.signal).events.room({ roomId: room.id, lastEventId: "0" }));
    await send(room.id, "seen");
    const actor = {
      userId: owner.id,
      username: owner.username,
      displayName: null,
      jti: "x",
      tokenExpiresAt: new Date(),
      tokenIssuedAt: new Date(),
      role: "member" as const,
      isBot: false,
    };
    const deaf = { ...h.deps, bus: createMemoryBus() }; // commits, but its events reach nobody
    await sendMessage(deaf, actor, { roomId: room.id, text: "lost on the bus" });
    await sendMessage(deaf, actor, { roomId: room.id, text: "also lost" });
    await send(room.id, "live again");
    const items = await stream.next(4);
    expect(items.map(seqOf)).toEqual([1, 2, 3, 4]);
    expect(bodies(items)).toEqual(["seen", "lost on the bus", "also lost", "live again"]);
    await send(room.id, "and on");
    expect((await stream.next(1)).map(seqOf)).toEqual([5]); // nothing repeated after the gap
    stop.abort();
  });

  it("shows others typing, and ends when the member leaves", async () => {
    const room = await newRoom();
    const guest = await h.signUp();
    await guest.caller.rooms.join({ roomId: room.id });
    const stream = await open(guest.caller.events.room({ roomId: room.id }), (i) => eventOf(i).type !== "message");
    expect(eventOf((await stream.next(1))[0]).type).toBe("live"); // subscribed: typing is live only
    await owner.caller.events.typing({ roomId: room.id });
    let [typing] = await stream.next(1);
    while (eventOf(typing).type !== "typing") [typing] = await stream.next(1);
    expect(eventOf(typing)).toMatchObject({ type: "typing", userId: owner.id });
    await guest.caller.rooms.leave({ roomId: room.id });
    expect(await stream.untilDone()).toBeNull();
  });

  it("fails the stream when its token is revoked", async () => {
    const room = await newRoom();
    const user = await h.signUp();
    await user.caller.rooms.join({ roomId: room.id });
    const stream = await open(user.caller.events.room({ roomId: room.id }), (i) => eventOf(i).type === "live");
    await stream.next(1); // subscribed
    await user.caller.auth.logout();
    const error = await stream.untilDone();
    expect(String(error)).toMatch(/session has ended/);
  });

  it("refuses non-members, and replays nothing to them", async () => {
    const secret = await newRoom(true);
    const open = await newRoom(false);
    await send(open.id, "public but members only");
    await send(secret.id, "hush");
    const stranger = await h.signUp();
    // A subscription's checks run when it is first read.
    const first = async (subscription: Promise<AsyncIterable<unknown>>) => {
      for await (const item of await subscription) return item;
    };
    await expectTrpcError(first(stranger.caller.events.room({ roomId: secret.id, lastEventId: "0" })), "NOT_FOUND");
    await expectTrpcError(first(stranger.caller.events.room({ roomId: open.id, lastEventId: "0" })), "FORBIDDEN");
    const peer = await h.signUp();
    const { room: direct } = await owner.caller.direct.open({ user: { userId: peer.id } });
    await send(direct.id, "between the two of us");
    await expectTrpcError(first(stranger.caller.events.room({ roomId: direct.id, lastEventId: "0" })), "NOT_FOUND");
    await expectTrpcError(stranger.caller.events.typing({ roomId: secret.id }), "NOT_FOUND");
    await expectTrpcError(first(h.anonymous.events.room({ roomId: open.id })), "UNAUTHORIZED");
  });

  it("streams the caller's own events: an invitation", async () => {
    const invitee = await h.signUp();
    const stop = new AbortController();
    const stream = await open(h.callerFor(invitee.token, stop.signal).events.mine(), () => true);
    const room = await newRoom(true);
    await owner.caller.invites.create({ roomId: room.id, user: { userId: invitee.id } });
    const [event] = await stream.next(1);
    expect(event).toMatchObject({ type: "user.room", change: "invited", room: { id: room.id } });
    stop.abort();
  });
});
