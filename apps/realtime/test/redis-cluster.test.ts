import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followRoom, httpClient, wsClient } from "./clients";
import { presenceAcrossInstances } from "./presence-round";
import { type RunningServer, signUpOn, startRealtime } from "./processes";
import { type RunningRedisCluster, startRedisCluster } from "./redis-cluster";

const SECRET = "a redis-cluster test secret, 32 bytes or more";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Two realtime instances (and more where a test kills one) on a three-master Redis Cluster. */
describe("Redis Cluster: instances on a three-master cluster, sharded pub/sub", () => {
  let database: TestDatabase;
  let cluster: RunningRedisCluster;
  let shared: Record<string, string>;
  let prefix: string;
  let a: RunningServer;
  let b: RunningServer;
  const servers: RunningServer[] = [];
  const start = async (extra: Record<string, string> = {}) => {
    const server = await startRealtime({ ...shared, ...extra });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    [database, cluster] = await Promise.all([createTestDatabase("postgres"), startRedisCluster(3)]);
    prefix = `t${randomBytes(4).toString("hex")}:`;
    shared = {
      DATABASE_URL: database.url,
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_PREFIX: prefix,
      JWT_SECRET: SECRET,
      LIMIT_SEARCHES_PER_USER: "3/1h", // counted in the cluster, across instances
    };
    [a, b] = await Promise.all([start(), start()]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await cluster?.stop();
    await database?.dispose();
  });

  it("refuses to start with both REDIS_URL and REDIS_CLUSTER_NODES, saying so", async () => {
    const refused = await startRealtime({ ...shared, REDIS_URL: "redis://127.0.0.1:6379" }).catch((e: Error) => e);
    expect(String(refused)).toMatch(/REDIS_URL and REDIS_CLUSTER_NODES are both set/);
  });

  it("fans out rooms on every master from A to subscribers on B, in order, each channel sharded on its slot's master", async () => {
    const sender = await signUpOn(a);
    const reader = await signUpOn(b);
    // Enough rooms that their channels land on every master.
    const rooms = [];
    const owners = new Set<number>();
    while (owners.size < cluster.ports.length || rooms.length < 6) {
      const room = await sender.http.rooms.create.mutate({ name: `c-${randomBytes(4).toString("hex")}` });
      await reader.http.rooms.join.mutate({ roomId: room.id });
      rooms.push(room);
      owners.add(await cluster.masterOf(`${prefix}room:${room.id}`));
    }
    const onB = wsClient(b.url, reader.token);
    const follows = rooms.map((room) => ({ room, ...followRoom(onB.client, room.id, String(room.lastSeq + 1)) }));
    // Each room's channel is subscribed as a sharded channel on the master that owns its slot.
    for (const { room } of follows) await cluster.untilSubscribed(`${prefix}room:${room.id}`);
    for (let i = 1; i <= 10; i++) {
      await Promise.all(rooms.map((room) => sender.http.messages.send.mutate({ roomId: room.id, text: `m${i}` })));
    }
    for (const { room, inbox, stop } of follows) {
      await inbox.waitFor((items) => items.length >= 10, `10 messages in room ${room.id}`);
      expect(inbox.items.map((m) => m.body)).toEqual(range(1, 10).map((i) => `m${i}`));
      expect(inbox.items.map((m) => m.seq)).toEqual(range(room.lastSeq + 2, room.lastSeq + 11));
      stop();
    }
    onB.ws.close();
  }, 120_000);

  it("resumes on A, with every message exactly once and in order, after B is killed mid-stream", async () => {
    const doomed = await start();
    const sender = await signUpOn(a);
    const room = await sender.http.rooms.create.mutate({ name: `kill-${randomBytes(3).toString("hex")}` });
    const reader = await signUpOn(a);
    await reader.http.rooms.join.mutate({ roomId: room.id }); // seq 1
    let target = doomed.url;
    const live = wsClient(() => target, reader.token);
    const { inbox, stop } = followRoom(live.client, room.id, "1");
    const total = 200;
    for (let i = 1; i <= total; i++) {
      await sender.http.messages.send.mutate({ roomId: room.id, text: `m${i}` });
      if (i === 60) {
        await inbox.waitFor((items) => items.length >= 30, "the first messages on the doomed instance");
        doomed.process.kill("SIGKILL");
        target = a.url; // the client's next connection goes to A, with its lastEventId
      }
    }
    await inbox.waitFor((items) => items.length >= total, `all ${total} messages`, 60_000);
    expect(inbox.items.map((m) => m.seq)).toEqual(range(2, total + 1));
    expect(inbox.items.map((m) => m.body)).toEqual(range(1, total).map((i) => `m${i}`));
    stop();
    live.ws.close();
  }, 180_000);

  it("shows a user connected on B as online to a watcher on A, away when idle, offline once gone", async () => {
    await presenceAcrossInstances(a, b);
  });

  it("counts a user's searches across instances in the cluster", async () => {
    const user = await signUpOn(a);
    const bHttp = httpClient(b.url, user.token);
    await user.http.search.messages.query({ query: "one" });
    await bHttp.search.messages.query({ query: "two" });
    await user.http.search.messages.query({ query: "three" });
    await expect(bHttp.search.messages.query({ query: "four" })).rejects.toThrow(/you are searching too fast/);
  });

  it("heals what was sent while the master of a room's channel was down, delivers live once it is back, and a resuming client gets every message once, in order", async () => {
    const sender = await signUpOn(a);
    const room = await sender.http.rooms.create.mutate({ name: `restart-${randomBytes(3).toString("hex")}` });
    const channel = `${prefix}room:${room.id}`;
    const master = await cluster.masterOf(channel);
    const readers = await Promise.all([signUpOn(a), signUpOn(b)]);
    for (const reader of readers) await reader.http.rooms.join.mutate({ roomId: room.id });
    const lastSeq = (await sender.http.rooms.get.query({ roomId: room.id })).lastSeq;
    const follows = readers.map((reader, i) =>
      followRoom(wsClient([a, b][i]?.url ?? a.url, reader.token).client, room.id, String(lastSeq)),
    );
    await cluster.untilSubscribed(channel, 2);
    const send = async (from: number, to: number) => {
      for (const i of range(from, to)) await sender.http.messages.send.mutate({ roomId: room.id, text: `r${i}` });
    };
    const untilAll = async (count: number, what: string) => {
      for (const { inbox } of follows) await inbox.waitFor((items) => items.length >= count, what, 60_000);
    };

    await send(1, 40);
    await untilAll(40, "the first 40 messages");
    // Stored while the channel's master is down: their events cannot be published.
    await cluster.killMaster(master);
    await send(41, 50);
    await cluster.startMaster(master);
    // Nothing more is sent: only the bus's resync, once the subscribers are back, brings them.
    await untilAll(50, "the messages sent while the master was down");
    // The live path itself is back: both instances subscribed again on the restarted master.
    await cluster.untilSubscribed(channel, 2);
    await send(51, 120);
    await untilAll(120, "every message");
    for (const { inbox } of follows) {
      expect(inbox.items.map((m) => m.body)).toEqual(range(1, 120).map((i) => `r${i}`));
      expect(inbox.items.map((m) => m.seq)).toEqual(range(lastSeq + 1, lastSeq + 120));
    }

    // A client that resumes from before the restart gets every message once, in order, from PostgreSQL.
    const late = wsClient(b.url, readers[1]?.token);
    const resumed = followRoom(late.client, room.id, String(lastSeq));
    await resumed.inbox.waitFor((items) => items.length >= 120, "the resumed stream");
    expect(resumed.inbox.items.map((m) => m.seq)).toEqual(range(lastSeq + 1, lastSeq + 120));
    expect(resumed.inbox.items.map((m) => m.body)).toEqual(range(1, 120).map((i) => `r${i}`));
    resumed.stop();
    late.ws.close();
    for (const f of follows) f.stop();
  }, 180_000);
});
