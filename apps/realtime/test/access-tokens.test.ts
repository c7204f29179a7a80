import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient, wsClient } from "./clients";
import { type RunningRedis, type RunningServer, startRealtime, startRedis } from "./processes";

const SECRET = "an access-token test secret, 32 bytes or more";

/**
 * Personal access tokens over every transport, on two instances A and B of one PostgreSQL and
 * Redis, and on C, which shares the database but not the bus (another Redis prefix): what C learns
 * of a revocation, it learns from its periodic check of the database.
 */
describe("personal access tokens over HTTP, the seed REST and WebSockets, across instances", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let a: RunningServer;
  let b: RunningServer;
  let c: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: SECRET,
      SESSION_CHECK_MS: "60000", // a revocation must close sockets by its announcement on A and B
    };
    [a, b, c] = await Promise.all([
      startRealtime(shared),
      startRealtime(shared),
      startRealtime({ ...shared, REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`, SESSION_CHECK_MS: "200" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    await redis?.stop();
    await database?.dispose();
  });

  async function ownerWithToken(expiresAt?: string) {
    const session = await httpClient(a.url).auth.register.mutate({
      username: `u${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    const http = httpClient(a.url, session.token);
    const created = await http.tokens.create.mutate({ name: "script", ...(expiresAt ? { expiresAt } : {}) });
    return { ...session, http, pat: created.token, tokenId: created.accessToken.id };
  }

  const wsUrl = (server: RunningServer, path: string) => `${server.url.replace("http", "ws")}${path}`;
  function open(url: string) {
    return new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once("open", () => resolve(socket));
      socket.once("error", reject);
    });
  }
  async function answered(socket: WebSocket) {
    socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
    const [answer] = await once(socket, "message");
    return String(answer);
  }
  /** A seed socket with a bad token is refused at the upgrade: its HTTP status. */
  async function refusedStatus(url: string) {
    const [, response] = await once(new WebSocket(url), "unexpected-response");
    return (response as { statusCode: number }).statusCode;
  }
  /** A tRPC socket signs in once open: a bad token gets an UNAUTHORIZED answer, then the socket closes. */
  async function refusedOverTrpc(url: string) {
    const socket = new WebSocket(url);
    const [answer] = await once(socket, "message");
    await once(socket, "close");
    return JSON.parse(String(answer)).error?.data?.code;
  }
  const closed = (socket: WebSocket) => once(socket, "close").then(([code, reason]) => [code, String(reason)]);

  it("works over tRPC HTTP, the seed REST, tRPC and seed sockets, and dies everywhere at once on revoke", async () => {
    const owner = await ownerWithToken();
    const name = owner.user.username;

    expect(await httpClient(b.url, owner.pat).auth.me.query()).toMatchObject({ id: owner.user.id, isBot: false });
    for (const authorization of [owner.pat, `Bearer ${owner.pat}`]) {
      const profile = await fetch(`${b.url}/profile`, { headers: { authorization } });
      expect(profile.status).toBe(200);
      expect(await profile.text()).toContain(name);
    }

    const trpcOnA = await open(wsUrl(a, `/trpc?token=${owner.pat}`));
    expect(await answered(trpcOnA)).toContain(name);
    const seedOnB = await open(wsUrl(b, `/ws?token=${owner.pat}`));
    let paramsClosed: (code: number | undefined) => void = () => {};
    const paramsCloseCode = new Promise<number | undefined>((resolve) => {
      paramsClosed = resolve;
    });
    const byParams = wsClient(b.url, owner.pat, { onClose: (cause) => paramsClosed(cause?.code) });
    expect(await byParams.client.auth.me.query()).toMatchObject({ id: owner.user.id });

    const closes = [closed(trpcOnA), closed(seedOnB)];
    await owner.http.tokens.revoke.mutate({ tokenId: owner.tokenId });
    expect(await Promise.all(closes)).toEqual([
      [4401, "token revoked"],
      [4401, "token revoked"],
    ]);
    expect(await paramsCloseCode).toBe(4401);
    byParams.ws.close();

    // And nothing takes it any more, on either instance.
    expect(await refusedOverTrpc(wsUrl(b, `/trpc?token=${owner.pat}`))).toBe("UNAUTHORIZED");
    expect(await refusedStatus(wsUrl(a, `/ws?token=${owner.pat}`))).toBe(401);
    await expect(httpClient(a.url, owner.pat).auth.me.query()).rejects.toMatchObject({
      data: { code: "UNAUTHORIZED" },
    });
    expect((await fetch(`${b.url}/profile`, { headers: { authorization: owner.pat } })).status).toBe(401);
    // The owner's own session is untouched.
    expect(await owner.http.auth.me.query()).toMatchObject({ id: owner.user.id });
  });

  it("closes a token's socket on an instance that missed the announcement, and at the token's expiry", async () => {
    const owner = await ownerWithToken();
    const onC = await open(wsUrl(c, `/trpc?token=${owner.pat}`));
    expect(await answered(onC)).toContain(owner.user.username);
    const revokedClose = closed(onC);
    await owner.http.tokens.revoke.mutate({ tokenId: owner.tokenId }); // announced on A's bus, not C's
    expect(await revokedClose).toEqual([4401, "token revoked"]);

    const expiring = await ownerWithToken(new Date(Date.now() + 2000).toISOString());
    const shortLived = await open(wsUrl(c, `/trpc?token=${expiring.pat}`));
    expect(await answered(shortLived)).toContain(expiring.user.username);
    expect(await closed(shortLived)).toEqual([4401, "token expired"]);
    expect(await refusedOverTrpc(wsUrl(c, `/trpc?token=${expiring.pat}`))).toBe("UNAUTHORIZED");
  });

  it("survives its owner's password change, while the old session's socket closes", async () => {
    const owner = await ownerWithToken();
    const session = await open(wsUrl(b, `/trpc?token=${owner.token}`));
    const viaToken = await open(wsUrl(b, `/trpc?token=${owner.pat}`));
    expect(await answered(session)).toContain(owner.user.username);
    expect(await answered(viaToken)).toContain(owner.user.username);
    const sessionClosed = closed(session);
    await owner.http.auth.changePassword.mutate({ currentPassword: "pw-pw-pw", newPassword: "new-pw-pw" });
    expect(await sessionClosed).toEqual([4401, "password changed"]);
    expect(viaToken.readyState).toBe(WebSocket.OPEN);
    expect(await answered(viaToken)).toContain(owner.user.username);
    viaToken.close();
  });
});
