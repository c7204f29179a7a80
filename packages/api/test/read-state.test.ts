import { randomBytes } from "node:crypto";
import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_UNREAD } from "../src/schemas";
import { type Caller, createHarness, eventually, expectTrpcError, type Harness } from "./harness";

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

describe.each(drivers)("unread counts and read marks on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  const myRoom = async (caller: Caller, roomId: number) => {
    const room = (await caller.rooms.mine()).find((r) => r.id === roomId);
    if (!room) throw new Error(`room ${roomId} is not among the caller's rooms`);
    return room;
  };
  const sendMany = async (caller: Caller, roomId: number, count: number) => {
    for (let i = 1; i <= count; i++) await caller.messages.send({ roomId, text: `message ${i}` });
  };

  it("counts others' text messages after the read mark, not the caller's own nor notices", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("count") });
    expect(await myRoom(ann.caller, room.id)).toMatchObject({ unread: 0, lastReadSeq: 0, lastSeq: 0 });
    await ben.caller.rooms.join({ roomId: room.id }); // seq 1, a notice
    await ben.caller.messages.send({ roomId: room.id, text: "one" }); // 2
    await ben.caller.messages.send({ roomId: room.id, text: "two" }); // 3
    await ann.caller.messages.send({ roomId: room.id, text: "mine" }); // 4
    expect(await myRoom(ann.caller, room.id)).toMatchObject({ unread: 2, lastReadSeq: 0, lastSeq: 4 });
    expect(await myRoom(ben.caller, room.id)).toMatchObject({ unread: 1, lastReadSeq: 1, lastSeq: 4 });
  });

  it(`counts no further than ${MAX_UNREAD}`, async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("cap") });
    await ben.caller.rooms.join({ roomId: room.id }); // seq 1
    await sendMany(ben.caller, room.id, MAX_UNREAD + 1); // seq 2..102
    expect(await myRoom(ann.caller, room.id)).toMatchObject({ unread: MAX_UNREAD, lastSeq: MAX_UNREAD + 2 });
    await ann.caller.rooms.markRead({ roomId: room.id, seq: 50 });
    expect(await myRoom(ann.caller, room.id)).toMatchObject({ unread: 52, lastReadSeq: 50 });
  });

  it("starts a newcomer with the history read: joining, rejoining, being invited", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const cat = await h.signUp();
    const open = await ann.caller.rooms.create({ name: uniqueName("history") });
    await sendMany(ann.caller, open.id, 3);
    await ben.caller.rooms.join({ roomId: open.id }); // its own notice is seq 4
    expect(await myRoom(ben.caller, open.id)).toMatchObject({ unread: 0, lastReadSeq: 4, lastSeq: 4 });

    await ben.caller.rooms.leave({ roomId: open.id });
    await sendMany(ann.caller, open.id, 2);
    await ben.caller.rooms.join({ roomId: open.id });
    expect(await myRoom(ben.caller, open.id)).toMatchObject({ unread: 0, lastReadSeq: 8, lastSeq: 8 });

    const secret = await ann.caller.rooms.create({ name: uniqueName("secret"), isPrivate: true });
    await sendMany(ann.caller, secret.id, 2);
    await ann.caller.invites.create({ roomId: secret.id, user: { userId: cat.id } }); // seq 3
    expect(await myRoom(cat.caller, secret.id)).toMatchObject({ unread: 0, lastReadSeq: 3, lastSeq: 3 });
    await ann.caller.messages.send({ roomId: secret.id, text: "welcome" });
    expect(await myRoom(cat.caller, secret.id)).toMatchObject({ unread: 1, lastReadSeq: 3, lastSeq: 4 });
  });

  it("lists direct conversations with their unread counts", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const { room } = await ann.caller.direct.open({ user: { userId: ben.id } });
    await ann.caller.messages.send({ roomId: room.id, text: "hi ben" });
    await ann.caller.messages.send({ roomId: room.id, text: "are you there?" });
    expect(await ben.caller.direct.list()).toEqual([
      expect.objectContaining({ room: expect.objectContaining({ id: room.id }), unread: 2, lastReadSeq: 0 }),
    ]);
    expect(await ann.caller.direct.list()).toEqual([expect.objectContaining({ unread: 0, lastReadSeq: 0 })]);
    await ben.caller.rooms.markRead({ roomId: room.id, seq: 2 });
    expect(await ben.caller.direct.list()).toEqual([expect.objectContaining({ unread: 0, lastReadSeq: 2 })]);
  });

  it("marks read only forward, never past the newest message, and tells the caller's other tabs", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("mark") });
    await ben.caller.rooms.join({ roomId: room.id }); // seq 1
    await sendMany(ben.caller, room.id, 3); // seq 2..4
    const heard = await h.listen(`user:${ann.id}`);

    await ann.caller.rooms.markRead({ roomId: room.id, seq: 3 });
    expect(await myRoom(ann.caller, room.id)).toMatchObject({ unread: 1, lastReadSeq: 3 });
    await ann.caller.rooms.markRead({ roomId: room.id, seq: 1 }); // backwards: nothing changes
    expect(await myRoom(ann.caller, room.id)).toMatchObject({ unread: 1, lastReadSeq: 3 });
    await ann.caller.rooms.markRead({ roomId: room.id, seq: 1000 }); // beyond the newest: all of it
    expect(await myRoom(ann.caller, room.id)).toMatchObject({ unread: 0, lastReadSeq: 4 });
    await ann.caller.rooms.markRead({ roomId: room.id, seq: 1000 }); // already there: nothing to tell
    await ben.caller.messages.send({ roomId: room.id, text: "one more" }); // seq 5
    await ann.caller.rooms.markRead({ roomId: room.id, seq: 5 });

    // The last mark's event arriving after the others shows none came from the calls that changed nothing.
    // caughtUp: the mark reached the room's newest message when it was written.
    const read = (lastReadSeq: number, caughtUp: boolean) => ({
      type: "user.read",
      userId: ann.id,
      roomId: room.id,
      lastReadSeq,
      caughtUp,
    });
    await eventually(() => expect(heard.events).toEqual([read(3, false), read(4, true), read(5, true)]));
    heard.stop();
  });

  it("refuses a mark from a non-member, and changes nothing", async () => {
    const ann = await h.signUp();
    const stranger = await h.signUp();
    const open = await ann.caller.rooms.create({ name: uniqueName("open") });
    const secret = await ann.caller.rooms.create({ name: uniqueName("secret"), isPrivate: true });
    await ann.caller.messages.send({ roomId: open.id, text: "hello" });
    const before = await h.counts();
    await expectTrpcError(stranger.caller.rooms.markRead({ roomId: open.id, seq: 1 }), "FORBIDDEN", /not a member/);
    await expectTrpcError(stranger.caller.rooms.markRead({ roomId: secret.id, seq: 1 }), "NOT_FOUND");
    expect(await h.counts()).toEqual(before);
    await stranger.caller.rooms.join({ roomId: open.id });
    await stranger.caller.rooms.leave({ roomId: open.id });
    await expectTrpcError(stranger.caller.rooms.markRead({ roomId: open.id, seq: 5 }), "FORBIDDEN");
  });
});
