import { randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createTestDatabase, eventually, type TestDatabase, testRedisUrl } from "@parley/db/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, signUpOn, startRealtime } from "./processes";

/** A receiver on 127.0.0.1 that records each request and answers with the next planned answer (else 200 {}). */
async function startReceiver() {
  const requests: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const plan: { status: number; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const answer = plan.shift() ?? { status: 200, body: "{}" };
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
      server.emit("received");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/parley`,
    requests,
    plan,
    async received(n: number) {
      while (requests.length < n) await once(server, "received");
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A REST call with a bearer token: its status and JSON body. */
async function rest(server: RunningServer, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> };
}

/**
 * Outgoing webhooks on two real realtime processes sharing PostgreSQL and Redis: the hook is made on
 * A over REST, the message sent on B, and the delivery is carried out by whichever process's queue
 * worker takes it: retried after a 500, signed, its reply posted back as the hook's bot.
 */
describe("outgoing webhooks on realtime instances A and B", () => {
  let database: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    receiver = await startReceiver();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "an outgoing-webhooks test secret, 32 bytes or more",
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_RETRY_DELAY_SECONDS: "1",
    };
    [a, b] = await Promise.all([startRealtime(env), startRealtime(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.dispose();
    await receiver?.close();
  });

  it("retries a delivery its receiver first answers 500, then posts the reply as the hook's bot", async () => {
    const owner = await signUpOn(a);
    const room = await owner.http.rooms.create.mutate({ name: `ops-${randomBytes(3).toString("hex")}` });
    const created = await rest(a, owner.token, "POST", `/rooms/${room.id}/outgoing-webhooks`, {
      name: "ops bot",
      url: receiver.url,
      triggerWords: ["!status"],
    });
    expect(created.status).toBe(200);
    const hook = created.body as { id: string; secret: string; bot: { id: number } };
    receiver.plan.push({ status: 500, body: "down for a moment" });
    receiver.plan.push({ status: 200, body: JSON.stringify({ text: "all systems go" }) });

    const onB = await signUpOn(b);
    await onB.http.rooms.join.mutate({ roomId: room.id });
    await onB.http.messages.send.mutate({ roomId: room.id, text: "no trigger here" });
    const sent = await onB.http.messages.send.mutate({ roomId: room.id, text: "!status please" });
    await receiver.received(2);
    const [first, second] = receiver.requests;
    expect(receiver.requests).toHaveLength(2);
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    for (const request of [first, second]) {
      const payload = new Webhook(hook.secret).verify(request?.body ?? "", {
        "webhook-id": String(request?.headers["webhook-id"]),
        "webhook-timestamp": String(request?.headers["webhook-timestamp"]),
        "webhook-signature": String(request?.headers["webhook-signature"]),
      }) as { data: { message: { id: number }; triggerWord: string } };
      expect(payload.data.message.id).toBe(sent.id);
      expect(payload.data.triggerWord).toBe("!status");
    }
    await eventually(async () => {
      const newest = (await owner.http.history.list.query({ roomId: room.id, limit: 1 })).items[0];
      expect(newest?.body).toBe("all systems go");
      expect(newest?.author).toMatchObject({ id: hook.bot.id, isBot: true });
    }, 10_000);
    const log = await rest(a, owner.token, "GET", `/outgoing-webhooks/${hook.id}/deliveries`);
    expect(log.status).toBe(200);
    const [delivery] = (log.body.deliveries ?? []) as { state: string; attempts: { status: number }[] }[];
    expect(delivery?.state).toBe("delivered");
    expect(delivery?.attempts.map((x) => x.status)).toEqual([500, 200]);
    // The bot's reply fired nothing; only the one message was ever sent.
    expect((log.body.deliveries as unknown[]).length).toBe(1);
  });
});

describe("outgoing webhooks on a server that refuses private targets (no WEBHOOK_ALLOW_PRIVATE)", () => {
  let database: TestDatabase;
  let server: RunningServer;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "an outgoing-webhooks test secret, 32 bytes or more",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  it("answers 400 in words for a loopback, private or link-local URL, and stores no hook", async () => {
    const owner = await signUpOn(server);
    const room = await owner.http.rooms.create.mutate({ name: `r-${randomBytes(3).toString("hex")}` });
    for (const url of ["http://127.0.0.1:8080/x", "http://169.254.169.254/latest/meta-data", "http://[fd00::1]/x"]) {
      const answer = await rest(server, owner.token, "POST", `/rooms/${room.id}/outgoing-webhooks`, {
        name: "in",
        url,
      });
      expect(answer.status).toBe(400);
      expect(String(answer.body.message)).toMatch(/private, loopback or link-local address .*WEBHOOK_ALLOW_PRIVATE/);
    }
    const list = await rest(server, owner.token, "GET", `/rooms/${room.id}/outgoing-webhooks`);
    expect(list).toEqual({ status: 200, body: [] });
  });
});
