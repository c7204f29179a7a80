import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { schema } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { eq, sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger";
import type { OutgoingWebhookPayload } from "../src/schemas";
import { UNRECORDED_LAST_ATTEMPT } from "../src/services/webhook-delivery";
import { DELIVERY_QUEUE, startWebhookQueue, type WebhookQueue } from "../src/webhook-queue";
import { createHarness, eventually, expectTrpcError, type Harness } from "./harness";

/** A receiver on 127.0.0.1: every request recorded; each answered by the next planned answer (then 200 {}). */
async function startReceiver() {
  const requests: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const plan: ((res: http.ServerResponse) => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      server.emit("received");
      const answer = plan.shift();
      if (answer) answer(res);
      else res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    plan,
    /** Resolves once `n` requests in all have arrived. */
    async received(n: number) {
      while (requests.length < n) await once(server, "received");
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(drivers)("outgoing webhooks on %s", (driver) => {
  let h: Harness;
  let queue: WebhookQueue;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    h = await createHarness(driver);
    queue = await startWebhookQueue(h.deps, h.database.handle, h.deps.outgoingWebhooks, createLogger("test", "silent"));
  });
  afterAll(async () => {
    await queue?.close();
    await h?.dispose();
  });
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver?.close());
  afterEach(() => {
    receiver.plan.length = 0;
  });

  const deliveriesOf = (hookId: string) =>
    h.deps.db.select().from(schema.webhookDeliveries).where(eq(schema.webhookDeliveries.hookId, hookId));

  it("POSTs a message that begins with a trigger word, signed per Standard Webhooks, and no other", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `deploys-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({
      roomId: room.id,
      name: "deployer",
      url: receiver.url,
      triggerWords: ["Deploy", "ship"],
    });
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.triggerWords).toEqual(["deploy", "ship"]);
    const start = receiver.requests.length;
    await owner.caller.messages.send({ roomId: room.id, text: "hello there" });
    const sent = await owner.caller.messages.send({ roomId: room.id, text: "  DEPLOY api to staging" });
    await receiver.received(start + 1);
    const request = receiver.requests[start];
    if (!request) throw new Error("no request");
    const payload = new Webhook(hook.secret).verify(request.body, {
      "webhook-id": String(request.headers["webhook-id"]),
      "webhook-timestamp": String(request.headers["webhook-timestamp"]),
      "webhook-signature": String(request.headers["webhook-signature"]),
    }) as OutgoingWebhookPayload;
    expect(payload.type).toBe("message.created");
    expect(payload.data.message).toMatchObject({ id: sent.id, seq: sent.seq, text: sent.body });
    expect(sent.body).toBe("DEPLOY api to staging");
    expect(payload.data.room).toEqual({ id: room.id, name: `deploys-${driver}` });
    expect(payload.data.author.username).toBe(owner.username);
    expect(payload.data.triggerWord).toBe("deploy");
    await eventually(async () => {
      const [delivery] = await deliveriesOf(hook.id);
      expect(delivery?.state).toBe("delivered");
      expect(delivery?.id).toBe(request.headers["webhook-id"]);
      expect(delivery?.attempts).toHaveLength(1);
      expect(delivery?.attempts[0]?.status).toBe(200);
    });
    // "hello there" made no delivery at all.
    expect(await deliveriesOf(hook.id)).toHaveLength(1);
    // A wrong secret does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 1).toString("base64")}`).verify(request.body, {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      }),
    ).toThrow();
  });

  it("retries after the receiver answers 500, with the same webhook-id, and logs both attempts", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `retries-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "flaky", url: receiver.url });
    receiver.plan.push((res) => res.writeHead(500).end("down"));
    const start = receiver.requests.length;
    await owner.caller.messages.send({ roomId: room.id, text: "try me" });
    await receiver.received(start + 2);
    const [first, second] = receiver.requests.slice(start);
    expect(second?.headers["webhook-id"]).toBe(first?.headers["webhook-id"]);
    await eventually(async () => {
      const page = await owner.caller.outgoingWebhooks.deliveries({ hookId: hook.id });
      expect(page.deliveries).toHaveLength(1);
      expect(page.deliveries[0]?.state).toBe("delivered");
      expect(page.deliveries[0]?.attempts.map((a) => [a.status, a.error])).toEqual([
        [500, "answered 500"],
        [200, null],
      ]);
    });
  });

  it("posts a reply's text back as the hook's bot, and the bot's message fires no hook", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `replies-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "echo", url: receiver.url });
    receiver.plan.push((res) => res.writeHead(200, { "content-type": "application/json" }).end('{"text":"pong"}'));
    const start = receiver.requests.length;
    await owner.caller.messages.send({ roomId: room.id, text: "ping" });
    await receiver.received(start + 1);
    await eventually(async () => {
      const page = await owner.caller.history.list({ roomId: room.id, limit: 10 });
      const reply = page.items.find((m) => m.body === "pong");
      expect(reply?.author?.id).toBe(hook.bot.id);
      expect(reply?.author?.isBot).toBe(true);
    });
    await queue.relay();
    // Only "ping" was delivered: the bot's "pong" made no delivery.
    expect((await deliveriesOf(hook.id)).length).toBe(1);
  });

  it("posts the reply to a message in a thread in that thread", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `threads-${driver}` });
    const root = await owner.caller.messages.send({ roomId: room.id, text: "deploy log" });
    const hook = await owner.caller.outgoingWebhooks.create({
      roomId: room.id,
      name: "threaded",
      url: receiver.url,
      triggerWords: ["!status"],
    });
    receiver.plan.push((res) => res.writeHead(200, { "content-type": "application/json" }).end('{"text":"green"}'));
    const start = receiver.requests.length;
    await owner.caller.messages.send({ roomId: room.id, text: "!status of this one?", parentId: root.id });
    await receiver.received(start + 1);
    expect(JSON.parse(receiver.requests[start]?.body ?? "{}").data.message.parentId).toBe(root.id);
    await eventually(async () => {
      const thread = await owner.caller.messages.thread({ messageId: root.id });
      const reply = thread.items.find((m) => m.body === "green");
      expect(reply?.author?.id).toBe(hook.bot.id);
      expect(reply?.parentId).toBe(root.id);
    });
  });

  it("refuses a private target unless allowed: at creation for an address, at delivery for the rest", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `ssrf-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "inside", url: receiver.url });
    h.deps.outgoingWebhooks.allowPrivate = false;
    try {
      for (const url of [
        "http://127.0.0.1:9/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://[::127.0.0.1]/x",
        "http://2130706433/x",
        "http://0.0.0.0/x",
        "http://localhost:8080/x",
        "http://192.168.0.10/x",
      ]) {
        await expectTrpcError(
          owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "bad", url }),
          "BAD_REQUEST",
          /private, loopback or link-local/,
        );
        await expectTrpcError(
          owner.caller.outgoingWebhooks.update({ hookId: hook.id, url }),
          "BAD_REQUEST",
          /WEBHOOK_ALLOW_PRIVATE/,
        );
      }
      // The hook made while private targets were allowed: its next delivery is refused, for good.
      const start = receiver.requests.length;
      await owner.caller.messages.send({ roomId: room.id, text: "to the inside" });
      await eventually(async () => {
        const [delivery] = await deliveriesOf(hook.id);
        expect(delivery?.state).toBe("failed");
        expect(delivery?.attempts).toHaveLength(1);
        expect(delivery?.attempts[0]?.status).toBeNull();
        expect(delivery?.attempts[0]?.error).toMatch(/refused: 127\.0\.0\.1 is a private/);
      });
      expect(receiver.requests.length).toBe(start);
    } finally {
      h.deps.outgoingWebhooks.allowPrivate = true;
    }
  });

  it("follows no redirect and gives up on a receiver that does not answer in time", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `redirects-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "moved", url: receiver.url });
    receiver.plan.push((res) => res.writeHead(302, { location: "http://169.254.169.254/latest" }).end());
    receiver.plan.push(() => {}); // never answers
    const start = receiver.requests.length;
    await owner.caller.messages.send({ roomId: room.id, text: "go" });
    await receiver.received(start + 3);
    await eventually(async () => {
      const [delivery] = await deliveriesOf(hook.id);
      expect(delivery?.attempts.map((a) => a.error)).toEqual([
        "answered 302; redirects are not followed",
        `no answer within ${h.deps.outgoingWebhooks.timeoutMs} ms`,
        null,
      ]);
      expect(delivery?.state).toBe("delivered");
    }, 15_000);
  }, 20_000);

  it("fails an answer still trickling at the deadline, and takes a 2xx answer over 64 KiB without posting it", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `trickle-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "slow", url: receiver.url });
    const timers: NodeJS.Timeout[] = [];
    receiver.plan.push((res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"text":"');
      timers.push(setInterval(() => res.write("."), 100));
    });
    receiver.plan.push((res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ text: "x".repeat(70_000) })),
    );
    h.deps.outgoingWebhooks.timeoutMs = 600;
    try {
      const start = receiver.requests.length;
      await owner.caller.messages.send({ roomId: room.id, text: "slowly" });
      await receiver.received(start + 2);
      await eventually(async () => {
        const [delivery] = await deliveriesOf(hook.id);
        expect(delivery?.attempts.map((a) => [a.status, a.error])).toEqual([
          [null, "no answer within 600 ms"],
          [200, "delivered; the answer was over 64 KiB, so no reply was read"],
        ]);
        expect(delivery?.state).toBe("delivered");
      }, 10_000);
      const page = await owner.caller.history.list({ roomId: room.id, limit: 5 });
      expect(page.items.some((m) => m.author?.id === hook.bot.id && m.body.startsWith("xxx"))).toBe(false);
    } finally {
      h.deps.outgoingWebhooks.timeoutMs = 2000;
      for (const timer of timers) clearInterval(timer);
    }
  }, 15_000);

  it("writes one delivery per message stored by one group commit, and each is sent once however many relays run", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `burst-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "all", url: receiver.url });
    const start = receiver.requests.length;
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => owner.caller.messages.send({ roomId: room.id, text: `m${round}-${i}` })),
      );
      await Promise.all([queue.relay(), queue.relay(), queue.relay()]);
    }
    await receiver.received(start + 36);
    await eventually(async () => {
      const rows = await deliveriesOf(hook.id);
      expect(rows).toHaveLength(36);
      expect(rows.every((r) => r.state === "delivered" && r.attempts.length === 1)).toBe(true);
    });
    const ids = receiver.requests.slice(start).map((r) => r.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(36);
    // The delivery log in pages of 10, newest first, every delivery once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await owner.caller.outgoingWebhooks.deliveries({ hookId: hook.id, limit: 10, cursor });
      seen.push(...page.deliveries.map((d) => d.id));
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(36);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it("attempts other rooms' deliveries while a receiver holds a dozen attempts open", async () => {
    // A second receiver that answers nothing until told to.
    const held: http.ServerResponse[] = [];
    const stuck = http.createServer((req, res) => {
      req.resume();
      held.push(res);
    });
    stuck.listen(0, "127.0.0.1");
    await once(stuck, "listening");
    h.deps.outgoingWebhooks.timeoutMs = 60_000;
    try {
      const slow = await h.signUp();
      const slowRoom = await slow.caller.rooms.create({ name: `stuck-${driver}` });
      const stuckUrl = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/`;
      for (let i = 0; i < 10; i++) {
        await slow.caller.outgoingWebhooks.create({ roomId: slowRoom.id, name: `s${i}`, url: stuckUrl });
      }
      await slow.caller.messages.send({ roomId: slowRoom.id, text: "hold" });
      await slow.caller.messages.send({ roomId: slowRoom.id, text: "hold again" });
      await eventually(() => expect(held.length).toBe(20), 10_000);

      const owner = await h.signUp();
      const room = await owner.caller.rooms.create({ name: `quick-${driver}` });
      const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "quick", url: receiver.url });
      await owner.caller.messages.send({ roomId: room.id, text: "not stuck behind them" });
      await eventually(async () => expect((await deliveriesOf(hook.id))[0]?.state).toBe("delivered"), 10_000);
      // Delivered while every one of the twenty attempts was still open.
      expect(held.every((res) => !res.writableEnded)).toBe(true);
    } finally {
      for (const res of held) res.writeHead(200).end("{}");
      h.deps.outgoingWebhooks.timeoutMs = 2000;
      await new Promise<void>((resolve) => stuck.close(() => resolve()));
    }
  }, 30_000);

  it("ends a delivery whose last attempt died unrecorded as failed (pg-boss's dead letter), and a late answer does not revive it", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `dead-letter-${driver}` });
    const hook = await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "dying", url: receiver.url });
    let held: http.ServerResponse | undefined;
    receiver.plan.push((res) => {
      held = res;
    });
    const start = receiver.requests.length;
    await owner.caller.messages.send({ roomId: room.id, text: "last words" });
    await receiver.received(start + 1);
    const deliveryId = String(receiver.requests[start]?.headers["webhook-id"]);
    // While its attempt is open, make it the job's last and fail the job as pg-boss does when a
    // job's process died and it expired (its `fail` and its expiry share one statement).
    const boss = new PgBoss({
      ...("connectionString" in h.database.handle.queueTarget
        ? { connectionString: h.database.handle.queueTarget.connectionString, max: 1 }
        : { db: h.database.handle.queueTarget.db }),
      schema: "pgboss",
      supervise: false,
      schedule: false,
      migrate: false,
    });
    await boss.start();
    try {
      await h.deps.db.execute(
        sql`update pgboss.job set retry_limit = retry_count where name = ${DELIVERY_QUEUE} and id = ${deliveryId}`,
      );
      await boss.fail(DELIVERY_QUEUE, deliveryId);
      expect((await boss.getJobById(DELIVERY_QUEUE, deliveryId))?.state).toBe("failed");
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
    await eventually(async () => {
      const [delivery] = await deliveriesOf(hook.id);
      expect(delivery?.state).toBe("failed");
      expect(delivery?.attempts).toEqual([
        { at: expect.any(String), ms: null, status: null, error: UNRECORDED_LAST_ATTEMPT },
      ]);
    }, 10_000);
    // The attempt that was open gets its answer now; close() waits for it to be recorded.
    held?.writeHead(500).end("too late");
    await queue.close();
    queue = await startWebhookQueue(h.deps, h.database.handle, h.deps.outgoingWebhooks, createLogger("test", "silent"));
    const [delivery] = await deliveriesOf(hook.id);
    expect(delivery?.state).toBe("failed"); // an ended delivery stays ended: not "retrying" again
    expect(delivery?.attempts).toHaveLength(1);
    const page = await owner.caller.outgoingWebhooks.deliveries({ hookId: hook.id });
    expect(page.deliveries[0]?.attempts[0]).toMatchObject({ ms: null, status: null, error: UNRECORDED_LAST_ATTEMPT });
  }, 30_000);

  it("caps a room at 10 outgoing webhooks, and an owner who leaves hands the room to a person, not a hook's bot", async () => {
    const owner = await h.signUp();
    const member = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `capped-${driver}` });
    const hooks = [];
    for (let i = 0; i < 10; i++) {
      hooks.push(
        await owner.caller.outgoingWebhooks.create({ roomId: room.id, name: `h${i}`, url: "https://example.com/x" }),
      );
    }
    await member.caller.rooms.join({ roomId: room.id }); // after the bots: they have been there longer
    const before = await h.counts();
    await expectTrpcError(
      owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "eleventh", url: "https://example.com/x" }),
      "CONFLICT",
      /at most 10 outgoing webhooks/,
    );
    expect(await h.counts()).toEqual(before);
    await owner.caller.rooms.leave({ roomId: room.id });
    expect(await member.caller.rooms.get({ roomId: room.id })).toMatchObject({ ownerId: member.id });
    expect(await member.caller.outgoingWebhooks.list({ roomId: room.id })).toHaveLength(10);
    await member.caller.outgoingWebhooks.delete({ hookId: hooks[0]?.id ?? "" });
  });

  it("lets only the room's owner manage its hooks, and deleting one retires its bot", async () => {
    const owner = await h.signUp();
    const other = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `owned-${driver}` });
    await other.caller.rooms.join({ roomId: room.id });
    await expectTrpcError(
      other.caller.outgoingWebhooks.create({ roomId: room.id, name: "x", url: "https://example.com/x" }),
      "FORBIDDEN",
    );
    const hook = await owner.caller.outgoingWebhooks.create({
      roomId: room.id,
      name: "x",
      url: "https://example.com/x",
    });
    await expectTrpcError(other.caller.outgoingWebhooks.list({ roomId: room.id }), "FORBIDDEN");
    await expectTrpcError(other.caller.outgoingWebhooks.deliveries({ hookId: hook.id }), "FORBIDDEN");
    await expectTrpcError(other.caller.outgoingWebhooks.delete({ hookId: hook.id }), "FORBIDDEN");
    const changed = await owner.caller.outgoingWebhooks.update({ hookId: hook.id, triggerWords: ["Build", "build"] });
    expect(changed.triggerWords).toEqual(["build"]);
    const rotated = await owner.caller.outgoingWebhooks.rotate({ hookId: hook.id });
    expect(rotated.secret).not.toBe(hook.secret);
    expect(await owner.caller.outgoingWebhooks.list({ roomId: room.id })).toEqual([
      expect.objectContaining({ id: hook.id, triggerWords: ["build"] }),
    ]);
    const before = await h.counts();
    await expectTrpcError(
      owner.caller.outgoingWebhooks.create({ roomId: room.id, name: "x", url: "ftp://example.com/x" }),
      "BAD_REQUEST",
      /http or https/,
    );
    await expectTrpcError(
      owner.caller.outgoingWebhooks.create({
        roomId: room.id,
        name: "x",
        url: "https://e.com",
        triggerWords: ["two words"],
      }),
      "BAD_REQUEST",
      /one word/,
    );
    expect(await h.counts()).toEqual(before);
    await owner.caller.outgoingWebhooks.delete({ hookId: hook.id });
    expect(await owner.caller.outgoingWebhooks.list({ roomId: room.id })).toEqual([]);
    const members = await owner.caller.rooms.members({ roomId: room.id });
    expect(members.some((m) => m.user.id === hook.bot.id)).toBe(false);
    await expectTrpcError(owner.caller.outgoingWebhooks.delete({ hookId: hook.id }), "NOT_FOUND");
  });
});
