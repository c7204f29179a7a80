import { randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { eq, ne } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userChannel } from "../src/bus";
import { createCompatRest } from "../src/compat";
import { createLogger } from "../src/logger";
import type { UserStreamEvent } from "../src/services/live";
import { ensureBuiltinRoom } from "../src/services/rooms";
import { BOTH_WAYS, createHarness, eventually, expectTrpcError, type Harness, readStream } from "./harness";

type SignedUp = Awaited<ReturnType<Harness["signUp"]>>;

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;
const PASSWORD = "correct horse";

/**
 * Issue 18, administration: administrators list accounts and rooms, promote and demote, disable,
 * enable and delete accounts, reset passwords, delete rooms and hand them to new owners, and read
 * the audit log that records each of these. Nobody else sees any of it; the server always keeps
 * one active administrator; bad input changes nothing.
 */
describe.each(BOTH_WAYS)("administration on %s", (_name, driver, createBus) => {
  let h: Harness;
  let admin: SignedUp;
  beforeAll(async () => {
    h = await createHarness(driver, createBus());
    admin = await h.signUp();
    await makeAdmin(admin);
  });
  afterAll(() => h?.dispose());

  /** Makes an account an administrator directly in the database (the registration policy's first account does it in production). */
  async function makeAdmin(user: SignedUp) {
    await h.deps.db.update(schema.users).set({ role: "admin" }).where(eq(schema.users.id, user.id));
    h.deps.access.forgetUser(user.id);
  }

  async function auditOf(action: string, targetId: number) {
    const page = await admin.caller.admin.audit({ action, limit: 100 });
    return page.items.filter((r) => r.targetId === String(targetId));
  }

  const login = (username: string, password = PASSWORD) => h.anonymous.auth.login({ login: username, password });

  it("answers everybody but administrators as if there were no such procedure", async () => {
    const member = await h.signUp();
    await expectTrpcError(member.caller.admin.users({}), "NOT_FOUND");
    await expectTrpcError(member.caller.admin.disableUser({ userId: admin.id }), "NOT_FOUND");
    await expectTrpcError(member.caller.admin.audit({}), "NOT_FOUND");
    await expectTrpcError(h.anonymous.admin.rooms({}), "NOT_FOUND");
    expect(
      (await admin.caller.admin.users({ limit: 100 })).items.find((u) => u.id === admin.id)?.disabledAt,
    ).toBeNull();
  });

  it("lists accounts newest first, a page at a time, searchable by username, display name and e-mail", async () => {
    const tag = randomBytes(3).toString("hex");
    const a = await h.anonymous.auth.register({
      username: `ann${tag}`,
      password: PASSWORD,
      email: `ann${tag}@example.org`,
    });
    const b = await h.anonymous.auth.register({
      username: `bob${tag}`,
      password: PASSWORD,
      displayName: `Robert ${tag}`,
    });
    const c = await h.anonymous.auth.register({ username: `cy${tag}`, password: PASSWORD });

    const first = await admin.caller.admin.users({ search: tag, limit: 2 });
    expect(first.items.map((u) => u.id)).toEqual([c.user.id, b.user.id]);
    expect(first.nextCursor).not.toBeNull();
    const second = await admin.caller.admin.users({ search: tag, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((u) => u.id)).toEqual([a.user.id]);
    expect(second.nextCursor).toBeNull();
    expect(second.items[0]).toMatchObject({
      username: `ann${tag}`,
      email: `ann${tag}@example.org`,
      role: "member",
      isBot: false,
      disabledAt: null,
      deletedAt: null,
      mustChangePassword: false,
    });

    expect((await admin.caller.admin.users({ search: `ROBERT ${tag}` })).items.map((u) => u.id)).toEqual([b.user.id]);
    expect((await admin.caller.admin.users({ search: `ann${tag}@EXAMPLE` })).items.map((u) => u.id)).toEqual([
      a.user.id,
    ]);
    await expectTrpcError(admin.caller.admin.users({ cursor: "not-a-cursor" }), "BAD_REQUEST", /cursor/);
    await expectTrpcError(admin.caller.admin.users({ limit: 1000 }), "BAD_REQUEST");
  });

  it("promotes and demotes, recording both; the new administrator reaches the administration at once", async () => {
    const user = await h.signUp();
    await expectTrpcError(user.caller.admin.users({}), "NOT_FOUND"); // its actor is cached now
    const promoted = await admin.caller.admin.setRole({ userId: user.id, role: "admin" });
    expect(promoted.role).toBe("admin");
    await eventually(async () => expect((await user.caller.admin.users({ limit: 1 })).items).toHaveLength(1));
    const again = await admin.caller.admin.setRole({ userId: user.id, role: "admin" }); // no change, no record
    expect(again.role).toBe("admin");
    expect(await auditOf("user.promoted", user.id)).toHaveLength(1);

    await user.caller.admin.setRole({ userId: user.id, role: "member" }); // may step down: another admin remains
    expect(await auditOf("user.demoted", user.id)).toEqual([
      expect.objectContaining({ actor: { id: user.id, username: user.username }, targetType: "user" }),
    ]);
    await eventually(() => expectTrpcError(user.caller.admin.users({}), "NOT_FOUND"));
  });

  it("refuses, in words, to leave the server without an active administrator", async () => {
    // Only `admin` is an administrator now.
    await h.deps.db.update(schema.users).set({ role: "member" }).where(ne(schema.users.id, admin.id));
    const before = await h.counts();
    await expectTrpcError(
      admin.caller.admin.setRole({ userId: admin.id, role: "member" }),
      "CONFLICT",
      /last administrator/,
    );
    await expectTrpcError(admin.caller.admin.disableUser({ userId: admin.id }), "CONFLICT", /last administrator/);
    await expectTrpcError(admin.caller.admin.deleteUser({ userId: admin.id }), "CONFLICT", /last administrator/);
    expect(await h.counts()).toEqual(before);
    const [row] = await h.deps.db.select().from(schema.users).where(eq(schema.users.id, admin.id));
    expect(row).toMatchObject({ role: "admin", disabledAt: null, deletedAt: null });

    // With a second administrator, the first may go; a disabled administrator does not count.
    const other = await h.signUp();
    await admin.caller.admin.setRole({ userId: other.id, role: "admin" });
    await admin.caller.admin.disableUser({ userId: other.id });
    await expectTrpcError(admin.caller.admin.setRole({ userId: admin.id, role: "member" }), "CONFLICT");
    await admin.caller.admin.enableUser({ userId: other.id });
    await admin.caller.admin.setRole({ userId: other.id, role: "member" });
  });

  it("never makes a bot an administrator, so the last one is always someone who can sign in", async () => {
    const bot = await admin.caller.bots.create({ username: `bot${Date.now() % 100000}` });
    const before = await h.counts();
    await expectTrpcError(
      admin.caller.admin.setRole({ userId: bot.id, role: "admin" }),
      "BAD_REQUEST",
      /a bot cannot be an administrator/,
    );
    expect(await h.counts()).toEqual(before);
    // A bot made an administrator behind the service's back still does not count as one.
    await h.deps.db.update(schema.users).set({ role: "member" }).where(ne(schema.users.id, admin.id));
    await h.deps.db.update(schema.users).set({ role: "admin" }).where(eq(schema.users.id, bot.id));
    await expectTrpcError(
      admin.caller.admin.setRole({ userId: admin.id, role: "member" }),
      "CONFLICT",
      /last administrator/,
    );
    await h.deps.db.update(schema.users).set({ role: "member" }).where(eq(schema.users.id, bot.id));
  });

  it("answers unknown accounts and rooms with NOT_FOUND and bad input with BAD_REQUEST, changing nothing", async () => {
    const before = await h.counts();
    await expectTrpcError(admin.caller.admin.disableUser({ userId: 2_000_000_000 }), "NOT_FOUND", /user was not found/);
    await expectTrpcError(admin.caller.admin.deleteUser({ userId: 2_000_000_000 }), "NOT_FOUND");
    await expectTrpcError(admin.caller.admin.setRole({ userId: 2_000_000_000, role: "admin" }), "NOT_FOUND");
    await expectTrpcError(
      admin.caller.admin.resetPassword({ userId: 2_000_000_000, temporaryPassword: "temporary" }),
      "NOT_FOUND",
    );
    await expectTrpcError(admin.caller.admin.deleteRoom({ roomId: 2_000_000_000 }), "NOT_FOUND", /room was not found/);
    await expectTrpcError(
      admin.caller.admin.transferRoom({ roomId: 2_000_000_000, user: { userId: admin.id } }),
      "NOT_FOUND",
    );
    // @ts-expect-error: a role that does not exist
    await expectTrpcError(admin.caller.admin.setRole({ userId: admin.id, role: "root" }), "BAD_REQUEST", /role/);
    await expectTrpcError(admin.caller.admin.disableUser({ userId: -1 }), "BAD_REQUEST");
    await expectTrpcError(
      admin.caller.admin.resetPassword({ userId: admin.id, temporaryPassword: "x" }),
      "BAD_REQUEST",
    );
    await expectTrpcError(admin.caller.admin.audit({ action: "DROP TABLE" }), "BAD_REQUEST", /action/);
    expect(await h.counts()).toEqual(before);
  });

  it("disables an account: its sessions end everywhere, it cannot sign in, its messages stay; enabling lets it back", async () => {
    const user = await h.signUp();
    const room = await user.caller.rooms.create({ name: uniqueName("kept") });
    await user.caller.messages.send({ roomId: room.id, text: "still here" });
    const access = await h.listen("access");

    const disabled = await admin.caller.admin.disableUser({ userId: user.id });
    expect(disabled.disabledAt).not.toBeNull();
    await eventually(() =>
      expect(access.events).toContainEqual(expect.objectContaining({ type: "access.sessions-ended", userId: user.id })),
    );
    access.stop();
    await expectTrpcError(user.caller.rooms.mine(), "UNAUTHORIZED", /session has ended/);
    await expectTrpcError(login(user.username), "FORBIDDEN", /^this account is disabled$/);
    await expectTrpcError(login(user.username, "a wrong password"), "UNAUTHORIZED", /wrong username/);
    const page = await admin.caller.rooms.get({ roomId: room.id }).catch(() => null);
    expect(page).not.toBeNull();
    const [kept] = await h.deps.db.select().from(schema.messages).where(eq(schema.messages.authorId, user.id));
    expect(kept?.body).toBe("still here");
    expect(await auditOf("user.disabled", user.id)).toHaveLength(1);
    await admin.caller.admin.disableUser({ userId: user.id }); // again: nothing more
    expect(await auditOf("user.disabled", user.id)).toHaveLength(1);

    await admin.caller.admin.enableUser({ userId: user.id });
    const session = await login(user.username);
    expect((await h.callerFor(session.token).rooms.mine()).map((r) => r.id)).toContain(room.id);
    expect(await auditOf("user.enabled", user.id)).toHaveLength(1);
    await admin.caller.admin.enableUser({ userId: user.id }); // enabled already: nothing more
    expect(await auditOf("user.enabled", user.id)).toHaveLength(1);
    const never = await h.signUp();
    await admin.caller.admin.enableUser({ userId: never.id }); // never disabled: nothing to record
    expect(await auditOf("user.enabled", never.id)).toHaveLength(0);
  });

  it("deletes an account: messages stay under a deleted user, rooms are left, direct conversations close", async () => {
    const user = await h.signUp();
    const peer = await h.signUp();
    const heir = await h.signUp();
    const room = await user.caller.rooms.create({ name: uniqueName("owned") });
    await heir.caller.rooms.join({ roomId: room.id });
    await user.caller.messages.send({ roomId: room.id, text: "my words stay" });
    const direct = await peer.caller.direct.open({ user: { userId: user.id } });
    await user.caller.messages.send({ roomId: direct.room.id, text: "hello peer" });
    const { accessToken } = await user.caller.tokens.create({ name: "laptop" });
    const heirEvents = await h.listen(userChannel(user.id));

    const deleted = await admin.caller.admin.deleteUser({ userId: user.id });
    // Its personal access tokens are revoked with it, and the audit record says how many.
    const [token] = await h.deps.db
      .select()
      .from(schema.accessTokens)
      .where(eq(schema.accessTokens.id, accessToken.id));
    expect(token?.revokedAt).not.toBeNull();
    const audit = await admin.caller.admin.audit({ action: "user.deleted" });
    expect(audit.items.find((e) => e.targetId === String(user.id))?.detail).toMatchObject({ tokensRevoked: 1 });
    expect(deleted).toMatchObject({ username: `deleted-${user.id}`, email: null, displayName: null, role: "member" });
    expect(deleted.deletedAt).not.toBeNull();
    const [row] = await h.deps.db.select().from(schema.users).where(eq(schema.users.id, user.id));
    expect(row?.passwordHash).toBeNull();

    await expectTrpcError(user.caller.rooms.mine(), "UNAUTHORIZED");
    await expectTrpcError(login(user.username), "UNAUTHORIZED", /wrong username/);
    await expectTrpcError(login(`deleted-${user.id}`), "UNAUTHORIZED", /wrong username/);
    // Nobody may take the placeholder, nor the pattern.
    await expectTrpcError(
      h.anonymous.auth.register({ username: `Deleted-${user.id + 1000}`, password: PASSWORD }),
      "CONFLICT",
      /reserved/,
    );

    // The room went to the member who had been there longest; the message stays, its author deleted.
    expect(await heir.caller.rooms.get({ roomId: room.id })).toMatchObject({ ownerId: heir.id });
    const history = await heir.caller.history.list({ roomId: room.id, limit: 50 });
    const kept = history.items.find((m) => m.body === "my words stay");
    expect(kept?.author).toEqual({
      id: user.id,
      username: `deleted-${user.id}`,
      displayName: null,
      isBot: false,
      deleted: true,
    });
    const others = history.items.filter((m) => m.author && m.author.id !== user.id);
    for (const m of others) expect(m.author).not.toHaveProperty("deleted");
    expect(await h.anonymous.profile.byId({ userId: user.id })).toMatchObject({ deleted: true });
    expect(await h.anonymous.profile.byId({ userId: peer.id })).not.toHaveProperty("deleted");
    await eventually(() =>
      expect(heirEvents.events).toContainEqual(
        expect.objectContaining({ type: "user.room", change: "left", room: expect.objectContaining({ id: room.id }) }),
      ),
    );
    heirEvents.stop();

    // The direct conversation stays readable and is closed.
    const dm = await peer.caller.history.list({ roomId: direct.room.id, limit: 10 });
    expect(dm.items.map((m) => m.body)).toContain("hello peer");
    const before = await h.counts();
    await expectTrpcError(
      peer.caller.messages.send({ roomId: direct.room.id, text: "anyone?" }),
      "FORBIDDEN",
      /conversation is closed/,
    );
    await expectTrpcError(peer.caller.direct.open({ user: { userId: user.id } }), "FORBIDDEN", /deleted/);
    expect(await h.counts()).toEqual(before);
    const listed = await peer.caller.direct.list();
    expect(listed.find((c) => c.room.id === direct.room.id)?.peer).toMatchObject({ deleted: true });

    expect(await auditOf("user.deleted", user.id)).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ username: user.username, roomsLeft: 1 }) }),
    ]);
    await expectTrpcError(admin.caller.admin.deleteUser({ userId: user.id }), "BAD_REQUEST", /deleted/);
    await expectTrpcError(admin.caller.admin.enableUser({ userId: user.id }), "BAD_REQUEST", /deleted/);
  });

  it("leaves deleted accounts out wherever people are picked: directory, members, mentions, invites", async () => {
    const owner = await h.signUp();
    const user = await h.signUp();
    const peer = await h.signUp();
    const room = await owner.caller.rooms.create({ name: uniqueName("picked") });
    await user.caller.rooms.join({ roomId: room.id });
    const direct = await peer.caller.direct.open({ user: { userId: user.id } });
    const bot = await admin.caller.bots.create({ username: uniqueName("bot") });
    const { token } = await admin.caller.bots.createToken({ botId: bot.id, name: "ci" });
    await h.callerFor(token).rooms.join({ roomId: room.id });
    expect((await owner.caller.users.list({ search: user.username, limit: 10 })).items.map((u) => u.id)).toEqual([
      user.id,
    ]);

    await admin.caller.admin.deleteUser({ userId: user.id });
    await admin.caller.bots.delete({ botId: bot.id }); // a deleted bot keeps its memberships
    for (const search of [user.username, `deleted-${user.id}`, bot.username]) {
      expect((await owner.caller.users.list({ search, limit: 10 })).items).toEqual([]);
    }
    const everyone = await owner.caller.users.list({ limit: 100 });
    expect(everyone.items.filter((u) => u.deleted)).toEqual([]);
    const members = (await owner.caller.rooms.members({ roomId: room.id })).map((m) => m.user.id);
    expect(members).toEqual([owner.id]);
    // A direct conversation still shows its deleted side, for its history.
    const dmMembers = await peer.caller.rooms.members({ roomId: direct.room.id });
    expect(dmMembers.find((m) => m.user.id === user.id)?.user).toMatchObject({ deleted: true });
    // @room and @name reach no deleted account.
    const sent = await owner.caller.messages.send({ roomId: room.id, text: `@room and @${bot.username}` });
    expect(sent.mentions).toEqual({ userIds: [], room: true });
    const notified = await h.deps.db.select().from(schema.mentions).where(eq(schema.mentions.messageId, sent.id));
    expect(notified.map((m) => m.userId)).toEqual([]);
    await expectTrpcError(
      owner.caller.invites.create({ roomId: room.id, user: { userId: user.id } }),
      "BAD_REQUEST",
      /deleted/,
    );
  });

  it("resets a password: the next session may only choose a new one, which clears the flag", async () => {
    const user = await h.signUp();
    const reset = await admin.caller.admin.resetPassword({ userId: user.id, temporaryPassword: "temporary 1" });
    expect(reset.mustChangePassword).toBe(true);
    await expectTrpcError(user.caller.rooms.mine(), "UNAUTHORIZED");
    await expectTrpcError(login(user.username), "UNAUTHORIZED"); // the old password is gone

    const session = await login(user.username, "temporary 1");
    expect(session.mustChangePassword).toBe(true);
    const flagged = h.callerFor(session.token);
    await expectTrpcError(flagged.rooms.mine(), "FORBIDDEN", /^choose a new password first$/);
    await expectTrpcError(flagged.messages.send({ roomId: 1, text: "hi" }), "FORBIDDEN", /new password/);
    expect((await flagged.auth.me()).id).toBe(user.id);
    expect((await flagged.profile.mine()).id).toBe(user.id);

    // The seed-compatible REST refuses such a session too, in the same words.
    const rest = createCompatRest(h.deps, createLogger("test", "silent"));
    const refused = await rest.request("/rooms", { headers: { authorization: `Bearer ${session.token}` } });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("choose a new password first");

    const changed = await flagged.auth.changePassword({ currentPassword: "temporary 1", newPassword: "my own one" });
    expect(changed.mustChangePassword).toBeUndefined();
    expect(Array.isArray(await h.callerFor(changed.token).rooms.mine())).toBe(true);
    const next = await login(user.username, "my own one");
    expect(next.mustChangePassword).toBeUndefined();
    expect(await auditOf("user.password-reset", user.id)).toHaveLength(1);
  });

  it("lists rooms with member counts and owners, and hands a room to a new owner, who joins if need be", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const outsider = await h.signUp();
    const tag = randomBytes(3).toString("hex");
    const room = await owner.caller.rooms.create({ name: `handed-${tag}`, isPrivate: true });
    await owner.caller.invites.create({ roomId: room.id, user: { userId: member.id } });
    await owner.caller.rooms.create({ name: `other-${tag}` });

    const page = await admin.caller.admin.rooms({ search: `HANDED-${tag}` });
    expect(page.items).toEqual([
      expect.objectContaining({
        id: room.id,
        memberCount: 2,
        isPrivate: true,
        owner: { id: owner.id, username: owner.username },
      }),
    ]);
    const paged = await admin.caller.admin.rooms({ search: tag, limit: 1 });
    expect(paged.items).toHaveLength(1);
    const rest = await admin.caller.admin.rooms({ search: tag, limit: 1, cursor: paged.nextCursor ?? undefined });
    expect(rest.items.map((r) => r.id)).toEqual([room.id]);

    const toMember = await admin.caller.admin.transferRoom({ roomId: room.id, user: { userId: member.id } });
    expect(toMember).toMatchObject({ owner: { id: member.id }, memberCount: 2 });
    const toOutsider = await admin.caller.admin.transferRoom({
      roomId: room.id,
      user: { username: outsider.username.toUpperCase() },
    });
    expect(toOutsider).toMatchObject({ owner: { id: outsider.id }, memberCount: 3 });
    const members = await outsider.caller.rooms.members({ roomId: room.id });
    const roles = Object.fromEntries(members.map((m) => [m.user.id, m.role]));
    expect(roles).toEqual({ [owner.id]: "member", [member.id]: "member", [outsider.id]: "owner" });
    // The new owner runs the room.
    await outsider.caller.rooms.update({ roomId: room.id, topic: "mine now" });
    expect(await auditOf("room.transferred", room.id)).toHaveLength(2);
    await admin.caller.admin.transferRoom({ roomId: room.id, user: { userId: outsider.id } }); // its owner already
    expect(await auditOf("room.transferred", room.id)).toHaveLength(2);
  });

  it("deletes a room: its members' clients drop it live; Parley's own rooms stay", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const room = await owner.caller.rooms.create({ name: uniqueName("doomed") });
    await member.caller.rooms.join({ roomId: room.id });
    await member.caller.messages.send({ roomId: room.id, text: "soon gone" });
    const stop = new AbortController();
    const stream = await readStream<UserStreamEvent>(h.callerFor(member.token, stop.signal).events.mine());
    const roomStream = await readStream(h.callerFor(member.token, stop.signal).events.room({ roomId: room.id }));
    // The user stream follows the member's rooms once its first event (the room joined) has come through.
    const marker = uniqueName("m").slice(0, 20);
    await member.caller.profile.update({ displayName: marker });
    for (;;) {
      const [item] = await stream.next(1);
      if (item?.type === "user.profile") break;
    }

    expect(await admin.caller.admin.deleteRoom({ roomId: room.id })).toEqual({ deleted: true });
    for (;;) {
      const [item] = await stream.next(1);
      if (item?.type === "user.room") {
        expect(item).toMatchObject({ change: "deleted", room: { id: room.id } });
        break;
      }
    }
    expect(String(await roomStream.untilDone())).toMatch(/this room was deleted by an administrator/); // the open room ends
    stop.abort();
    expect((await member.caller.rooms.mine()).map((r) => r.id)).not.toContain(room.id);
    await expectTrpcError(member.caller.messages.send({ roomId: room.id, text: "hello?" }), "NOT_FOUND");
    expect(await auditOf("room.deleted", room.id)).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ members: 2 }) }),
    ]);

    const lobby = await ensureBuiltinRoom(h.deps, "lobby");
    await expectTrpcError(admin.caller.admin.deleteRoom({ roomId: lobby.id }), "BAD_REQUEST", /Parley's own/);
  });

  it("reads the audit log newest first, a page at a time, filtered by action", async () => {
    const user = await h.signUp();
    await admin.caller.admin.disableUser({ userId: user.id });
    await admin.caller.admin.enableUser({ userId: user.id });
    await admin.caller.admin.disableUser({ userId: user.id });
    const first = await admin.caller.admin.audit({ limit: 2 });
    expect(first.items.map((r) => [r.action, r.targetId])).toEqual([
      ["user.disabled", String(user.id)],
      ["user.enabled", String(user.id)],
    ]);
    expect(first.items[0]).toMatchObject({ actor: { id: admin.id, username: admin.username }, targetType: "user" });
    const second = await admin.caller.admin.audit({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items[0]).toMatchObject({ action: "user.disabled", targetId: String(user.id) });
    expect((second.items[0]?.id ?? 0) < (first.items[1]?.id ?? 0)).toBe(true);
    const onlyEnabled = await admin.caller.admin.audit({ action: "user.enabled", limit: 100 });
    expect(onlyEnabled.items.every((r) => r.action === "user.enabled")).toBe(true);
    expect(onlyEnabled.items.length).toBeGreaterThan(0);
  });
});
