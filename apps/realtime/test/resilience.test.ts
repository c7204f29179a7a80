import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, type TestDatabase, testRedisUrl } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { followRoom, httpClient, Inbox, untilStreamFollows, wsClient } from "./clients";
import {
  type RunningPostgres,
  type RunningRedis,
  type RunningServer,
  startPostgres,
  startRealtime,
  startRedis,
} from "./processes";

const SECRET = "a resilience test secret, 32 bytes or more";

async function signUp(server: RunningServer) {
  const session = await httpClient(server.url).auth.register.mutate({
    username: `u${randomBytes(4).toString("hex")}`,
    password: "pw-pw-pw",
  });
  return { ...session, http: httpClient(server.url, session.token) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("surviving faults: a killed instance, a restarted Redis, a client that stops reading", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let shared: Record<string, string>;
  const servers: RunningServer[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const server = await startRealtime({ ...shared, ...extra });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: SECRET,
    };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await redis?.stop();
    await database?.dispose();
  });

  it("resumes on A, with every message exactly once and in order, after B is killed mid-stream", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const sender = await signUp(a);
    const room = await sender.http.rooms.create.mutate({ name: `kill-${randomBytes(3).toString("hex")}` });
    const reader = await signUp(a);
    await reader.http.rooms.join.mutate({ roomId: room.id }); // seq 1
    let target = b.url;
    const live = wsClient(() => target, reader.token);
    const { inbox, stop } = followRoom(live.client, room.id, "1");

    const total = 500;
    let killed = false;
    for (let i = 1; i <= total; i++) {
      await sender.http.messages.send.mutate({ roomId: room.id, text: `m${i}` });
      if (i === 150) {
        await inbox.waitFor((items) => items.length >= 100, "the first messages on B");
        b.process.kill("SIGKILL");
        target = a.url; // the client's next connection goes to A, with its lastEventId
        killed = true;
      }
    }
    expect(killed).toBe(true);
    await inbox.waitFor((items) => items.length >= total, `all ${total} messages`, 60_000);
    expect(inbox.items.map((m) => m.seq)).toEqual(range(2, total + 1));
    expect(inbox.items.map((m) => m.body)).toEqual(range(1, total).map((i) => `m${i}`));
    stop();
    live.ws.close();
  });

  it("loses nothing when Redis restarts in the middle of a send loop", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const sender = await signUp(a);
    const room = await sender.http.rooms.create.mutate({ name: `redis-${randomBytes(3).toString("hex")}` });
    const readers = await Promise.all([signUp(a), signUp(b)]);
    const follows = [];
    for (const [i, reader] of readers.entries()) {
      await reader.http.rooms.join.mutate({ roomId: room.id });
      const client = wsClient([a, b][i]?.url ?? a.url, reader.token).client;
      follows.push(followRoom(client, room.id, String(room.lastSeq)));
    }
    const lastSeq = (await sender.http.rooms.get.query({ roomId: room.id })).lastSeq;
    const total = 120;
    for (let i = 1; i <= total; i++) {
      await sender.http.messages.send.mutate({ roomId: room.id, text: `r${i}` });
      if (i === 40) await redis.restart();
    }
    for (const { inbox } of follows) {
      await inbox.waitFor(
        (items) => items.filter((m) => m.body.startsWith("r")).length >= total,
        `all ${total} messages after the restart`,
        60_000,
      );
      const texts = inbox.items.filter((m) => m.seq > lastSeq).map((m) => m.body);
      expect(texts).toEqual(range(1, total).map((i) => `r${i}`));
      const seqs = inbox.items.map((m) => m.seq);
      expect(
        seqs.filter((seq, i) => seqs.indexOf(seq) !== i),
        "seqs delivered twice",
      ).toEqual([]);
    }
    for (const f of follows) f.stop();
  });

  it("loses no room activity in a user's own stream when Redis restarts", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const sender = await signUp(a);
    const room = await sender.http.rooms.create.mutate({ name: `mine-${randomBytes(3).toString("hex")}` });
    const reader = await signUp(b);
    await reader.http.rooms.join.mutate({ roomId: room.id }); // seq 1
    const events = new Inbox<string>();
    const activity = new Inbox<number>();
    const subscription = wsClient(b.url, reader.token).client.events.mine.subscribe(undefined, {
      onData: (event) => {
        events.push(event.type);
        if (event.type === "room.activity" && event.roomId === room.id) activity.push(event.seq);
      },
      onError: activity.fail,
    });
    await untilStreamFollows(reader.http, events, (type) => type === "user.profile");

    const total = 120;
    for (let i = 1; i <= total; i++) {
      await sender.http.messages.send.mutate({ roomId: room.id, text: `r${i}` });
      if (i === 40) await redis.restart();
    }
    await activity.waitFor((seqs) => seqs.includes(total + 1), `activity up to seq ${total + 1}`, 60_000);
    expect(activity.items).toEqual(range(2, total + 1)); // each once, in order, none lost
    subscription.unsubscribe();
  });

  it("cuts off a client that stops reading, while a normal client in the room keeps receiving", async () => {
    const b = await start({ WS_MAX_BUFFERED_BYTES: "65536" });
    const sender = await signUp(b);
    const room = await sender.http.rooms.create.mutate({ name: `slow-${randomBytes(3).toString("hex")}` });
    const [slow, normal] = await Promise.all([signUp(b), signUp(b)]);
    await slow.http.rooms.join.mutate({ roomId: room.id });
    await normal.http.rooms.join.mutate({ roomId: room.id });
    const from = (await sender.http.rooms.get.query({ roomId: room.id })).lastSeq;

    const normalClient = wsClient(b.url, normal.token).client;
    const { inbox } = followRoom(normalClient, room.id, String(from));

    const socket = new WebSocket(`${b.url.replace("http", "ws")}/trpc?token=${slow.token}`);
    await once(socket, "open");
    socket.send(
      JSON.stringify({ id: 1, method: "subscription", params: { path: "events.room", input: { roomId: room.id } } }),
    );
    await once(socket, "message"); // the subscription has started
    const closed = once(socket, "close");
    // Stop reading: the kernel buffers fill, then the server's send queue for this client grows.
    socket.pause(); // ws's pause: the client stops reading its TCP socket

    const text = "x".repeat(3990);
    const total = 1500;
    for (let i = 0; i < total; i += 50) {
      await Promise.all(
        range(i + 1, Math.min(i + 50, total)).map((n) =>
          sender.http.messages.send.mutate({ roomId: room.id, text: `${n} ${text}` }),
        ),
      );
    }
    await inbox.waitFor((items) => items.length >= total, `all ${total} messages for the normal client`, 60_000);
    expect(new Set(inbox.items.map((m) => m.seq)).size).toBe(total);
    expect(b.output()).toContain("cutting off a client that stopped reading");

    socket.resume();
    const [code] = await closed;
    expect([4408, 1006]).toContain(code); // 4408 when the close frame got through, 1006 when it could not
  });
});

describe("surviving a PostgreSQL restart under load, on two instances", () => {
  let postgres: RunningPostgres;
  let server: RunningServer;
  let other: RunningServer;
  beforeAll(async () => {
    postgres = await startPostgres();
    const env = {
      DATABASE_URL: postgres.url,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: SECRET,
    };
    [server, other] = await Promise.all([startRealtime(env), startRealtime(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), other?.stop()]);
    await postgres?.stop();
  });

  it("answers sends cleanly with 'unavailable' while it is down, and stores each retried one once, in order", async () => {
    const sender = await signUp(server);
    const room = await sender.http.rooms.create.mutate({ name: `pg-restart-${randomBytes(3).toString("hex")}` });
    const reader = await signUp(other);
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const { lastSeq } = await sender.http.rooms.get.query({ roomId: room.id });
    // A follower on each instance: both must end with every acknowledged message once, in order.
    const followers = [wsClient(server.url, sender.token), wsClient(other.url, reader.token)].map((live) => ({
      live,
      ...followRoom(live.client, room.id, String(lastSeq)),
    }));

    const refusals: string[] = [];
    let restarted: Promise<void> | undefined;
    let restartDone = false;
    // At least 80 sends, and on (to at most 100, one page of history) until one met the outage or the restart ended, so that a fast
    // sender cannot finish before the database goes down.
    let total = 0;
    for (let n = 1; n <= 80 || (refusals.length === 0 && !restartDone && n <= 100); n++) {
      total = n;
      if (n === 20)
        restarted = postgres.restart().then(() => {
          restartDone = true;
        }); // under load: the sends go on meanwhile
      for (;;) {
        try {
          await sender.http.messages.send.mutate({ roomId: room.id, text: `m${n}`, clientId: `pg-${n}` });
          break;
        } catch (error) {
          refusals.push(`${(error as { data?: { code?: string } }).data?.code}: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 50)); // then retry, as a client would
        }
      }
    }
    await restarted;

    // It was down while sends came in, and each was refused in words, never as an internal error.
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal).toMatch(/^SERVICE_UNAVAILABLE: the database did not answer/);

    const history = await sender.http.history.list.query({ roomId: room.id, after: lastSeq, limit: 100 });
    expect(history.items.map((m) => m.body)).toEqual(range(1, total).map((n) => `m${n}`));
    expect(history.items.map((m) => m.seq)).toEqual(range(lastSeq + 1, lastSeq + total));
    for (const { inbox, stop, live } of followers) {
      await inbox.waitFor((items) => items.length >= total, `all ${total} messages`, 30_000);
      expect(inbox.items.map((m) => m.seq)).toEqual(range(lastSeq + 1, lastSeq + total));
      expect(inbox.items.map((m) => m.body)).toEqual(range(1, total).map((n) => `m${n}`));
      stop();
      live.ws.close();
    }
  });
});
