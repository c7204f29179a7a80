import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { schema } from "@parley/db";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { TRPCClientError } from "@trpc/client";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient } from "./clients";
import { type RunningRedis, type RunningServer, startRealtime, startRedis } from "./processes";

const SECRET = "an administration test secret, 32 bytes or more";

/**
 * Issue 18, administration across instances: an administrator on instance A disables (or deletes)
 * an account whose socket is open on instance B; B closes it at once, by the announcement on the
 * bus (the periodic session check is set far away), and the account cannot sign in again.
 */
describe("administration across realtime instances A and B", () => {
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

  /** A socket on `server` signed in with `token`, once it has answered a call (so it is watched). */
  async function openSocket(server: RunningServer, token: string) {
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${token}`);
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
    socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
    const [answer] = await once(socket, "message");
    return { socket, answer: String(answer) };
  }

  async function failure(promise: Promise<unknown>) {
    const error = await promise.then(
      () => new Error("expected a failure"),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCClientError);
    const { data, message } = error as { data?: { code?: string }; message: string };
    return { code: data?.code, message };
  }

  it("closes a disabled account's open socket on the other instance, and refuses its sign-in", async () => {
    const admin = await signUpAdmin(a);
    const user = await signUp(b);
    const { socket, answer } = await openSocket(b, user.token);
    expect(answer).toContain(user.username);
    const closed = once(socket, "close").then(([code, reason]) => [code, String(reason)]);

    await admin.http.admin.disableUser.mutate({ userId: user.user.id });
    expect(await closed).toEqual([4401, "account disabled"]);

    expect(await failure(httpClient(b.url).auth.login.mutate({ login: user.username, password: "pw-pw-pw" }))).toEqual({
      code: "FORBIDDEN",
      message: "this account is disabled",
    });
    expect((await failure(user.http.rooms.mine.query())).code).toBe("UNAUTHORIZED");
    const audit = await admin.http.admin.audit.query({ action: "user.disabled" });
    expect(audit.items[0]).toMatchObject({ targetId: String(user.user.id), actor: { id: admin.user.id } });

    // Enabled again, it signs in (on either instance) with a session that works.
    await admin.http.admin.enableUser.mutate({ userId: user.user.id });
    const again = await httpClient(b.url).auth.login.mutate({ login: user.username, password: "pw-pw-pw" });
    const fresh = await openSocket(a, again.token);
    expect(fresh.answer).toContain(user.username);
    fresh.socket.close();
  });

  it("closes a deleted account's socket on the other instance; a non-administrator gets NOT_FOUND", async () => {
    const admin = await signUpAdmin(b);
    const user = await signUp(a);
    expect((await failure(user.http.admin.deleteUser.mutate({ userId: admin.user.id }))).code).toBe("NOT_FOUND");
    const { socket } = await openSocket(a, user.token);
    const closed = once(socket, "close").then(([code, reason]) => [code, String(reason)]);
    await admin.http.admin.deleteUser.mutate({ userId: user.user.id });
    expect(await closed).toEqual([4401, "account deleted"]);
    expect(
      (await failure(httpClient(a.url).auth.login.mutate({ login: user.username, password: "pw-pw-pw" }))).code,
    ).toBe("UNAUTHORIZED");
  });
});
