import { randomBytes } from "node:crypto";
import { createTestDatabase, eventually, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followRoom, httpClient, sample, wsClient } from "./clients";
import { type RunningRedis, type RunningServer, startRealtime, startRedis } from "./processes";

describe("probes, metrics and request logs of a realtime process", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let server: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    server = await startRealtime({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "an operations test secret of 32 bytes or more",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await database?.dispose();
  });

  const readyz = async () => {
    const response = await fetch(`${server.url}/readyz`);
    return {
      status: response.status,
      body: (await response.json()) as { ready: boolean; checks: Record<string, string> },
    };
  };

  it("is ready only while PostgreSQL and Redis answer, and alive throughout", async () => {
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, checks: { postgres: "ok", redis: "ok" } } });

    await redis.stop();
    await eventually(
      async () => {
        const { status, body } = await readyz();
        expect(status).toBe(503);
        expect(body.checks.postgres).toBe("ok");
        expect(body.checks.redis).not.toBe("ok");
      },
      10_000,
      50,
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await redis.restart();
    await eventually(async () => expect((await readyz()).status).toBe(200), 15_000, 50);
  });

  it("counts connections, subscriptions, deliveries and sends for Prometheus", async () => {
    const anonymous = httpClient(server.url);
    const session = await anonymous.auth.register.mutate({
      username: `m${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    const http = httpClient(server.url, session.token);
    const room = await http.rooms.create.mutate({ name: `metrics ${randomBytes(3).toString("hex")}` });
    const live = wsClient(server.url, session.token);
    const { inbox, stop } = followRoom(live.client, room.id, String(room.lastSeq));
    await http.messages.send.mutate({ roomId: room.id, text: "counted" });
    await inbox.waitFor((items) => items.some((m) => m.body === "counted"), "the message");

    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/text\/plain/);
    expect(sample(await response.text(), "process_resident_memory_bytes")).toBeGreaterThan(0);
    // The stream's `live` event follows the message it replayed: all counted, soon.
    const metrics = async () => (await fetch(`${server.url}/metrics`)).text();
    await eventually(
      async () => {
        const text = await metrics();
        expect(sample(text, "parley_connections")).toBe(1);
        expect(sample(text, "parley_subscriptions")).toBe(1);
        expect(sample(text, "parley_deliveries_total")).toBeGreaterThanOrEqual(2);
        expect(sample(text, "parley_send_duration_seconds_count")).toBe(1);
        expect(sample(text, "parley_slow_clients_dropped_total")).toBe(0);
      },
      5000,
      50,
    );
    // A live message goes the direct way to the socket: counted there too.
    const before = sample(await metrics(), "parley_deliveries_total");
    await http.messages.send.mutate({ roomId: room.id, text: "counted live" });
    await inbox.waitFor((items) => items.some((m) => m.body === "counted live"), "the live message");
    const text = await metrics();
    expect(sample(text, "parley_deliveries_total")).toBeGreaterThan(before);
    expect(sample(text, "parley_send_duration_seconds_count")).toBe(2);

    stop();
    live.ws.close();
    await eventually(
      async () => {
        const after = await (await fetch(`${server.url}/metrics`)).text();
        expect([sample(after, "parley_connections"), sample(after, "parley_subscriptions")]).toEqual([0, 0]);
      },
      5000,
      50,
    );
  });

  it("logs each request once with an id it also answers with, and never a token", async () => {
    const anonymous = httpClient(server.url);
    const { token } = await anonymous.auth.register.mutate({
      username: `l${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });

    const given = await fetch(`${server.url}/trpc/auth.me`, {
      headers: { authorization: `Bearer ${token}`, "x-request-id": "trace-me-42" },
    });
    expect(given.headers.get("x-request-id")).toBe("trace-me-42");
    const made = await fetch(`${server.url}/profile?token=${token}`, { headers: { authorization: token } });
    const madeId = made.headers.get("x-request-id") ?? "";
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "<script>bad id</script>" } });
    expect(forged.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/); // not repeated: a fresh one

    await eventually(
      () => {
        const lines = server.output().split("\n");
        expect(lines.filter((l) => l.includes('"trace-me-42"') && l.includes("/trpc/auth.me"))).toHaveLength(1);
        expect(lines.filter((l) => l.includes(madeId) && l.includes('"path":"/profile"'))).toHaveLength(1);
      },
      5000,
      50,
    );
    expect(server.output()).not.toContain(token);
    expect(server.output()).not.toContain(token.split(".")[2]); // not even the signature
  });
});
