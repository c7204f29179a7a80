import { randomBytes } from "node:crypto";
import { foldName, schema } from "@parley/db";
import { drivers, testRedisUrl } from "@parley/db/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBus } from "../src/bus";
import { createCompatRest } from "../src/compat";
import type { Actor, Deps } from "../src/deps";
import { AppError } from "../src/errors";
import { createLimits, RateLimited, type RateLimits } from "../src/limits";
import { createLogger } from "../src/logger";
import * as auth from "../src/services/auth";
import * as live from "../src/services/live";
import { sendMessage } from "../src/services/messages";
import * as rooms from "../src/services/rooms";
import { createHarness, expectTrpcError, type Harness, NO_LIMITS, readStream } from "./harness";

/**
 * Spellings of one name, each with a distinct suffix per test run: the first is registered, every
 * other must find the same account, and none may be registered again. The cases where
 * JavaScript's toLowerCase and SQL's lower() disagree, and where NFC and NFD differ.
 */
const SAME_NAMES: [string, ...string[]][] = [
  ["İnci7", "İNCI7", "İnCi7"], // Turkish dotted capital I: folds to i + combining dot
  ["ınci7", "ınCI7"], // dotless i: its own letter, not "inci7"
  ["x7ΟΔΟΣ", "x7οδος", "x7οδοσ", "X7ΟΔΟσ"], // final sigma
  ["Straße7", "STRASSE7", "strasse7", "STRAẞE7"], // sharp s
  ["Café7", "cafe\u03017", "CAFÉ7", "CAFE\u03017"], // composed and decomposed accent
];

describe.each(drivers)("one folding rule for names on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it.each(SAME_NAMES)(
    "%s is one account by every spelling: login, direct.open, invites, search; taken by every spelling",
    async (first, ...others) => {
      const session = await h.anonymous.auth.register({ username: first, password: "correct horse" });
      expect(session.user.username).toBe(first.normalize("NFC")); // kept as typed, in its composed spelling
      const owner = await h.signUp();
      const room = await owner.caller.rooms.create({ name: `r${randomBytes(4).toString("hex")}`, isPrivate: true });
      for (const spelling of [first, ...others]) {
        const login = await h.anonymous.auth.login({ login: spelling, password: "correct horse" });
        expect(login.user.id, `login as ${spelling}`).toBe(session.user.id);
        const opened = await owner.caller.direct.open({ user: { username: spelling } });
        expect(opened.peer.id, `direct.open with ${spelling}`).toBe(session.user.id);
        const invited = await owner.caller.invites.create({ roomId: room.id, user: { username: spelling } });
        expect(invited.user.id, `invite ${spelling}`).toBe(session.user.id);
        const found = await owner.caller.users.list({ search: spelling, limit: 10 });
        expect(
          found.items.map((u) => u.id),
          `search ${spelling}`,
        ).toContain(session.user.id);
      }
      for (const spelling of [first, ...others]) {
        await expectTrpcError(
          h.anonymous.auth.register({ username: spelling, password: "correct horse" }),
          "CONFLICT",
          /username is taken/,
        );
        await expectTrpcError(owner.caller.profile.rename({ username: spelling }), "CONFLICT", /username is taken/);
      }
    },
  );

  it("keeps dotless ı, dotted İ and plain i apart, as Unicode's default case folding does", async () => {
    const plain = await h.anonymous.auth.register({ username: "inci8", password: "correct horse" });
    const dotted = await h.anonymous.auth.register({ username: "İnci8", password: "other horse" });
    const dotless = await h.anonymous.auth.register({ username: "ınci8", password: "third horse" });
    expect(new Set([plain.user.id, dotted.user.id, dotless.user.id]).size).toBe(3);
    expect((await h.anonymous.auth.login({ login: "INCI8", password: "correct horse" })).user.id).toBe(plain.user.id);
    // İ is i with a dot above, however it is typed.
    expect((await h.anonymous.auth.login({ login: "i\u0307nci8", password: "other horse" })).user.id).toBe(
      dotted.user.id,
    );
  });

  it("finds e-mail addresses by the same rule, and refuses one taken in another spelling", async () => {
    const tag = randomBytes(3).toString("hex");
    const session = await h.anonymous.auth.register({
      username: `mail${tag}`,
      password: "correct horse",
      email: `STRASSE.${tag}@Example.org`,
    });
    for (const login of [`straße.${tag}@example.org`, `Strasse.${tag}@EXAMPLE.ORG`]) {
      expect((await h.anonymous.auth.login({ login, password: "correct horse" })).user.id).toBe(session.user.id);
    }
    await expectTrpcError(
      h.anonymous.auth.register({ username: `other${tag}`, password: "x-horse", email: `strasse.${tag}@example.ORG` }),
      "CONFLICT",
      /e-mail address is already registered/,
    );
  });

  it.each([
    ["Straße room", "STRASSE ROOM"],
    ["Café room", "cafe\u0301 room"],
    ["ΟΔΟΣ room", "οδοσ room"],
  ])("refuses room %s again as %s, and finds it by either in search", async (name, other) => {
    const { caller } = await h.signUp();
    const room = await caller.rooms.create({ name });
    expect(room.name).toBe(name.normalize("NFC"));
    await expectTrpcError(caller.rooms.create({ name: other }), "CONFLICT", /already exists/);
    const found = await caller.rooms.public({ search: other, limit: 10 });
    expect(found.items.map((r) => r.id)).toContain(room.id);
  });

  it.each(["System", "ＳＹＳＴＥＭ", "ſystem", "ERROR", "ｅrror", "room", "Room", "ＲＯＯＭ"])(
    "reserves the notice senders' names and @room's in every spelling: %s",
    async (name) => {
      const before = await h.counts();
      await expectTrpcError(
        h.anonymous.auth.register({ username: name, password: "correct horse" }),
        "CONFLICT",
        /reserved/,
      );
      const { caller } = await h.signUp();
      const after = await h.counts();
      await expectTrpcError(caller.profile.rename({ username: name }), "CONFLICT", /reserved/);
      expect(await h.counts()).toEqual(after);
      expect(after.users).toBe((before.users ?? 0) + 1);
    },
  );

  it("the REST paths that take names use the same rule: /register, /login, /change-name", async () => {
    const app = createCompatRest(h.deps, createLogger("test", "silent"));
    const call = (method: string, path: string, body: unknown, token?: string) =>
      app.request(path, {
        method,
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    const registered = await call("POST", "/register", { username: "x9ΟΔΟΣ", password: "correct horse" });
    expect(registered.status).toBe(200);
    const { token } = (await registered.json()) as { token: string };
    for (const username of ["x9ΟΔΟΣ", "x9οδος", "X9ΟΔΟσ"]) {
      expect((await call("PUT", "/login", { username, password: "correct horse" })).status, username).toBe(200);
    }
    const again = await call("POST", "/register", { username: "x9οδοσ", password: "correct horse" });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toMatch(/username is taken/);
    const reserved = await call("PUT", "/change-name", { username: "ＳＹＳＴＥＭ" }, token);
    expect(reserved.status).toBe(409);
    const renamed = await call("PUT", "/change-name", { username: "İnci9" }, token);
    expect(renamed.status).toBe(200);
    expect((await call("PUT", "/login", { username: "İnci9", password: "correct horse" })).status).toBe(200);
  });
});

describe.each(drivers)("the lobby, found by what no user can choose, on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it("is Parley's own public room even when a private room named Lobby exists first, and no user can make another", async () => {
    const { caller, id } = await h.signUp();
    // The state today's code lets a user reach (and a database upgraded from it can hold).
    const [impostor] = await h.deps.db
      .insert(schema.rooms)
      .values({ kind: "room", name: "Lobby", nameKey: foldName("Lobby"), isPrivate: true, ownerId: id })
      .returning();
    const lobby = await rooms.ensureBuiltinRoom(h.deps, "lobby");
    expect(lobby.id).not.toBe(impostor?.id);
    expect(lobby.isPrivate).toBe(false);
    expect((await rooms.ensureBuiltinRoom(h.deps, "lobby")).id).toBe(lobby.id);
    for (const name of ["Lobby", "LOBBY", "ｌｏｂｂｙ", "lobby"]) {
      await expectTrpcError(caller.rooms.create({ name, isPrivate: true }), "CONFLICT", /Parley's own/);
    }
  });

  it("is created once by many sockets at once", async () => {
    const made = await Promise.all(Array.from({ length: 20 }, () => rooms.ensureBuiltinRoom(h.deps, "lobby")));
    expect(new Set(made.map((r) => r.id)).size).toBe(1);
  });

  it("no listener without a token hears a private room or a direct conversation, whatever id it is given", async () => {
    const a = await h.signUp();
    const b = await h.signUp();
    const secret = await a.caller.rooms.create({ name: `secret ${randomBytes(3).toString("hex")}`, isPrivate: true });
    const conversation = await a.caller.direct.open({ user: { userId: b.id } });
    for (const roomId of [secret.id, conversation.room.id]) {
      const error = await live.listenToPublicRoom(h.deps, roomId, new AbortController().signal).catch((e) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("NOT_FOUND");
    }
    // A public room is heard.
    const open = await a.caller.rooms.create({ name: `open ${randomBytes(3).toString("hex")}` });
    const stop = new AbortController();
    const heard = await live.listenToPublicRoom(h.deps, open.id, stop.signal);
    const first = heard[Symbol.asyncIterator]().next();
    await a.caller.messages.send({ roomId: open.id, text: "hello" });
    expect((await first).value?.body).toBe("hello");
    stop.abort();
  });

  it("never hands a tokenless listener a deleted message's text, even when the message's publish comes after its deletion's", async () => {
    const a = await h.signUp();
    const open = await a.caller.rooms.create({ name: `late ${randomBytes(3).toString("hex")}` });
    const listen = new AbortController();
    const heard = await readStream(live.listenToPublicRoom(h.deps, open.id, listen.signal));
    // A send whose publish is slow: its deletion is announced first, and its own event arrives after.
    const deaf: Deps = { ...h.deps, bus: createMemoryBus() };
    const actor: Actor = {
      userId: a.id,
      username: a.username,
      displayName: null,
      jti: randomBytes(4).toString("hex"),
      tokenExpiresAt: new Date(Date.now() + 3_600_000),
      tokenIssuedAt: new Date(),
      role: "member" as const,
      isBot: false,
    };
    const sent = await sendMessage(deaf, actor, { roomId: open.id, text: "take this back" });
    const deletion = await h.listen(`room:${open.id}`);
    await a.caller.messages.delete({ messageId: sent.id });
    deletion.stop();
    const [deleted] = deletion.events;
    expect(deleted).toMatchObject({ type: "room.change", change: "deleted" });
    await h.deps.bus.publish({ type: "room.message", roomId: open.id, seq: sent.seq, message: sent });
    // What is heard next is the message after both: nothing of the late copy came before it.
    await a.caller.messages.send({ roomId: open.id, text: "after" });
    const [next] = await heard.next(1);
    expect(next?.body).toBe("after");
    expect(heard.items.map((m) => m.body)).toEqual(["after"]);
    listen.abort();
  });
});

describe.each(drivers)("password checks counted in flight, on two runtimes sharing Redis, on %s", (driver) => {
  const rates: RateLimits = { ...NO_LIMITS, loginPerAccount: { points: 10, seconds: 900 } };
  let h: Harness;
  const redises: Redis[] = [];
  let instances: Deps[];
  beforeAll(async () => {
    h = await createHarness(driver);
    const prefix = `t${randomBytes(4).toString("hex")}:`;
    instances = [0, 1].map(() => {
      const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: 0 });
      redises.push(redis);
      return { ...h.deps, limits: createLimits(rates, { redis, prefix }) };
    });
  });
  afterAll(async () => {
    for (const redis of redises) redis.disconnect();
    await h?.dispose();
  });

  /** 60 wrong guesses at once, half on each instance: what each was answered. */
  async function guess(login: string, password: string, count = 60) {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        auth.login(instances[i % 2] as Deps, { login, password }, { address: null }).then(
          () => "ok" as const,
          (error: unknown) => error,
        ),
      ),
    );
    const refused = answers.filter((a): a is RateLimited => a instanceof RateLimited);
    const checked = answers.filter((a) => a instanceof AppError && a.code === "UNAUTHENTICATED");
    return { answers, refused, checked };
  }

  it.each([1, 2, 3, 4, 5])(
    "trial %i: of 60 concurrent wrong logins, at most 10 are checked and the rest answered 429 with a wait",
    async () => {
      const { username } = await h.signUp();
      const { refused, checked, answers } = await guess(username, "wrong horse");
      expect(checked.length).toBeLessThanOrEqual(10);
      expect(refused.length).toBeGreaterThanOrEqual(50);
      expect(refused.length + checked.length).toBe(answers.length);
      for (const r of refused) {
        expect(r.code).toBe("TOO_MANY");
        expect(r.retryAfterSeconds).toBeGreaterThan(0);
      }
      // The right password is refused as well now: the limit is on checks, not on wrong answers.
      await expect(
        auth.login(instances[0] as Deps, { login: username, password: "correct horse" }, { address: null }),
      ).rejects.toBeInstanceOf(RateLimited);
    },
  );

  it("counts concurrent checks of the current password in changePassword too", async () => {
    const { token } = await h.signUp();
    const actor = await auth.authenticate(h.deps, token);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        auth
          .changePassword(instances[i % 2] as Deps, actor, { currentPassword: "wrong horse", newPassword: "new horse" })
          .catch((error: unknown) => error),
      ),
    );
    expect(answers.filter((a) => a instanceof RateLimited).length).toBeGreaterThanOrEqual(20);
    expect(answers.filter((a) => a instanceof AppError && a.code === "FORBIDDEN").length).toBeLessThanOrEqual(10);
  });

  it("lets the right password in after failures below the limit, and forgets them", async () => {
    const { username } = await h.signUp();
    const { checked } = await guess(username, "wrong horse", 9);
    expect(checked).toHaveLength(9);
    const session = await auth.login(
      instances[1] as Deps,
      { login: username, password: "correct horse" },
      { address: null },
    );
    expect(session.user.username).toBe(username);
    expect((await guess(username, "wrong horse", 9)).checked).toHaveLength(9);
  });
});
