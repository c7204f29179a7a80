import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { schema } from "@parley/db";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient } from "./clients";
import { type RunningRedis, type RunningServer, startRealtime, startRedis } from "./processes";

const SECRET = "an admin-tokens test secret, 32 bytes or more";

/**
 * Issue 18 follow-ups across instances: an administrator on instance A revokes a person's personal
 * access token (one, all, or by resetting their password); the token's sockets open on instance B
 * close at once, by the announcement on the bus (the periodic session check is set far away).
 */
describe("an administrator's token revocations across realtime instances A and B", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: SECRET,
      SESSION_CHECK_MS: "60000", // sockets must close by the announcement, not the periodic check
    };
    [a, b] = await Promise.all([startRealtime(env), startRealtime(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await database?.dispose();
  });

  async function signUp(server: RunningServer) {
    const username = `u${randomBytes(4).toString("hex")}`;
    const session = await httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" });
    return { ...session, username, http: httpClient(server.url, session.token) };
  }

  async function signUpAdmin(server: RunningServer) {
    const admin = await signUp(server);
    await database.handle.db.update(schema.users).set({ role: "admin" }).where(eq(schema.users.id, admin.user.id));
    return admin;
  }

  const wsUrl = (server: RunningServer, path: string) => `${server.url.replace("http", "ws")}${path}`;
  function open(url: string) {
    return new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once("open", () => resolve(socket));
      socket.once("error", reject);
    });
  }
  /** A tRPC socket signed in with `token`, once it has answered a call (so it is watched). */
  async function trpcSocket(server: RunningServer, token: string) {
    const socket = await open(wsUrl(server, `/trpc?token=${token}`));
    socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
    const [answer] = await once(socket, "message");
    return { socket, answer: String(answer) };
  }
  const closed = (socket: WebSocket) => once(socket, "close").then(([code, reason]) => [code, String(reason)]);

  it("closes the revoked token's sockets on the other instance, and only that token's", async () => {
    const admin = await signUpAdmin(a);
    const person = await signUp(b);
    const leaked = await person.http.tokens.create.mutate({ name: "leaked" });
    const kept = await person.http.tokens.create.mutate({ name: "kept" });
    const viaLeaked = await trpcSocket(b, leaked.token);
    expect(viaLeaked.answer).toContain(person.username);
    const seedSocket = await open(wsUrl(b, `/ws?token=${leaked.token}`));
    const viaKept = await trpcSocket(b, kept.token);
    const closes = [closed(viaLeaked.socket), closed(seedSocket)];

    const answer = await admin.http.admin.revokeUserToken.mutate({
      userId: person.user.id,
      tokenId: leaked.accessToken.id,
    });
    expect(answer).toEqual({ revoked: 1 });
    expect(await Promise.all(closes)).toEqual([
      [4401, "token revoked"],
      [4401, "token revoked"],
    ]);
    await expect(httpClient(b.url, leaked.token).auth.me.query()).rejects.toMatchObject({
      data: { code: "UNAUTHORIZED" },
    });
    // The other token and the person's session stay.
    expect(viaKept.socket.readyState).toBe(WebSocket.OPEN);
    expect(await person.http.auth.me.query()).toMatchObject({ id: person.user.id });

    // Revoking every token closes the one left.
    const keptClosed = closed(viaKept.socket);
    expect(await admin.http.admin.revokeUserTokens.mutate({ userId: person.user.id })).toEqual({ revoked: 1 });
    expect(await keptClosed).toEqual([4401, "token revoked"]);
  });

  it("closes a token's socket on the other instance when an administrator resets its owner's password", async () => {
    const admin = await signUpAdmin(b);
    const person = await signUp(a);
    const { token } = await person.http.tokens.create.mutate({ name: "before the reset" });
    const viaToken = await trpcSocket(a, token);
    expect(viaToken.answer).toContain(person.username);
    const tokenClosed = closed(viaToken.socket);
    await admin.http.admin.resetPassword.mutate({ userId: person.user.id, temporaryPassword: "temp-temp" });
    expect(await tokenClosed).toEqual([4401, "token revoked"]);
    await expect(httpClient(a.url, token).auth.me.query()).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });
  });

  it("answers the same over REST: a person's tokens, one revoked once, and a page of bots", async () => {
    const admin = await signUpAdmin(a);
    const person = await signUp(b);
    const { token, accessToken } = await person.http.tokens.create.mutate({ name: "over rest" });
    const rest = (method: string, path: string) =>
      fetch(`${b.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${admin.token}` } });

    const listed = await rest("GET", `/admin/users/${person.user.id}/tokens`);
    expect(listed.status).toBe(200);
    const tokens = (await listed.json()) as { id: number; name: string }[];
    expect(tokens.map((t) => [t.id, t.name])).toEqual([[accessToken.id, "over rest"]]);
    expect(JSON.stringify(tokens)).not.toContain(token.slice(15));

    const first = await rest("DELETE", `/admin/users/${person.user.id}/tokens/${accessToken.id}`);
    expect([first.status, await first.json()]).toEqual([200, { revoked: 1 }]);
    const again = await rest("DELETE", `/admin/users/${person.user.id}/tokens/${accessToken.id}`);
    expect([again.status, await again.json()]).toEqual([200, { revoked: 0 }]);
    const audit = await admin.http.admin.audit.query({ action: "user.token-revoked" });
    expect(audit.items.filter((r) => r.targetId === String(accessToken.id))).toHaveLength(1);
    const all = await rest("DELETE", `/admin/users/${person.user.id}/tokens`);
    expect([all.status, await all.json()]).toEqual([200, { revoked: 0 }]);
    expect((await rest("GET", "/admin/users/2000000000/tokens")).status).toBe(404);
    // A person who is no administrator finds no such route.
    const asMember = await fetch(`${b.url}/api/v1/admin/users/${person.user.id}/tokens`, {
      headers: { authorization: `Bearer ${person.token}` },
    });
    expect(asMember.status).toBe(404);

    const bot = await admin.http.bots.create.mutate({ username: `rest-bot-${randomBytes(3).toString("hex")}` });
    const page = await rest("GET", `/admin/bots/search?search=${bot.username}&limit=5`);
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({
      items: [{ id: bot.id, username: bot.username, createdBy: { id: admin.user.id }, roomCount: 0 }],
      nextCursor: null,
    });
  });
});
