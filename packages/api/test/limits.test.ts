import { randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { testRedisUrl } from "@parley/db/testing";
import { eq } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLimits, RateLimited } from "../src/limits";
import { createHarness, expectTrpcError, type Harness, NO_LIMITS } from "./harness";

/** The abuse limits through the procedures, counted in memory (the Redis-backed ones: apps/realtime/test/limits.test.ts). */
describe("rate limits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("pglite", undefined, {
      limits: {
        loginPerAccount: { points: 3, seconds: 900 },
        loginPerAddress: { points: 8, seconds: 900 },
        registerPerAddress: { points: 4, seconds: 3600 },
        messagesPerRoom: { points: 5, seconds: 10 },
        changesPerRoom: { points: 4, seconds: 60 },
      },
    });
  });
  afterAll(() => h?.dispose());

  const from = (address: string) => h.callerFor(null, undefined, address);

  it("throttles password guessing per account name, alike for names that exist and names that do not", async () => {
    const { username } = await h.signUp();
    const guess = (login: string, password = "not-the-password") => from("10.0.0.1").auth.login({ login, password });
    const refusals = [];
    for (const login of [username, "nobody-by-that-name"]) {
      for (let i = 0; i < 3; i++) await expectTrpcError(guess(login), "UNAUTHORIZED", /wrong username/);
      // Over the limit: even the right password waits, and the answer says how long.
      const refused = await expectTrpcError(
        guess(login, "correct horse"),
        "TOO_MANY_REQUESTS",
        /try again in \d+ (seconds?|minutes?)\b/,
      );
      refusals.push({ message: refused.message.replace(/in .*$/, "in N"), code: refused.code });
    }
    expect(refusals[0]).toEqual(refusals[1]); // nothing tells which name exists
    // Another account is not held up by them (this address has attempts left).
    const other = await h.signUp();
    await expect(
      from("10.0.0.2").auth.login({ login: other.username, password: "correct horse" }),
    ).resolves.toBeDefined();
  });

  it("forgets an account's failures once its owner gets in", async () => {
    const { username } = await h.signUp();
    const attempt = (password: string) => from("10.0.1.1").auth.login({ login: username, password });
    for (const password of ["wrong", "wrong", "correct horse", "wrong", "wrong"]) {
      if (password === "correct horse") await expect(attempt(password)).resolves.toBeDefined();
      else await expectTrpcError(attempt(password), "UNAUTHORIZED");
    }
    await expect(attempt("correct horse")).resolves.toBeDefined(); // two failures since: still under three
  });

  it("throttles login attempts per client address, whatever the accounts", async () => {
    const attempt = (address: string, n: number) =>
      from(address).auth.login({ login: `someone-${n}`, password: "not-the-password" });
    for (let n = 0; n < 8; n++) await expectTrpcError(attempt("10.0.2.1", n), "UNAUTHORIZED");
    await expectTrpcError(attempt("10.0.2.1", 99), "TOO_MANY_REQUESTS", /from this address/);
    await expectTrpcError(attempt("10.0.2.2", 99), "UNAUTHORIZED"); // another address is counted apart
  });

  it("throttles registrations per client address, and stores nothing it refuses", async () => {
    for (let n = 0; n < 4; n++)
      await from("10.0.3.1").auth.register({ username: `reg${n}x`, password: "correct horse" });
    const before = await h.counts();
    await expectTrpcError(
      from("10.0.3.1").auth.register({ username: "reg-over", password: "correct horse" }),
      "TOO_MANY_REQUESTS",
      /registrations/,
    );
    expect(await h.counts()).toEqual(before);
    await expect(
      from("10.0.3.2").auth.register({ username: "reg-elsewhere", password: "correct horse" }),
    ).resolves.toBeDefined();
  });

  it("throttles a user's messages per room, stores and broadcasts none it refuses, and answers retries", async () => {
    const { caller, id } = await h.signUp();
    const room = await caller.rooms.create({ name: `flood-${id}` });
    const quiet = await caller.rooms.create({ name: `quiet-${id}` });
    const heard = await h.listen(`room:${room.id}`);
    const sent = [];
    for (let n = 0; n < 5; n++)
      sent.push(await caller.messages.send({ roomId: room.id, text: `m${n}`, clientId: `c-${n}` }));
    const before = await h.counts();
    const refused = await expectTrpcError(
      caller.messages.send({ roomId: room.id, text: "one too many" }),
      "TOO_MANY_REQUESTS",
      /too fast: try again in \d+ seconds?$/,
    );
    expect(refused.message).toMatch(/too fast/);
    expect(await h.counts()).toEqual(before);
    // A retry of a message that was stored is answered as before, not refused.
    expect((await caller.messages.send({ roomId: room.id, text: "m4", clientId: "c-4" })).id).toBe(sent[4]?.id);
    await expect(caller.messages.send({ roomId: quiet.id, text: "elsewhere" })).resolves.toBeDefined();
    const other = await h.signUp();
    await other.caller.rooms.join({ roomId: room.id });
    await expect(other.caller.messages.send({ roomId: room.id, text: "someone else" })).resolves.toBeDefined();
    heard.stop();
    const bodies = heard.events.flatMap((e) => (e.type === "room.message" ? [e.message.body] : []));
    expect(bodies).not.toContain("one too many");
  });

  it("throttles a user's changes to messages per room, whether or not it has seen the message before, changing nothing it refuses", async () => {
    const { caller, id } = await h.signUp();
    const room = await caller.rooms.create({ name: `fiddle-${id}` });
    const quiet = await caller.rooms.create({ name: `fiddle-quiet-${id}` });
    const first = await caller.messages.send({ roomId: room.id, text: "first" });
    const second = await caller.messages.send({ roomId: room.id, text: "second" });
    const elsewhere = await caller.messages.send({ roomId: quiet.id, text: "elsewhere" });
    const lastSeq = async () =>
      (await h.deps.db.select({ s: schema.rooms.lastSeq }).from(schema.rooms).where(eq(schema.rooms.id, room.id)))[0]
        ?.s;
    const heard = await h.listen(`room:${room.id}`);
    await caller.messages.react({ messageId: first.id, emoji: "👍" });
    await caller.messages.unreact({ messageId: first.id, emoji: "👍" });
    await caller.messages.edit({ messageId: first.id, text: "first, edited" });
    await caller.messages.pin({ messageId: first.id });
    const seq = await lastSeq();
    const before = await h.counts();
    // The second message's room is not known yet: refused inside the transaction, rolled back.
    await expectTrpcError(
      caller.messages.react({ messageId: second.id, emoji: "🎉" }),
      "TOO_MANY_REQUESTS",
      /changing messages too fast: try again in \d+ (seconds?|minutes?)$/,
    );
    // The first's is: refused before any transaction.
    await expectTrpcError(
      caller.messages.delete({ messageId: first.id }),
      "TOO_MANY_REQUESTS",
      /changing messages too fast/,
    );
    expect(await lastSeq()).toBe(seq);
    expect(await h.counts()).toEqual(before);
    // Another room of the same user, and another user of the same room, are counted apart.
    await expect(caller.messages.react({ messageId: elsewhere.id, emoji: "👍" })).resolves.toBeDefined();
    const other = await h.signUp();
    await other.caller.rooms.join({ roomId: room.id });
    const reacted = await other.caller.messages.react({ messageId: second.id, emoji: "🎉" });
    expect(reacted.reactions).toEqual([{ emoji: "🎉", count: 1, userIds: [other.id] }]);
    heard.stop();
    const changes = heard.events.flatMap((e) => (e.type === "room.change" ? [[e.change, e.actorId]] : []));
    expect(changes).toEqual([
      ["reacted", id],
      ["unreacted", id],
      ["edited", id],
      ["pinned", id],
      ["reacted", other.id],
    ]);
  });
});

describe("the change limit and strangers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("pglite", undefined, {
      limits: { ...NO_LIMITS, changesPerRoom: { points: 2, seconds: 60 } },
    });
  });
  afterAll(() => h?.dispose());

  it("tells a stranger to a private room nothing, however often they try: NOT_FOUND as for no message, never the limit", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `secret-${owner.id}`, isPrivate: true });
    const secret = await owner.caller.messages.send({ roomId: room.id, text: "secret" });
    // This process now knows the message's room, and counts changes to it before any transaction.
    await owner.caller.messages.react({ messageId: secret.id, emoji: "👍" });
    const stranger = await h.signUp();
    const missing = await expectTrpcError(
      stranger.caller.messages.react({ messageId: 2 ** 40, emoji: "👍" }),
      "NOT_FOUND",
      /was not found/,
    );
    const answers = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const refused = await expectTrpcError(
        stranger.caller.messages.react({ messageId: secret.id, emoji: "👍" }),
        "NOT_FOUND",
        /was not found/,
      );
      answers.add(refused.message.replace(String(secret.id), "N"));
    }
    expect([...answers]).toEqual([missing.message.replace(String(2 ** 40), "N")]);
    // The stranger's calls are counted all the same, in a bucket that names no room.
    await expectTrpcError(
      stranger.caller.messages.react({ messageId: 2 ** 40 + 1, emoji: "👍" }),
      "NOT_FOUND",
      /was not found/,
    );
    await expectTrpcError(
      stranger.caller.messages.react({ messageId: 2 ** 40 + 2, emoji: "👍" }),
      "TOO_MANY_REQUESTS",
      /changing messages too fast/,
    );
  });
});

describe("limits counted in Redis", () => {
  it("refuses a key over its limit from memory until its window ends: no Redis call per refusal, none escaping while Redis is away", async () => {
    const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 0 });
    const limits = createLimits(
      { ...NO_LIMITS, messagesPerRoom: { points: 3, seconds: 60 } },
      { redis, prefix: `t${randomBytes(4).toString("hex")}:` },
    );
    for (let n = 0; n < 3; n++) await limits.take("messagesPerRoom", "flooder");
    await expect(limits.take("messagesPerRoom", "flooder")).rejects.toBeInstanceOf(RateLimited);
    await limits.take("messagesPerRoom", "someone else");

    // Redis goes away: a key that is over stays refused; the others are counted in memory meanwhile.
    redis.disconnect();
    const refused = await limits.take("messagesPerRoom", "flooder").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RateLimited);
    expect((refused as RateLimited).retryAfterSeconds).toBeGreaterThan(50);
    await expect(limits.take("messagesPerRoom", "someone else")).resolves.toBeUndefined();
  });
});
