import { createHash } from "node:crypto";
import { schema } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, expectTrpcError, type Harness } from "./harness";

const { accessTokens, auditLog, users } = schema;
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe.each(drivers)("personal access tokens and bots on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  const tokenRows = () => h.deps.db.select().from(accessTokens).orderBy(asc(accessTokens.id));
  async function admin() {
    const person = await h.signUp();
    await h.deps.db.update(users).set({ role: "admin" }).where(eq(users.id, person.id));
    h.deps.access.forgetUser(person.id);
    return person;
  }

  it("creates a token shown once, lists it without its secret, and stores only its SHA-256", async () => {
    const owner = await h.signUp();
    const created = await owner.caller.tokens.create({ name: "  deploy script " });
    expect(created.token).toMatch(/^parley_pat_[A-Za-z0-9_-]{43}$/);
    expect(created.accessToken).toMatchObject({ name: "deploy script", expiresAt: null, lastUsedAt: null });
    expect(created.accessToken.prefix).toBe(created.token.slice(0, 15));

    const listed = await owner.caller.tokens.list();
    expect(listed).toEqual([created.accessToken]);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    const [row] = await h.deps.db.select().from(accessTokens).where(eq(accessTokens.id, created.accessToken.id));
    expect(row?.tokenHash).toBe(sha256(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(15));
    // Nobody else sees it.
    expect(await (await h.signUp()).caller.tokens.list()).toEqual([]);
  });

  it("acts as its owner wherever a session does, and notes its use at most once a minute", async () => {
    const owner = await h.signUp();
    const { token, accessToken } = await owner.caller.tokens.create({ name: "bot script" });
    const viaToken = h.callerFor(token);
    expect(await viaToken.auth.me()).toMatchObject({ id: owner.id, username: owner.username });
    const room = await viaToken.rooms.create({ name: `pat-${owner.id}`, isPrivate: false });
    const sent = await viaToken.messages.send({ roomId: room.id, text: "sent with a token" });
    expect(sent.author).toMatchObject({ id: owner.id, isBot: false });

    const firstUse = (await tokenRows()).find((t) => t.id === accessToken.id)?.lastUsedAt;
    expect(firstUse).toBeInstanceOf(Date);
    const later = new Date(Date.now() + 30_000);
    h.setNow(later);
    try {
      h.deps.access.forgetSession(`pat:${accessToken.id}`);
      await viaToken.auth.me();
      expect((await tokenRows()).find((t) => t.id === accessToken.id)?.lastUsedAt).toEqual(firstUse);
      const muchLater = new Date(Date.now() + 120_000);
      h.setNow(muchLater);
      h.deps.access.forgetSession(`pat:${accessToken.id}`);
      await viaToken.auth.me();
      expect((await tokenRows()).find((t) => t.id === accessToken.id)?.lastUsedAt).toEqual(muchLater);
    } finally {
      h.setNow(null);
    }
  });

  it("stops working at once when revoked, and tells every instance so", async () => {
    const owner = await h.signUp();
    const { token, accessToken } = await owner.caller.tokens.create({ name: "to revoke" });
    const viaToken = h.callerFor(token);
    await viaToken.auth.me(); // now cached
    const access = await h.listen("access");
    try {
      await owner.caller.tokens.revoke({ tokenId: accessToken.id });
      await expectTrpcError(viaToken.auth.me(), "UNAUTHORIZED", /revoked/);
      expect(access.events).toContainEqual({ type: "access.session-revoked", jti: `pat:${accessToken.id}` });
    } finally {
      access.stop();
    }
    expect(await owner.caller.tokens.list()).toEqual([]);
    await expectTrpcError(
      owner.caller.tokens.revoke({ tokenId: accessToken.id }),
      "NOT_FOUND",
      /access token was not found/,
    );
  });

  it("expires at its expiry", async () => {
    const owner = await h.signUp();
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const { token, accessToken } = await owner.caller.tokens.create({ name: "for an hour", expiresAt });
    expect(accessToken.expiresAt).toBe(expiresAt);
    await h.callerFor(token).auth.me();
    h.setNow(new Date(Date.now() + 2 * 3_600_000));
    try {
      await expectTrpcError(h.callerFor(token).auth.me(), "UNAUTHORIZED", /expired/);
    } finally {
      h.setNow(null);
    }
  });

  it("refuses bad input in plain words and changes nothing", async () => {
    const owner = await h.signUp();
    const other = await h.signUp();
    const { accessToken: theirs } = await other.caller.tokens.create({ name: "theirs" });
    const before = await tokenRows();
    await expectTrpcError(owner.caller.tokens.create({ name: "   " }), "BAD_REQUEST", /needs a name/);
    await expectTrpcError(owner.caller.tokens.create({ name: "x".repeat(101) }), "BAD_REQUEST", /at most 100/);
    await expectTrpcError(
      owner.caller.tokens.create({ name: "old", expiresAt: new Date(Date.now() - 1000).toISOString() }),
      "BAD_REQUEST",
      /expiry must be in the future/,
    );
    await expectTrpcError(
      owner.caller.tokens.create({ name: "odd", expiresAt: "next tuesday" }),
      "BAD_REQUEST",
      /ISO 8601/,
    );
    await expectTrpcError(
      owner.caller.tokens.revoke({ tokenId: theirs.id }),
      "NOT_FOUND",
      /access token was not found/,
    );
    await expectTrpcError(owner.caller.tokens.revoke({ tokenId: 2_000_000_000 }), "NOT_FOUND");
    await expectTrpcError(h.anonymous.tokens.list(), "UNAUTHORIZED");
    await expectTrpcError(h.callerFor("parley_pat_not-a-real-token").auth.me(), "UNAUTHORIZED", /not valid/);
    expect(await tokenRows()).toEqual(before);
  });

  it("cannot make another token, is not ended by logout, and outlives a password change", async () => {
    const owner = await h.signUp();
    const { token } = await owner.caller.tokens.create({ name: "long-lived" });
    const viaToken = h.callerFor(token);
    await viaToken.auth.me(); // its first use is noted: that is no change the refusals below make
    const before = await tokenRows();
    await expectTrpcError(viaToken.tokens.create({ name: "child" }), "FORBIDDEN", /cannot create another/);
    await expectTrpcError(viaToken.auth.logout(), "BAD_REQUEST", /not a session/);
    await expectTrpcError(
      viaToken.auth.changePassword({ currentPassword: "correct horse", newPassword: "taken over" }),
      "FORBIDDEN",
      /cannot change the password/,
    );
    expect(await tokenRows()).toEqual(before);
    await expect(viaToken.auth.me()).resolves.toMatchObject({ id: owner.id });

    await owner.caller.auth.changePassword({ currentPassword: "correct horse", newPassword: "battery staple" });
    await expectTrpcError(owner.caller.auth.me(), "UNAUTHORIZED");
    await expect(viaToken.auth.me()).resolves.toMatchObject({ id: owner.id });
  });

  it("ends with its owner's account: a disabled user's token is refused", async () => {
    const owner = await h.signUp();
    const { token } = await owner.caller.tokens.create({ name: "owner goes" });
    await h.callerFor(token).auth.me();
    await h.deps.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, owner.id));
    h.deps.access.forgetUser(owner.id);
    await expectTrpcError(h.callerFor(token).auth.me(), "UNAUTHORIZED");
  });

  it("lets an administrator create a bot that has no password, only tokens, and acts as anyone", async () => {
    const boss = await admin();
    const person = await h.signUp();
    await expectTrpcError(person.caller.bots.create({ username: "sneaky-bot" }), "NOT_FOUND");
    await expectTrpcError(person.caller.bots.list(), "NOT_FOUND");

    const bot = await boss.caller.bots.create({ username: "deploy-bot", displayName: "Deploy" });
    expect(bot).toMatchObject({ username: "deploy-bot", displayName: "Deploy", isBot: true });
    const [row] = await h.deps.db.select().from(users).where(eq(users.id, bot.id));
    expect(row).toMatchObject({ isBot: true, passwordHash: null });
    expect(await boss.caller.bots.list()).toContainEqual(bot);
    await expectTrpcError(boss.caller.bots.create({ username: "DEPLOY-bot" }), "CONFLICT", /taken/);

    // No password opens it, not even an empty or a guessed one.
    await expectTrpcError(h.anonymous.auth.login({ login: "deploy-bot", password: "x" }), "UNAUTHORIZED");

    const { token, accessToken } = await boss.caller.bots.createToken({ botId: bot.id, name: "ci" });
    expect(await boss.caller.bots.tokens({ botId: bot.id })).toEqual([accessToken]);
    await expectTrpcError(boss.caller.bots.createToken({ botId: person.id, name: "not a bot" }), "NOT_FOUND", /bot/);

    const viaBot = h.callerFor(token);
    const room = await person.caller.rooms.create({ name: `with-bot-${bot.id}`, isPrivate: false });
    await viaBot.rooms.join({ roomId: room.id });
    const sent = await viaBot.messages.send({ roomId: room.id, text: "build passed" });
    expect(sent.author).toEqual({ id: bot.id, username: "deploy-bot", displayName: "Deploy", isBot: true });
    const history = await person.caller.history.list({ roomId: room.id });
    expect(history.items.find((m) => m.body === "build passed")?.author?.isBot).toBe(true);
    const members = await person.caller.rooms.members({ roomId: room.id });
    expect(members.find((m) => m.user.id === bot.id)?.user.isBot).toBe(true);
    expect(members.find((m) => m.user.id === person.id)?.user.isBot).toBe(false);
    expect(await person.caller.profile.byId({ userId: bot.id })).toMatchObject({ isBot: true });

    await boss.caller.bots.revokeToken({ botId: bot.id, tokenId: accessToken.id });
    await expectTrpcError(viaBot.auth.me(), "UNAUTHORIZED");
    const second = await boss.caller.bots.createToken({ botId: bot.id, name: "second" });
    await h.callerFor(second.token).auth.me();
    await boss.caller.bots.delete({ botId: bot.id });
    await expectTrpcError(h.callerFor(second.token).auth.me(), "UNAUTHORIZED");
    expect(await boss.caller.bots.list()).not.toContainEqual(bot);
    await expectTrpcError(boss.caller.bots.delete({ botId: bot.id }), "NOT_FOUND");

    const audit = await h.deps.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.actorId, boss.id))
      .orderBy(asc(auditLog.id));
    expect(audit.map((a) => a.action)).toEqual([
      "bot.created",
      "bot.token-created",
      "bot.token-revoked",
      "bot.token-created",
      "bot.deleted",
    ]);
  });

  it("takes a deleted bot out of its rooms, as any deleted account: counts drop, its room goes to a person, its words stay", async () => {
    const boss = await admin();
    const person = await h.signUp();
    const bot = await boss.caller.bots.create({ username: `leaving-bot-${person.id}` });
    const viaBot = h.callerFor((await boss.caller.bots.createToken({ botId: bot.id, name: "ci" })).token);
    const joined = await person.caller.rooms.create({ name: `joined-by-bot-${bot.id}` });
    await viaBot.rooms.join({ roomId: joined.id });
    await viaBot.messages.send({ roomId: joined.id, text: "deployed" });
    const owned = await viaBot.rooms.create({ name: `made-by-bot-${bot.id}` });
    await person.caller.rooms.join({ roomId: owned.id });
    const countOf = async (roomId: number) =>
      (await person.caller.rooms.public({ search: `joined-by-bot-${bot.id}` })).items.find((r) => r.id === roomId)
        ?.memberCount;
    expect(await countOf(joined.id)).toBe(2);

    await boss.caller.bots.delete({ botId: bot.id });
    expect(await countOf(joined.id)).toBe(1);
    expect((await person.caller.rooms.members({ roomId: joined.id })).map((m) => m.user.id)).toEqual([person.id]);
    expect(await person.caller.rooms.get({ roomId: owned.id })).toMatchObject({ ownerId: person.id });
    expect((await person.caller.rooms.members({ roomId: owned.id })).map((m) => m.user.id)).toEqual([person.id]);
    const history = await person.caller.history.list({ roomId: joined.id, limit: 50 });
    expect(history.items.find((m) => m.body === "deployed")?.author).toMatchObject({
      id: bot.id,
      isBot: true,
      deleted: true,
    });
    expect(history.items[0]?.notice?.event).toBe("left"); // newest first
    // Its name is free again, as a deleted person's is.
    await expect(boss.caller.bots.create({ username: bot.username })).resolves.toMatchObject({ isBot: true });
  });
});
