import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "./harness";

describe.each(drivers)("rooms and invites on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it("creates a room owned by its creator, with a name unique whatever its case", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: "General Chat" });
    expect(room).toMatchObject({ name: "General Chat", isPrivate: false, ownerId: owner.id, kind: "room", lastSeq: 0 });
    expect(await owner.caller.rooms.members({ roomId: room.id })).toEqual([
      expect.objectContaining({ role: "owner", user: expect.objectContaining({ id: owner.id }) }),
    ]);
    const before = await h.counts();
    await expectTrpcError(owner.caller.rooms.create({ name: "  general chat " }), "CONFLICT", /already exists/);
    expect(await h.counts()).toEqual(before);
  });

  it("lets anybody join a public room, once, with a notice in its history", async () => {
    const owner = await h.signUp();
    const guest = await h.signUp();
    const room = await owner.caller.rooms.create({ name: "open-door" });
    const heard = await h.listen(`room:${room.id}`);
    await guest.caller.rooms.join({ roomId: room.id });
    await guest.caller.rooms.join({ roomId: room.id });
    heard.stop();
    const history = await owner.caller.history.list({ roomId: room.id });
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({
      kind: "system",
      author: null,
      seq: 1,
      body: `${guest.username} joined the room`,
      notice: { event: "joined", userId: guest.id, username: guest.username },
    });
    // The notice, and the new member for every open member list (once: the second join changed nothing).
    expect(heard.events).toEqual([
      expect.objectContaining({ type: "room.message", roomId: room.id, seq: 1 }),
      expect.objectContaining({
        type: "room.member",
        roomId: room.id,
        change: "joined",
        member: expect.objectContaining({ user: expect.objectContaining({ id: guest.id }), role: "member" }),
      }),
    ]);
    expect((await guest.caller.rooms.mine()).map((r) => r.id)).toContain(room.id);
  });

  it("hides a private room from non-members: the same answer as for a room that does not exist", async () => {
    const owner = await h.signUp();
    const stranger = await h.signUp();
    const secret = await owner.caller.rooms.create({ name: "secret", isPrivate: true });
    const missing = await expectTrpcError(stranger.caller.rooms.get({ roomId: 999_999 }), "NOT_FOUND");
    for (const call of [
      () => stranger.caller.rooms.get({ roomId: secret.id }),
      () => stranger.caller.rooms.join({ roomId: secret.id }),
      () => stranger.caller.rooms.members({ roomId: secret.id }),
      () => stranger.caller.history.list({ roomId: secret.id }),
      () => stranger.caller.messages.send({ roomId: secret.id, text: "let me in" }),
      () => stranger.caller.rooms.leave({ roomId: secret.id }),
      () => stranger.caller.invites.create({ roomId: secret.id, user: { userId: stranger.id } }),
    ]) {
      const error = await expectTrpcError(call(), "NOT_FOUND");
      expect(error.message).toBe(missing.message);
    }
    const listed = await stranger.caller.rooms.public({ search: "secret" });
    expect(listed.items.map((r) => r.id)).not.toContain(secret.id);
  });

  it("lets only the owner invite, by id or by username, and the invitee is then a member", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const invitee = await h.signUp();
    const room = await owner.caller.rooms.create({ name: "invite-only", isPrivate: true });
    await owner.caller.invites.create({ roomId: room.id, user: { userId: member.id } });
    const before = await h.counts();
    await expectTrpcError(
      member.caller.invites.create({ roomId: room.id, user: { userId: invitee.id } }),
      "FORBIDDEN",
      /owner/,
    );
    expect(await h.counts()).toEqual(before);

    const heard = await h.listen(`user:${invitee.id}`);
    const added = await owner.caller.invites.create({
      roomId: room.id,
      user: { username: invitee.username.toUpperCase() },
    });
    heard.stop();
    expect(added).toMatchObject({ role: "member", user: { id: invitee.id } });
    expect(heard.events).toEqual([expect.objectContaining({ type: "user.room", change: "invited" })]);
    expect(await invitee.caller.rooms.join({ roomId: room.id })).toMatchObject({ id: room.id });
    const notices = (await invitee.caller.history.list({ roomId: room.id })).items.map((m) => m.notice?.event);
    expect(notices).toEqual(["invited", "invited"]);

    await expectTrpcError(
      owner.caller.invites.create({ roomId: room.id, user: { username: "no-such-user" } }),
      "NOT_FOUND",
      /user/,
    );
  });

  it("hands the room to the longest-standing member when its owner leaves", async () => {
    const owner = await h.signUp();
    const first = await h.signUp();
    const second = await h.signUp();
    const room = await owner.caller.rooms.create({ name: "succession" });
    await first.caller.rooms.join({ roomId: room.id });
    await second.caller.rooms.join({ roomId: room.id });
    await owner.caller.rooms.leave({ roomId: room.id });
    expect((await first.caller.rooms.get({ roomId: room.id })).ownerId).toBe(first.id);
    const members = await first.caller.rooms.members({ roomId: room.id });
    expect(members.map((m) => [m.user.id, m.role])).toEqual([
      [first.id, "owner"],
      [second.id, "member"],
    ]);
    const last = (await first.caller.history.list({ roomId: room.id, limit: 1 })).items[0];
    expect(last).toMatchObject({ kind: "system", notice: { event: "left", userId: owner.id } });
    await expectTrpcError(owner.caller.history.list({ roomId: room.id }), "FORBIDDEN", /not a member/);
    await expectTrpcError(owner.caller.rooms.leave({ roomId: room.id }), "FORBIDDEN");
  });

  it("lists public rooms by name, searchable, a page at a time", async () => {
    const owner = await h.signUp();
    const names = ["zeta-pager", "alpha-pager", "Mid-pager", "beta-pager", "50%_pager"];
    for (const name of names) await owner.caller.rooms.create({ name });
    await owner.caller.rooms.create({ name: "hidden-pager", isPrivate: true });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await owner.caller.rooms.public({ search: "pager", limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.name ?? ""));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(["50%_pager", "alpha-pager", "beta-pager", "Mid-pager", "zeta-pager"]);
    const literal = await owner.caller.rooms.public({ search: "50%" });
    expect(literal.items.map((r) => r.name)).toEqual(["50%_pager"]);
  });

  it("lists each public room with its members counted now, not its sequence number", async () => {
    const owner = await h.signUp();
    const guest = await h.signUp();
    const room = await owner.caller.rooms.create({ name: "counted-members" });
    const count = async () =>
      (await owner.caller.rooms.public({ search: "counted-members" })).items.map((r) => [r.name, r.memberCount]);
    expect(await count()).toEqual([["counted-members", 1]]);
    await guest.caller.rooms.join({ roomId: room.id });
    const sent = await owner.caller.messages.send({ roomId: room.id, text: "hello" });
    await owner.caller.messages.edit({ messageId: sent.id, text: "hello again" });
    expect(await count()).toEqual([["counted-members", 2]]);
    await guest.caller.rooms.leave({ roomId: room.id });
    expect(await count()).toEqual([["counted-members", 1]]);
  });
});
