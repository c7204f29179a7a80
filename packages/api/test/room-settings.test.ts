import { randomBytes } from "node:crypto";
import { schema as dbSchema } from "@parley/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BusEvent, roomChannel, userChannel } from "../src/bus";
import { ROOM_TOPIC_MAX } from "../src/schemas";
import type { RoomStreamEvent, UserStreamEvent } from "../src/services/live";
import { ensureBuiltinRoom } from "../src/services/rooms";
import { BOTH_WAYS, createHarness, eventually, expectTrpcError, type Harness, readStream } from "./harness";

type SignedUp = Awaited<ReturnType<Harness["signUp"]>>;
/** A room stream's item is tracked: [sequence number, event]. */
const eventOf = (item: unknown) => (item as [string, RoomStreamEvent])[1];

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

/**
 * Issue 15: rooms people can run. The owner renames a room, sets its topic and removes members
 * (each with a notice in the room and events after commit); every member mutes a room for
 * themselves. Bad input and the wrong caller change nothing and are answered in words.
 */
describe.each(BOTH_WAYS)("room settings on %s", (_name, driver, createBus) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver, createBus());
  });
  afterAll(() => h?.dispose());

  /** A room owned by `owner` with `member` in it. */
  async function roomOf(owner: SignedUp, member?: SignedUp, isPrivate = false) {
    const room = await owner.caller.rooms.create({ name: uniqueName("room"), isPrivate });
    if (member) await owner.caller.invites.create({ roomId: room.id, user: { userId: member.id } });
    return room;
  }

  /** The room's newest messages' notices, oldest first. */
  async function notices(caller: SignedUp["caller"], roomId: number) {
    const page = await caller.history.list({ roomId, limit: 50 });
    return page.items.filter((m) => m.kind === "system").map((m) => ({ notice: m.notice, body: m.body }));
  }

  /** A user's own stream, once it follows the user's rooms (its own profile event has come through). */
  async function userStream(user: SignedUp) {
    const stop = new AbortController();
    const stream = await readStream<UserStreamEvent>(h.callerFor(user.token, stop.signal).events.mine());
    const marker = `m${randomBytes(3).toString("hex")}`;
    await user.caller.profile.update({ displayName: marker });
    await untilItem(stream, (e) => e.type === "user.profile" && e.user.displayName === marker);
    return { stream, stop: () => stop.abort() };
  }

  async function untilItem<T>(stream: Awaited<ReturnType<typeof readStream<T>>>, check: (item: T) => boolean) {
    for (;;) {
      const [item] = await stream.next(1);
      if (item !== undefined && check(item)) return item;
    }
  }

  it("lets the owner rename a room and set its topic: notices in the room, room.updated to members, the sidebar shows both", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const room = await roomOf(owner, member);
    const memberStream = await userStream(member);
    const onRoom = await h.listen(roomChannel(room.id));
    const directory = await h.listen("directory");
    const newName = uniqueName("renamed");

    const result = await owner.caller.rooms.update({
      roomId: room.id,
      name: `  ${newName} `,
      topic: "Plans for the week",
    });
    expect(result.changed).toEqual(["name", "topic"]);
    expect(result.room).toMatchObject({ id: room.id, name: newName, topic: "Plans for the week" });

    const heard = await untilItem(memberStream.stream, (e) => e.type === "room.updated");
    expect(heard).toMatchObject({ roomId: room.id, room: { name: newName, topic: "Plans for the week" } });
    const mine = await member.caller.rooms.mine();
    expect(mine.find((r) => r.id === room.id)).toMatchObject({ name: newName, topic: "Plans for the week" });
    expect(await member.caller.rooms.get({ roomId: room.id })).toMatchObject({ topic: "Plans for the week" });

    const written = await notices(owner.caller, room.id);
    expect(written.map((n) => n.body)).toContain(`${owner.username} renamed the room from ${room.name} to ${newName}`);
    expect(written.map((n) => n.body)).toContain(`${owner.username} set the topic: Plans for the week`);
    expect(written.find((n) => n.notice?.event === "room-renamed")?.notice).toEqual({
      event: "room-renamed",
      byUserId: owner.id,
      username: owner.username,
      from: room.name,
      to: newName,
    });
    await eventually(() => {
      const types = onRoom.events.map((e) => e.type);
      expect(types.filter((t) => t === "room.message")).toHaveLength(2);
      expect(types.at(-1)).toBe("room.updated"); // after the notices, after commit
      expect(directory.events).toContainEqual({
        type: "directory.room",
        room: expect.objectContaining({ name: newName }),
      });
    });

    // The topic is cleared with an empty one, up to ROOM_TOPIC_MAX characters counted as code points.
    const longest = "🙂".repeat(ROOM_TOPIC_MAX);
    expect((await owner.caller.rooms.update({ roomId: room.id, topic: longest })).room.topic).toBe(longest);
    const cleared = await owner.caller.rooms.update({ roomId: room.id, topic: "   " });
    expect(cleared).toMatchObject({ changed: ["topic"], room: { topic: null } });
    expect((await notices(owner.caller, room.id)).map((n) => n.body)).toContain(`${owner.username} cleared the topic`);
    onRoom.stop();
    directory.stop();
    memberStream.stop();
  });

  it("answers a change to what already is with nothing changed: no notice, no event", async () => {
    const owner = await h.signUp();
    const room = await roomOf(owner);
    await owner.caller.rooms.update({ roomId: room.id, topic: "same" });
    const before = await owner.caller.rooms.get({ roomId: room.id });
    const onRoom = await h.listen(roomChannel(room.id));
    const result = await owner.caller.rooms.update({ roomId: room.id, name: room.name ?? "", topic: " same " });
    expect(result.changed).toEqual([]);
    expect(await owner.caller.rooms.get({ roomId: room.id })).toEqual(before);
    // A marker published after: once it is heard, the update would have been heard before it.
    await owner.caller.messages.send({ roomId: room.id, text: "marker" });
    await eventually(() => expect(onRoom.events.some((e) => e.type === "room.message")).toBe(true));
    expect(onRoom.events.map((e) => e.type)).toEqual(["room.message"]);
    onRoom.stop();
  });

  it("refuses a rename or topic from anybody but the owner, and bad input, in words, changing nothing", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const stranger = await h.signUp();
    const room = await roomOf(owner, member);
    const secret = await roomOf(owner, undefined, true);
    const other = await roomOf(owner);
    const { room: direct } = await owner.caller.direct.open({ user: { userId: member.id } });
    const before = await h.counts();
    const roomBefore = await owner.caller.rooms.get({ roomId: room.id });

    await expectTrpcError(
      member.caller.rooms.update({ roomId: room.id, topic: "mine now" }),
      "FORBIDDEN",
      /only the room's owner/,
    );
    await expectTrpcError(stranger.caller.rooms.update({ roomId: room.id, name: "taken over" }), "FORBIDDEN", /owner/);
    await expectTrpcError(
      stranger.caller.rooms.update({ roomId: secret.id, topic: "x" }),
      "NOT_FOUND",
      /room was not found/,
    );
    await expectTrpcError(
      owner.caller.rooms.update({ roomId: direct.id, topic: "x" }),
      "BAD_REQUEST",
      /direct conversation/,
    );
    await expectTrpcError(h.anonymous.rooms.update({ roomId: room.id, topic: "x" }), "UNAUTHORIZED");
    await expectTrpcError(owner.caller.rooms.update({ roomId: room.id }), "BAD_REQUEST", /give a new name or topic/);
    await expectTrpcError(
      owner.caller.rooms.update({ roomId: room.id, name: "  " }),
      "BAD_REQUEST",
      /room name must not be empty/,
    );
    await expectTrpcError(
      owner.caller.rooms.update({ roomId: room.id, topic: "x".repeat(ROOM_TOPIC_MAX + 1) }),
      "BAD_REQUEST",
      /topic: must be at most 250 characters/,
    );
    await expectTrpcError(owner.caller.rooms.update({ roomId: room.id, topic: "a\u0000b" }), "BAD_REQUEST", /NUL/);
    await expectTrpcError(
      // @ts-expect-error a number is no topic
      owner.caller.rooms.update({ roomId: room.id, topic: 5 }),
      "BAD_REQUEST",
      /topic: must be a string/,
    );
    await expectTrpcError(
      owner.caller.rooms.update({ roomId: room.id, name: other.name?.toUpperCase() ?? "" }),
      "CONFLICT",
      /already exists/,
    );
    await expectTrpcError(owner.caller.rooms.update({ roomId: room.id, name: "LOBBY" }), "CONFLICT", /Parley's own/);

    expect(await h.counts()).toEqual(before);
    expect(await owner.caller.rooms.get({ roomId: room.id })).toEqual(roomBefore);
  });

  it("checks a topic's length as the database does (one limit, in two packages)", () => {
    expect(ROOM_TOPIC_MAX).toBe(dbSchema.ROOM_TOPIC_MAX);
  });

  it("lets the lobby's owner set its topic but not rename it; a name the room already has is never checked again", async () => {
    const lobby = await ensureBuiltinRoom(h.deps, "lobby");
    const owner = await h.signUp();
    await owner.caller.rooms.join({ roomId: lobby.id }); // the first to join an ownerless room owns it
    expect((await owner.caller.rooms.get({ roomId: lobby.id })).ownerId).toBe(owner.id);

    // The settings dialog sends the name as it is: a reserved name the room already has is no change.
    const saved = await owner.caller.rooms.update({ roomId: lobby.id, name: lobby.name ?? "", topic: "Say hi" });
    expect(saved.changed).toEqual(["topic"]);
    expect(saved.room).toMatchObject({ name: lobby.name, topic: "Say hi" });

    // Names of Parley's own rooms are outside the unique index: renaming one could copy another's name.
    const other = await roomOf(owner);
    const before = await h.counts();
    await expectTrpcError(
      owner.caller.rooms.update({ roomId: lobby.id, name: other.name ?? "" }),
      "FORBIDDEN",
      /Parley's own rooms keep their names/,
    );
    expect(await h.counts()).toEqual(before);
    expect((await owner.caller.rooms.get({ roomId: lobby.id })).name).toBe(lobby.name);
  });

  it("lets the owner remove a member: a notice, member and room events, and the removed person's streams stop", async () => {
    const owner = await h.signUp();
    const bob = await h.signUp();
    const room = await roomOf(owner, bob);
    const bobStream = await userStream(bob);
    const stop = new AbortController();
    const bobRoom = await readStream<unknown>(h.callerFor(bob.token, stop.signal).events.room({ roomId: room.id }));
    await untilItem(bobRoom, (item) => eventOf(item).type === "live"); // subscribed
    const onRoom = await h.listen(roomChannel(room.id));
    const onBob = await h.listen(userChannel(bob.id));

    expect(await owner.caller.rooms.removeMember({ roomId: room.id, userId: bob.id })).toEqual({ removed: true });

    const ended = await bobRoom.untilDone();
    expect(String(ended)).toMatch(/you were removed from this room by its owner/);
    expect((ended as { code?: string }).code).toBe("FORBIDDEN");
    const told = await untilItem(bobStream.stream, (e) => e.type === "user.room");
    expect(told).toMatchObject({ change: "removed", room: { id: room.id } });
    expect((await bob.caller.rooms.mine()).map((r) => r.id)).not.toContain(room.id);
    await expectTrpcError(
      bob.caller.messages.send({ roomId: room.id, text: "still here?" }),
      "FORBIDDEN",
      /not a member/,
    );

    // Bob's own stream hears nothing more of the room: a message after, then a marker of his own.
    await owner.caller.messages.send({ roomId: room.id, text: "after bob" });
    await bob.caller.profile.update({ displayName: "after" });
    const rest: UserStreamEvent[] = [];
    await untilItem(bobStream.stream, (e) => {
      rest.push(e);
      return e.type === "user.profile";
    });
    expect(rest.filter((e) => "roomId" in e && e.roomId === room.id)).toEqual([]);

    const written = await notices(owner.caller, room.id);
    expect(written.map((n) => n.body)).toContain(`${bob.username} was removed from the room`);
    expect(written.find((n) => n.notice?.event === "removed")?.notice).toEqual({
      event: "removed",
      userId: bob.id,
      username: bob.username,
      byUserId: owner.id,
    });
    await eventually(() => {
      expect(onRoom.events).toContainEqual({
        type: "room.member",
        roomId: room.id,
        change: "removed",
        userId: bob.id,
        byUserId: owner.id,
      } satisfies BusEvent);
      expect(onBob.events.map((e) => e.type)).toContain("user.room");
    });
    expect((await owner.caller.rooms.members({ roomId: room.id })).map((m) => m.user.id)).toEqual([owner.id]);
    stop.abort();
    bobStream.stop();
    onRoom.stop();
    onBob.stop();
  });

  it("refuses a removal by anybody but the owner, of the owner by themselves, and bad input; removing a non-member changes nothing", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const other = await h.signUp();
    const room = await roomOf(owner, member);
    await owner.caller.invites.create({ roomId: room.id, user: { userId: other.id } });
    const outsider = await h.signUp();
    const { room: direct } = await owner.caller.direct.open({ user: { userId: member.id } });
    const before = await h.counts();

    await expectTrpcError(
      member.caller.rooms.removeMember({ roomId: room.id, userId: other.id }),
      "FORBIDDEN",
      /only the room's owner can remove members/,
    );
    await expectTrpcError(
      owner.caller.rooms.removeMember({ roomId: room.id, userId: owner.id }),
      "BAD_REQUEST",
      /leave the room instead/,
    );
    await expectTrpcError(
      owner.caller.rooms.removeMember({ roomId: direct.id, userId: member.id }),
      "BAD_REQUEST",
      /direct/,
    );
    await expectTrpcError(
      owner.caller.rooms.removeMember({ roomId: room.id, userId: 999_999 }),
      "NOT_FOUND",
      /user was not found/,
    );
    await expectTrpcError(
      // @ts-expect-error a user id is a number
      owner.caller.rooms.removeMember({ roomId: room.id, userId: "bob" }),
      "BAD_REQUEST",
    );
    expect(await owner.caller.rooms.removeMember({ roomId: room.id, userId: outsider.id })).toEqual({ removed: false });
    expect(await h.counts()).toEqual(before);
  });

  it("lets any member mute a room for themselves: rooms.mine says so, their other tabs hear it, others are untouched", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const stranger = await h.signUp();
    const room = await roomOf(owner, member);
    const secret = await roomOf(owner, undefined, true);
    const { room: direct } = await owner.caller.direct.open({ user: { userId: member.id } });
    const memberStream = await userStream(member);

    expect(await member.caller.rooms.mute({ roomId: room.id, muted: true })).toEqual({
      roomId: room.id,
      muted: true,
      changed: true,
    });
    expect(await untilItem(memberStream.stream, (e) => e.type === "user.mute")).toEqual({
      type: "user.mute",
      userId: member.id,
      roomId: room.id,
      muted: true,
    });
    expect((await member.caller.rooms.mine()).find((r) => r.id === room.id)?.muted).toBe(true);
    expect((await owner.caller.rooms.mine()).find((r) => r.id === room.id)?.muted).toBe(false);
    expect(await member.caller.rooms.mute({ roomId: room.id, muted: true })).toMatchObject({ changed: false });

    const before = await h.counts();
    await expectTrpcError(stranger.caller.rooms.mute({ roomId: room.id, muted: true }), "FORBIDDEN", /not a member/);
    await expectTrpcError(
      stranger.caller.rooms.mute({ roomId: secret.id, muted: true }),
      "NOT_FOUND",
      /room was not found/,
    );
    await expectTrpcError(member.caller.rooms.mute({ roomId: direct.id, muted: true }), "BAD_REQUEST", /direct/);
    // @ts-expect-error muted is a boolean
    await expectTrpcError(member.caller.rooms.mute({ roomId: room.id, muted: "yes" }), "BAD_REQUEST", /true or false/);
    expect(await h.counts()).toEqual(before);
    expect((await member.caller.rooms.mine()).find((r) => r.id === room.id)?.muted).toBe(true);

    expect(await member.caller.rooms.mute({ roomId: room.id, muted: false })).toMatchObject({ changed: true });
    expect((await member.caller.rooms.mine()).find((r) => r.id === room.id)?.muted).toBe(false);
    memberStream.stop();
  });
});
