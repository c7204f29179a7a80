import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { followRoom, httpClient, type ParleyClient, wsClient } from "./clients";
import { type RunningRedis, type RunningServer, startRealtime, startRedis } from "./processes";

const SECRET = "a scaled-mode test secret, 32 bytes or more";

/** Two realtime instances (and their HTTP API) on one PostgreSQL and a Redis of the test's own. */
describe("scaled mode: realtime instances A and B on PostgreSQL and Redis", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let a: RunningServer;
  let b: RunningServer;
  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
    JWT_SECRET: SECRET,
    SESSION_CHECK_MS: "500",
  });
  let shared: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    shared = env();
    [a, b] = await Promise.all([startRealtime(shared), startRealtime({ ...shared, WS_MAX_BUFFERED_BYTES: "65536" })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await database?.dispose();
  });

  async function signUp(server: RunningServer) {
    const anonymous = httpClient(server.url);
    const session = await anonymous.auth.register.mutate({
      username: `u${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    return { ...session, http: httpClient(server.url, session.token) };
  }

  async function roomWith(owner: { http: ParleyClient }, isPrivate = false) {
    return owner.http.rooms.create.mutate({ name: `r-${randomBytes(4).toString("hex")}`, isPrivate });
  }

  it("delivers to a subscriber on B, in order, messages sent over HTTP and over WebSocket on A", async () => {
    const sender = await signUp(a);
    const room = await roomWith(sender);
    const reader = await signUp(a);
    await reader.http.rooms.join.mutate({ roomId: room.id });

    const onB = wsClient(b.url, reader.token);
    const { inbox, stop } = followRoom(onB.client, room.id, String(room.lastSeq + 1));
    const onA = wsClient(a.url, sender.token);
    await sender.http.messages.send.mutate({ roomId: room.id, text: "over http" });
    await onA.client.messages.send.mutate({ roomId: room.id, text: "over websocket" });
    await inbox.waitFor((items) => items.length >= 2, "two messages");
    expect(inbox.items.map((m) => m.body)).toEqual(["over http", "over websocket"]);
    expect(inbox.items.map((m) => m.seq)).toEqual([2, 3]);
    stop();
    onA.ws.close();
    onB.ws.close();
  });

  it("keeps out non-members: no subscription, no replay", async () => {
    const owner = await signUp(a);
    const secret = await roomWith(owner, true);
    await owner.http.messages.send.mutate({ roomId: secret.id, text: "hush" });
    const stranger = await signUp(b);
    const onB = wsClient(b.url, stranger.token);
    const { inbox } = followRoom(onB.client, secret.id, "0");
    await inbox.waitFor(() => inbox.error !== null, "the subscription to fail");
    expect(String(inbox.error)).toMatch(/room was not found/);
    expect(inbox.items).toEqual([]);
    onB.ws.close();
  });

  it("closes a token's sockets on both instances when it logs out", async () => {
    const user = await signUp(a);
    const sockets = await Promise.all(
      [a, b].map(
        (server) =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${user.token}`);
            socket.once("open", () => resolve(socket));
            socket.once("error", reject);
          }),
      ),
    );
    // One answered request each: the connection has authenticated and is watched.
    for (const socket of sockets) {
      socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
      const [answer] = await once(socket, "message");
      expect(String(answer)).toContain(user.user.username);
    }
    const closes = sockets.map((socket) => once(socket, "close").then(([code, reason]) => [code, String(reason)]));
    await user.http.auth.logout.mutate();
    expect(await Promise.all(closes)).toEqual([
      [4401, "token revoked"],
      [4401, "token revoked"],
    ]);
  });
});
