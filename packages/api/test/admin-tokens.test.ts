import { randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { and, asc, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOTH_WAYS, createHarness, expectTrpcError, type Harness } from "./harness";

type SignedUp = Awaited<ReturnType<Harness["signUp"]>>;
const { accessTokens, auditLog, users } = schema;

/**
 * Issue 18 follow-ups: administrators see and revoke anyone's personal access tokens (audited,
 * once), a password reset by an administrator revokes every token of the account, and the Bots
 * tab's list (`bots.search`) says who created each bot, its rooms and its working tokens.
 */
describe.each(BOTH_WAYS)("administrators and tokens on %s", (_name, driver, createBus) => {
  let h: Harness;
  let admin: SignedUp;
  beforeAll(async () => {
    h = await createHarness(driver, createBus());
    admin = await h.signUp();
    await h.deps.db.update(users).set({ role: "admin" }).where(eq(users.id, admin.id));
    h.deps.access.forgetUser(admin.id);
  });
  afterAll(() => h?.dispose());

  /** The audit records of these actions about this target, oldest first. */
  const auditRows = (actions: string[], targetId: number) =>
    h.deps.db
      .select()
      .from(auditLog)
      .where(and(inArray(auditLog.action, actions), eq(auditLog.targetId, String(targetId))))
      .orderBy(asc(auditLog.id));
  const tokenRows = (userId: number) =>
    h.deps.db.select().from(accessTokens).where(eq(accessTokens.userId, userId)).orderBy(asc(accessTokens.id));

  it("answers everybody but administrators as if there were no such procedure, and changes nothing", async () => {
    const member = await h.signUp();
    const { accessToken } = await admin.caller.tokens.create({ name: "the admin's own" });
    await expectTrpcError(member.caller.admin.userTokens({ userId: admin.id }), "NOT_FOUND");
    await expectTrpcError(
      member.caller.admin.revokeUserToken({ userId: admin.id, tokenId: accessToken.id }),
      "NOT_FOUND",
    );
    await expectTrpcError(member.caller.admin.revokeUserTokens({ userId: admin.id }), "NOT_FOUND");
    await expectTrpcError(member.caller.bots.search({}), "NOT_FOUND");
    await expectTrpcError(h.anonymous.admin.userTokens({ userId: admin.id }), "NOT_FOUND"); // signed out too: as for no such procedure
    expect(await admin.caller.tokens.list()).toContainEqual(accessToken);
    await admin.caller.tokens.revoke({ tokenId: accessToken.id });
  });

  it("lists a person's tokens with their last use, never their secrets", async () => {
    const person = await h.signUp();
    const used = await person.caller.tokens.create({ name: "used one" });
    const unused = await person.caller.tokens.create({ name: "unused one" });
    await h.callerFor(used.token).auth.me();
    const listed = await admin.caller.admin.userTokens({ userId: person.id });
    expect(listed.map((t) => t.name)).toEqual(["unused one", "used one"]);
    expect(listed.find((t) => t.id === used.accessToken.id)?.lastUsedAt).toEqual(expect.any(String));
    expect(listed.find((t) => t.id === unused.accessToken.id)?.lastUsedAt).toBeNull();
    expect(JSON.stringify(listed)).not.toContain(used.token.slice(15));
    expect(JSON.stringify(listed)).not.toContain(unused.token.slice(15));
    await expectTrpcError(admin.caller.admin.userTokens({ userId: 2_000_000_000 }), "NOT_FOUND", /user/);
  });

  it("revokes one token: it fails at once, every instance is told, and a repeat records nothing", async () => {
    const person = await h.signUp();
    const other = await h.signUp();
    const target = await person.caller.tokens.create({ name: "leaked" });
    const kept = await person.caller.tokens.create({ name: "kept" });
    const theirs = await other.caller.tokens.create({ name: "someone else's" });
    const viaTarget = h.callerFor(target.token);
    await viaTarget.auth.me(); // cached now: the revocation must reach the cache
    const access = await h.listen("access");
    try {
      expect(await admin.caller.admin.revokeUserToken({ userId: person.id, tokenId: target.accessToken.id })).toEqual({
        revoked: 1,
      });
      await expectTrpcError(viaTarget.auth.me(), "UNAUTHORIZED", /revoked/);
      expect(access.events).toContainEqual({ type: "access.session-revoked", jti: `pat:${target.accessToken.id}` });
    } finally {
      access.stop();
    }
    await expect(h.callerFor(kept.token).auth.me()).resolves.toMatchObject({ id: person.id });
    expect((await admin.caller.admin.userTokens({ userId: person.id })).map((t) => t.name)).toEqual(["kept"]);

    const before = await tokenRows(person.id);
    expect(await admin.caller.admin.revokeUserToken({ userId: person.id, tokenId: target.accessToken.id })).toEqual({
      revoked: 0,
    });
    expect(await tokenRows(person.id)).toEqual(before);
    const records = await auditRows(["user.token-revoked"], target.accessToken.id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      actorId: admin.id,
      targetType: "token",
      detail: { userId: person.id, username: person.username, name: "leaked" },
    });

    // Another account's token, named under this account, is not found, and stays.
    await expectTrpcError(
      admin.caller.admin.revokeUserToken({ userId: person.id, tokenId: theirs.accessToken.id }),
      "NOT_FOUND",
      /access token was not found/,
    );
    await expect(h.callerFor(theirs.token).auth.me()).resolves.toMatchObject({ id: other.id });
    expect(await auditRows(["user.token-revoked"], theirs.accessToken.id)).toEqual([]);
  });

  it("revokes every token of an account at once, recorded once with how many", async () => {
    const person = await h.signUp();
    const a = await person.caller.tokens.create({ name: "a" });
    const b = await person.caller.tokens.create({ name: "b" });
    const access = await h.listen("access");
    try {
      expect(await admin.caller.admin.revokeUserTokens({ userId: person.id })).toEqual({ revoked: 2 });
      for (const t of [a, b]) {
        expect(access.events).toContainEqual({ type: "access.session-revoked", jti: `pat:${t.accessToken.id}` });
        await expectTrpcError(h.callerFor(t.token).auth.me(), "UNAUTHORIZED");
      }
    } finally {
      access.stop();
    }
    expect(await admin.caller.admin.userTokens({ userId: person.id })).toEqual([]);
    // The person's session is not a token: it stays.
    await expect(person.caller.auth.me()).resolves.toMatchObject({ id: person.id });
    expect(await admin.caller.admin.revokeUserTokens({ userId: person.id })).toEqual({ revoked: 0 });
    const records = await auditRows(["user.tokens-revoked"], person.id);
    expect(records).toHaveLength(1);
    expect(records[0]?.detail).toEqual({ username: person.username, count: 2 });
    await expectTrpcError(admin.caller.admin.revokeUserTokens({ userId: 2_000_000_000 }), "NOT_FOUND", /user/);
  });

  it("revokes every token of an account whose password an administrator resets", async () => {
    const person = await h.signUp();
    const { token, accessToken } = await person.caller.tokens.create({ name: "before the reset" });
    await h.callerFor(token).auth.me();
    const access = await h.listen("access");
    try {
      await admin.caller.admin.resetPassword({ userId: person.id, temporaryPassword: "temporary 1" });
      await expectTrpcError(h.callerFor(token).auth.me(), "UNAUTHORIZED", /revoked/);
      expect(access.events).toContainEqual({ type: "access.session-revoked", jti: `pat:${accessToken.id}` });
    } finally {
      access.stop();
    }
    expect(await admin.caller.admin.userTokens({ userId: person.id })).toEqual([]);
    const [record] = await auditRows(["user.password-reset"], person.id);
    expect(record?.detail).toMatchObject({ username: person.username, tokensRevoked: 1 });
    // A token made after the reset (with the new password) works: the reset ended the old ones only.
    const session = await h.anonymous.auth.login({ login: person.username, password: "temporary 1" });
    const changed = await h
      .callerFor(session.token)
      .auth.changePassword({ currentPassword: "temporary 1", newPassword: "my own one" });
    const fresh = await h.callerFor(changed.token).tokens.create({ name: "after the reset" });
    await expect(h.callerFor(fresh.token).auth.me()).resolves.toMatchObject({ id: person.id });
  });

  it("lists bots a page at a time with their creator, rooms and working tokens; searchable; deleted ones gone", async () => {
    const tag = randomBytes(3).toString("hex");
    const first = await admin.caller.bots.create({ username: `alpha-${tag}`, displayName: `Alpha ${tag}` });
    const second = await admin.caller.bots.create({ username: `beta-${tag}` });
    const gone = await admin.caller.bots.create({ username: `gamma-${tag}` });
    await admin.caller.bots.delete({ botId: gone.id });

    const working = await admin.caller.bots.createToken({ botId: first.id, name: "works" });
    const revoked = await admin.caller.bots.createToken({ botId: first.id, name: "revoked" });
    await admin.caller.bots.revokeToken({ botId: first.id, tokenId: revoked.accessToken.id });
    const expiring = await admin.caller.bots.createToken({
      botId: first.id,
      name: "expires",
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const viaBot = h.callerFor(working.token);
    for (const name of [`bot-room-a-${tag}`, `bot-room-b-${tag}`]) {
      const room = await admin.caller.rooms.create({ name, isPrivate: false });
      await viaBot.rooms.join({ roomId: room.id });
    }
    await admin.caller.admin.disableUser({ userId: second.id });

    const all = await admin.caller.bots.search({ search: tag });
    expect(all.items.map((b) => b.username)).toEqual([`beta-${tag}`, `alpha-${tag}`]);
    expect(all.items[1]).toMatchObject({
      id: first.id,
      displayName: `Alpha ${tag}`,
      disabledAt: null,
      createdBy: { id: admin.id, username: admin.username },
      roomCount: 2,
      activeTokenCount: 2,
    });
    expect(all.items[0]).toMatchObject({ roomCount: 0, activeTokenCount: 0, disabledAt: expect.any(String) });

    // An expired token does not count as working.
    h.setNow(new Date(Date.now() + 120_000));
    try {
      const later = await admin.caller.bots.search({ search: `alpha-${tag}` });
      expect(later.items.map((b) => [b.id, b.activeTokenCount])).toEqual([[first.id, 1]]);
    } finally {
      h.setNow(null);
    }
    expect((await admin.caller.bots.tokens({ botId: first.id })).map((t) => t.id)).toContain(expiring.accessToken.id);

    const page1 = await admin.caller.bots.search({ search: tag, limit: 1 });
    expect(page1.items.map((b) => b.id)).toEqual([second.id]);
    const page2 = await admin.caller.bots.search({ search: tag, limit: 1, cursor: page1.nextCursor ?? undefined });
    expect(page2.items.map((b) => b.id)).toEqual([first.id]);
    expect(page2.nextCursor).toBeNull();
    expect((await admin.caller.bots.search({ search: `Alpha ${tag}` })).items.map((b) => b.id)).toEqual([first.id]);
    expect((await admin.caller.bots.search({ search: `nothing-${tag}` })).items).toEqual([]);
    await expectTrpcError(admin.caller.bots.search({ cursor: "not a cursor" }), "BAD_REQUEST", /cursor/);
  });
});
