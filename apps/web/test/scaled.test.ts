import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { AppRouter } from "@parley/api";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import {
  type RunningRedis,
  type RunningServer,
  startRealtime,
  startRedis,
  startServer,
} from "@parley/realtime/testing";
import { createTRPCClient, createWSClient, httpLink, wsLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

const SECRET = "a three-process test secret, 32 bytes or more";

/**
 * The scaled topology: one web process (pages and tRPC over HTTP, no WebSockets) and two realtime
 * instances, all on one PostgreSQL and a Redis of the test's own.
 */
describe("scaled mode: a web process and realtime instances A and B", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let web: RunningServer;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: SECRET,
      SESSION_CHECK_MS: "500",
    };
    [web, a, b] = await Promise.all([
      startServer("apps/web/server.ts", { ...shared, PORT: "0", HOST: "127.0.0.1", WEB_WEBSOCKET: "off" }),
      startRealtime(shared),
      startRealtime(shared),
    ]);
  });
  afterAll(async () => {
    await Promise.all([web?.stop(), a?.stop(), b?.stop()]);
    await redis?.stop();
    await database?.dispose();
  });

  const http = (token?: string) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${web.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
    });
  const ws = (server: RunningServer, token: string) => {
    const client = createWSClient({
      url: `${server.url.replace("http", "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token },
    });
    return { trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client })] }), close: () => client.close() };
  };
  const signUp = async () => {
    const session = await http().auth.register.mutate({
      username: `u${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    return { ...session, http: http(session.token) };
  };

  it("delivers to a subscriber on B, in order, a message sent over HTTP on the web process and one over WebSocket on A", async () => {
    const sender = await signUp();
    const reader = await signUp();
    const room = await sender.http.rooms.create.mutate({ name: `three-${randomBytes(3).toString("hex")}` });
    await reader.http.rooms.join.mutate({ roomId: room.id });

    const onB = ws(b, reader.token);
    const received: { seq: number; body: string }[] = [];
    const gotTwo = new Promise<void>((resolve, reject) => {
      onB.trpc.events.room.subscribe(
        { roomId: room.id, lastEventId: "1" },
        {
          onData: ({ data }) => {
            if (data.type !== "message") return;
            received.push({ seq: data.message.seq, body: data.message.body });
            if (received.length === 2) resolve();
          },
          onError: reject,
        },
      );
    });
    const onA = ws(a, sender.token);
    await sender.http.messages.send.mutate({ roomId: room.id, text: "through the web process" });
    await onA.trpc.messages.send.mutate({ roomId: room.id, text: "through instance A" });
    await gotTwo;
    expect(received).toEqual([
      { seq: 2, body: "through the web process" },
      { seq: 3, body: "through instance A" },
    ]);
    onA.close();
    onB.close();
  });

  it("closes the token's sockets on both realtime instances when it logs out through the web process", async () => {
    const user = await signUp();
    const sockets = await Promise.all(
      [a, b].map(async (server) => {
        const socket = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${user.token}`);
        await once(socket, "open");
        socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
        await once(socket, "message"); // answered: authenticated and watched
        return socket;
      }),
    );
    const closes = sockets.map((socket) => once(socket, "close").then(([code]) => code));
    await user.http.auth.logout.mutate();
    expect(await Promise.all(closes)).toEqual([4401, 4401]);
  });
});
