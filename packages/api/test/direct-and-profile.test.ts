import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "./harness";

describe.each(drivers)("direct conversations, profiles and the directory on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it("opens one conversation per pair, whoever opens it and however often", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const heard = await h.listen(`user:${ben.id}`);
    const [a, b, c] = await Promise.all([
      ann.caller.direct.open({ user: { userId: ben.id } }),
      ben.caller.direct.open({ user: { username: ann.username } }),
      ann.caller.direct.open({ user: { userId: ben.id } }),
    ]);
    heard.stop();
    expect(new Set([a.room.id, b.room.id, c.room.id]).size).toBe(1);
    expect(a.room).toMatchObject({ kind: "direct", isPrivate: true, name: null });
    expect(a.peer.id).toBe(ben.id);
    expect(b.peer.id).toBe(ann.id);
    expect(heard.events.filter((e) => e.type === "user.direct")).toHaveLength(1);

    await ann.caller.messages.send({ roomId: a.room.id, text: "hi ben" });
    expect((await ben.caller.history.list({ roomId: a.room.id })).items[0]?.body).toBe("hi ben");
    expect((await ben.caller.direct.list()).map((d) => [d.room.id, d.peer.id])).toEqual([[a.room.id, ann.id]]);
    expect(await ann.caller.rooms.mine()).toEqual([]);
  });

  it("keeps a conversation between its two people", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const eve = await h.signUp();
    const { room } = await ann.caller.direct.open({ user: { userId: ben.id } });
    for (const call of [
      () => eve.caller.history.list({ roomId: room.id }),
      () => eve.caller.messages.send({ roomId: room.id, text: "psst" }),
      () => eve.caller.rooms.join({ roomId: room.id }),
      () => eve.caller.rooms.get({ roomId: room.id }),
    ]) {
      await expectTrpcError(call(), "NOT_FOUND", /room was not found/);
    }
    await expectTrpcError(ann.caller.invites.create({ roomId: room.id, user: { userId: eve.id } }), "BAD_REQUEST");
    await expectTrpcError(ann.caller.rooms.leave({ roomId: room.id }), "BAD_REQUEST");
    await expectTrpcError(ann.caller.direct.open({ user: { userId: ann.id } }), "BAD_REQUEST", /yourself/);
    await expectTrpcError(ann.caller.direct.open({ user: { userId: 999_999 } }), "NOT_FOUND", /user/);
  });

  it("renames, unique whatever the case, with a notice in every room of the user", async () => {
    const ann = await h.signUp();
    const ben = await h.signUp();
    const room = await ann.caller.rooms.create({ name: `rename-${ann.id}` });
    const { room: dm } = await ann.caller.direct.open({ user: { userId: ben.id } });
    await ben.caller.rooms.join({ roomId: room.id });
    const heard = await h.listen(`user:${ann.id}`);
    const renamed = await ann.caller.profile.rename({ username: `Renamed${ann.id}` });
    heard.stop();
    expect(renamed.username).toBe(`Renamed${ann.id}`);
    for (const roomId of [room.id, dm.id]) {
      const [notice] = (await ben.caller.history.list({ roomId, limit: 1 })).items;
      expect(notice).toMatchObject({
        kind: "system",
        notice: { event: "renamed", from: ann.username, to: `Renamed${ann.id}` },
      });
    }
    expect(heard.events).toContainEqual(expect.objectContaining({ type: "user.profile", userId: ann.id }));
    const login = await h.anonymous.auth.login({ login: `renamed${ann.id}`, password: "correct horse" });
    expect(login.user.id).toBe(ann.id);

    const before = await h.counts();
    await expectTrpcError(ben.caller.profile.rename({ username: `RENAMED${ann.id}` }), "CONFLICT", /taken/);
    await expectTrpcError(ben.caller.profile.rename({ username: "error" }), "CONFLICT", /reserved/);
    await expectTrpcError(ben.caller.profile.rename({ username: "no spaces" }), "BAD_REQUEST", /username/);
    expect(await h.counts()).toEqual(before);
  });

  it("shows public profiles without the e-mail address", async () => {
    const session = await h.anonymous.auth.register({
      username: "public-face",
      password: "pw-pw-pw",
      email: "pf@example.org",
    });
    const seen = await h.anonymous.profile.byId({ userId: session.user.id });
    expect(seen).toEqual({
      id: session.user.id,
      username: "public-face",
      displayName: null,
      isBot: false,
      createdAt: session.user.createdAt,
    });
    expect(JSON.stringify(seen)).not.toContain("pf@example.org");
    await expectTrpcError(h.anonymous.profile.byId({ userId: 424_242 }), "NOT_FOUND", /user/);
    const mine = await h.callerFor(session.token).profile.update({ displayName: "P. Face" });
    expect(mine).toMatchObject({ displayName: "P. Face", email: "pf@example.org" });
  });

  it("lists the directory by username, searchable by a piece of username or display name, in pages", async () => {
    const names = ["dir-c", "dir-a", "DIR-b", "dir-e", "dir-d"];
    for (const username of names) await h.anonymous.auth.register({ username, password: "pw-pw-pw" });
    await h.anonymous.auth.register({ username: "other", password: "pw-pw-pw", displayName: "Dir Lover" });
    const { caller } = await h.signUp();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.users.list({ search: "dir", limit: 2, cursor });
      seen.push(...page.items.map((u) => u.username));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(["dir-a", "DIR-b", "dir-c", "dir-d", "dir-e", "other"]);
    await expectTrpcError(h.anonymous.users.list({}), "UNAUTHORIZED");
  });
});
