import { drivers } from "@parley/db/testing";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimsFor, forgedTokens, signJwt } from "./forged-tokens";
import { createHarness, expectTrpcError, type Harness, TEST_SECRET } from "./harness";

describe.each(drivers)("auth on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it("registers, logs in by username or e-mail, and tells who is signed in", async () => {
    const session = await h.anonymous.auth.register({
      username: "Alice",
      password: "wonderland",
      email: "Alice@Example.org",
      displayName: "Alice L.",
    });
    expect(session.user).toMatchObject({ username: "Alice", email: "Alice@Example.org", displayName: "Alice L." });
    expect(session.token.split(".")).toHaveLength(3);

    const byName = await h.anonymous.auth.login({ login: "alice", password: "wonderland" });
    const byEmail = await h.anonymous.auth.login({ login: "alice@example.ORG", password: "wonderland" });
    expect(byName.user.id).toBe(session.user.id);
    expect(byEmail.user.id).toBe(session.user.id);
    expect(await h.callerFor(byEmail.token).auth.me()).toMatchObject({ id: session.user.id, username: "Alice" });
  });

  it("stores an argon2id hash, never the password", async () => {
    const { id } = await h.signUp();
    const [row] = await h.deps.db.query.users.findMany({ where: (u, { eq }) => eq(u.id, id) });
    expect(row?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it("refuses a taken username or e-mail whatever their case, and changes nothing", async () => {
    await h.anonymous.auth.register({ username: "bob", password: "builder", email: "bob@example.org" });
    const before = await h.counts();
    await expectTrpcError(
      h.anonymous.auth.register({ username: "BOB", password: "whatever" }),
      "CONFLICT",
      /username is taken/,
    );
    await expectTrpcError(
      h.anonymous.auth.register({ username: "bobby", password: "whatever", email: "BOB@example.org" }),
      "CONFLICT",
      /e-mail/,
    );
    expect(await h.counts()).toEqual(before);
  });

  it("keeps the notice senders' names reserved", async () => {
    await expectTrpcError(
      h.anonymous.auth.register({ username: "System", password: "whatever" }),
      "CONFLICT",
      /reserved/,
    );
  });

  it("answers a wrong password and an unknown user alike", async () => {
    await h.signUp("carol");
    const wrong = await expectTrpcError(h.anonymous.auth.login({ login: "carol", password: "nope" }), "UNAUTHORIZED");
    const unknown = await expectTrpcError(
      h.anonymous.auth.login({ login: "nobody", password: "nope" }),
      "UNAUTHORIZED",
    );
    expect(wrong.message).toBe(unknown.message);
  });

  it("rejects bad registrations with a reason and stores nothing", async () => {
    const before = await h.counts();
    const bad: unknown[] = [
      { username: "x", password: "long enough" },
      { username: "has space", password: "long enough" },
      { username: "a".repeat(33), password: "long enough" },
      { username: "fine", password: "abc" },
      { username: "fine", password: "x".repeat(257) },
      { username: "fine", password: "long enough", email: "not-an-email" },
      { username: 42, password: "long enough" },
      { password: "long enough" },
      null,
    ];
    for (const input of bad) {
      // @ts-expect-error: deliberately wrong input
      const error = await expectTrpcError(h.anonymous.auth.register(input), "BAD_REQUEST");
      expect(error.message.length).toBeGreaterThan(5);
    }
    expect(await h.counts()).toEqual(before);
  });

  it("logout revokes exactly that token, for every later call", async () => {
    const { caller, token, username } = await h.signUp();
    const other = await h.anonymous.auth.login({ login: username, password: "correct horse" });
    await caller.auth.logout();
    await expectTrpcError(h.callerFor(token).auth.me(), "UNAUTHORIZED", /session has ended/);
    await expectTrpcError(h.callerFor(token).rooms.mine(), "UNAUTHORIZED");
    expect((await h.callerFor(other.token).auth.me()).username).toBe(username);
  });

  it("announces a logout on the user's channel so that open sockets can close", async () => {
    const { caller, id } = await h.signUp();
    const heard = await h.listen(`user:${id}`);
    await caller.auth.logout();
    heard.stop();
    expect(heard.events).toContainEqual(expect.objectContaining({ type: "user.session-revoked", userId: id }));
  });

  it("refuses expired, forged and missing tokens", async () => {
    const { token } = await h.signUp();
    await h.callerFor(token).auth.me(); // verified once: remembered, but its expiry still counts
    h.setNow(new Date(Date.now() + 2 * 3600 * 1000));
    await expectTrpcError(h.callerFor(token).auth.me(), "UNAUTHORIZED", /expired/);
    h.setNow(null);
    const [header, payload] = token.split(".");
    await expectTrpcError(h.callerFor(`${header}.${payload}.forged`).auth.me(), "UNAUTHORIZED", /not valid/);
    await expectTrpcError(h.callerFor("garbage").auth.me(), "UNAUTHORIZED");
    await expectTrpcError(h.anonymous.auth.me(), "UNAUTHORIZED", /sign in/);
  });

  it("refuses tokens signed with another algorithm or key, unsigned, tampered, without an expiry, or issued in the future", async () => {
    const { id } = await h.signUp();
    const other = await h.signUp();
    for (const [what, token] of Object.entries(forgedTokens(TEST_SECRET, id, other.token))) {
      const error = await h
        .callerFor(token)
        .auth.me()
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error, what).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code, what).toBe("UNAUTHORIZED");
      expect((error as TRPCError).message, what).toMatch(/not valid|expired/);
    }
    // The same claims, signed as the server signs: accepted, so the refusals above are the forgeries'.
    const genuine = signJwt({ alg: "HS256", typ: "JWT" }, claimsFor(id), TEST_SECRET);
    expect((await h.callerFor(genuine).auth.me()).id).toBe(id);
  });

  it("ends every session of the user when the password changes, and answers a new one", async () => {
    const { token: first, username, id } = await h.signUp();
    const { token: second } = await h.anonymous.auth.login({ login: username, password: "correct horse" });
    const bystander = await h.signUp();
    const heard = await h.listen("access");

    const changed = await h.callerFor(first).auth.changePassword({
      currentPassword: "correct horse",
      newPassword: "battery staple",
    });
    for (const ended of [first, second]) {
      await expectTrpcError(h.callerFor(ended).auth.me(), "UNAUTHORIZED", /session has ended/);
    }
    expect((await h.callerFor(changed.token).auth.me()).id).toBe(id);
    expect((await bystander.caller.auth.me()).id).toBe(bystander.id); // nobody else's
    await expectTrpcError(h.anonymous.auth.login({ login: username, password: "correct horse" }), "UNAUTHORIZED");
    await expect(h.anonymous.auth.login({ login: username, password: "battery staple" })).resolves.toBeDefined();
    heard.stop();
    expect(heard.events).toContainEqual(expect.objectContaining({ type: "access.sessions-ended", userId: id }));
  });

  it("remembers a checked token only until it ends: logout, password change and expiry refuse calls and new subscriptions at once", async () => {
    const { token, username } = await h.signUp();
    const { token: other } = await h.anonymous.auth.login({ login: username, password: "correct horse" });
    const { token: third } = await h.anonymous.auth.login({ login: username, password: "correct horse" });
    const room = await h.callerFor(token).rooms.create({ name: `remembered-${driver}-${Date.now()}` });
    const subscribe = (t: string) => h.callerFor(t).events.room({ roomId: room.id });
    // Each checked once: its signature and its session are remembered by this process from here on.
    for (const t of [token, other, third]) {
      await h.callerFor(t).auth.me();
      await subscribe(t);
    }

    await h.callerFor(token).auth.logout();
    await expectTrpcError(h.callerFor(token).auth.me(), "UNAUTHORIZED", /session has ended/);
    await expectTrpcError(subscribe(token), "UNAUTHORIZED", /session has ended/);
    expect((await h.callerFor(other).auth.me()).username).toBe(username); // only that token

    const renewed = await h.callerFor(other).auth.changePassword({
      currentPassword: "correct horse",
      newPassword: "battery staple",
    });
    for (const ended of [other, third]) {
      await expectTrpcError(h.callerFor(ended).auth.me(), "UNAUTHORIZED", /session has ended/);
      await expectTrpcError(subscribe(ended), "UNAUTHORIZED", /session has ended/);
    }

    await subscribe(renewed.token); // remembered too, and then it expires
    h.setNow(new Date(Date.parse(renewed.expiresAt) + 1000));
    try {
      await expectTrpcError(h.callerFor(renewed.token).auth.me(), "UNAUTHORIZED", /expired/);
      await expectTrpcError(subscribe(renewed.token), "UNAUTHORIZED", /expired/);
    } finally {
      h.setNow(null);
    }
  });

  it("refuses a password change without the current password, and changes nothing", async () => {
    const { caller, token } = await h.signUp();
    const before = await h.counts();
    await expectTrpcError(
      caller.auth.changePassword({ currentPassword: "not it", newPassword: "battery staple" }),
      "FORBIDDEN",
      /current password/,
    );
    await expectTrpcError(
      caller.auth.changePassword({ currentPassword: "correct horse", newPassword: "x" }),
      "BAD_REQUEST",
    );
    expect(await h.counts()).toEqual(before);
    expect((await h.callerFor(token).auth.me()).id).toBeGreaterThan(0); // still signed in
  });

  it("purges revocations once their tokens have expired", async () => {
    const { caller } = await h.signUp();
    await caller.auth.logout();
    const later = await h.signUp();
    h.setNow(new Date(Date.now() + 2 * 3600 * 1000));
    const { auth } = await import("../src/services");
    await auth.purgeExpiredRevocations(h.deps);
    h.setNow(null);
    expect((await h.counts()).revoked_tokens).toBe(0);
    expect((await later.caller.auth.me()).id).toBe(later.id);
  });
});
