import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserStreamEvent } from "../src/services/live";
import { BOTH_WAYS, createHarness, type Harness, readStream } from "./harness";

type SignedUp = Awaited<ReturnType<Harness["signUp"]>>;
type MemberEvent = Extract<UserStreamEvent, { type: "room.member" }>;

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

/**
 * Issue 13, item 4: whoever can see a member (their rooms' other members, the other side of a
 * direct conversation) hears on their own stream (events.mine) when that member joins, is invited,
 * leaves, or changes username or display name: an open page's lists follow it without a reload.
 */
describe.each(BOTH_WAYS)("member changes on the caller's own stream, on %s", (_name, driver, createBus) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver, createBus());
  });
  afterAll(() => h?.dispose());

  /** Opens a user's stream, and waits until it follows every room the user is in (its own profile event has come). */
  async function follow(user: SignedUp) {
    const stop = new AbortController();
    const stream = await readStream(h.callerFor(user.token, stop.signal).events.mine());
    await user.caller.profile.update({ displayName: null });
    await nextWhere(stream, (e) => e.type === "user.profile");
    return { stream, stop: () => stop.abort() };
  }

  async function nextWhere(
    stream: Awaited<ReturnType<typeof readStream<UserStreamEvent>>>,
    check: (event: UserStreamEvent) => boolean,
  ): Promise<UserStreamEvent> {
    for (;;) {
      const [event] = await stream.next(1);
      if (event && check(event)) return event;
    }
  }

  /** The member events of a stream about somebody else than `self`. */
  const aboutOthers = (items: UserStreamEvent[], self: number) =>
    items.filter((e): e is MemberEvent => {
      if (e.type !== "room.member") return false;
      const about = "user" in e ? e.user.id : "userId" in e ? e.userId : e.member.user.id;
      return about !== self;
    });

  it("a member's new username and display name reach every co-member once, however many rooms they share", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const stranger = await h.signUp();
    const first = await ann.caller.rooms.create({ name: uniqueName("first") });
    const second = await ann.caller.rooms.create({ name: uniqueName("second"), isPrivate: true });
    await ben.caller.rooms.join({ roomId: first.id });
    await ann.caller.invites.create({ roomId: second.id, user: { userId: ben.id } });
    const { room: direct } = await ann.caller.direct.open({ user: { userId: ben.id } });
    const annStream = await follow(ann);
    const strangerStream = await follow(stranger);

    const newName = `benedict${randomBytes(4).toString("hex")}`;
    await ben.caller.profile.rename({ username: newName });
    await ben.caller.profile.update({ displayName: "Ben the Second" });
    // A marker after both changes: once ann hears it, she has heard everything before it.
    await ann.caller.profile.update({ displayName: "marker" });
    await nextWhere(annStream.stream, (e) => e.type === "user.profile" && e.user.displayName === "marker");
    await stranger.caller.profile.update({ displayName: "marker" });
    await nextWhere(strangerStream.stream, (e) => e.type === "user.profile" && e.user.displayName === "marker");
    annStream.stop();
    strangerStream.stop();

    const heard = aboutOthers(annStream.stream.items, ann.id);
    expect(heard.map((e) => (e.change === "updated" ? [e.user.id, e.user.username, e.user.displayName] : e))).toEqual([
      [ben.id, newName, null],
      [ben.id, newName, "Ben the Second"],
    ]);
    for (const event of heard) expect([first.id, second.id, direct.id]).toContain(event.roomId);
    expect(aboutOthers(strangerStream.stream.items, stranger.id)).toEqual([]);
  });

  it("joins, invitations and leaves reach the other members, with the new owner when the owner leaves", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const cat = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("comings") });
    await cat.caller.rooms.join({ roomId: room.id });
    const annStream = await follow(ann);
    const catStream = await follow(cat);

    await ben.caller.rooms.join({ roomId: room.id });
    const dan = await h.signUp();
    await ann.caller.invites.create({ roomId: room.id, user: { userId: dan.id } });
    await ben.caller.rooms.leave({ roomId: room.id });
    const annHeard = await nextWhere(annStream.stream, (e) => e.type === "room.member" && e.change === "left");
    await ann.caller.rooms.leave({ roomId: room.id });
    const catHeard = await nextWhere(
      catStream.stream,
      (e) => e.type === "room.member" && e.change === "left" && e.userId === ann.id,
    );
    annStream.stop();
    catStream.stop();

    expect(annHeard).toEqual({ type: "room.member", roomId: room.id, change: "left", userId: ben.id, heirId: null });
    // Cat has been in the room longest after ann: the room is hers now.
    expect(catHeard).toEqual({ type: "room.member", roomId: room.id, change: "left", userId: ann.id, heirId: cat.id });
    const seen = aboutOthers(catStream.stream.items, cat.id).map((e) =>
      "member" in e
        ? [e.change, e.member.user.id, e.member.user.username, e.member.role]
        : "userId" in e
          ? [e.change, e.userId]
          : [e.change, e.user.id],
    );
    expect(seen).toEqual([
      ["joined", ben.id, ben.username, "member"],
      ["invited", dan.id, dan.username, "member"],
      ["left", ben.id],
      ["left", ann.id],
    ]);
  });

  it("a member who left hears nothing more of the room's members", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: uniqueName("gone") });
    await ben.caller.rooms.join({ roomId: room.id });
    const benStream = await follow(ben);
    await ben.caller.rooms.leave({ roomId: room.id });
    await nextWhere(benStream.stream, (e) => e.type === "user.room" && e.change === "left");

    const cat = await h.signUp();
    await cat.caller.rooms.join({ roomId: room.id });
    await ann.caller.profile.update({ displayName: "Ann, after ben left" });
    await ben.caller.profile.update({ displayName: "marker" });
    await nextWhere(benStream.stream, (e) => e.type === "user.profile" && e.user.displayName === "marker");
    benStream.stop();

    expect(aboutOthers(benStream.stream.items, ben.id)).toEqual([]);
  });
});
