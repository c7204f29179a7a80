import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, eventually, type TestDatabase, testRedisUrl } from "@parley/db/testing";
import { MAX_CALLS_PER_FRAME } from "@parley/realtime-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { followRoom, httpClient, Inbox, sample, wsClient } from "./clients";
import { type RunningServer, startRealtime } from "./processes";

/** A new account, registered on `server`. */
async function registered(server: RunningServer) {
  const username = `u${randomBytes(4).toString("hex")}`;
  const { token } = await httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" });
  return { username, token };
}

/**
 * The abuse limits on real processes: counted in Redis, so shared by both instances; answered
 * with 429 and Retry-After over HTTP and with `retryAfterSeconds` in tRPC error frames; client
 * addresses taken from X-Forwarded-For only behind a trusted proxy.
 */
describe("abuse limits across two realtime instances", () => {
  let database: TestDatabase;
  /** Behind a trusted proxy on loopback: X-Forwarded-For names the client. */
  let proxied: RunningServer;
  /** Trusting no proxy: every request here comes from 127.0.0.1, whatever it claims. */
  let direct: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "a limits test secret of 32 bytes or more",
      LIMIT_LOGIN_PER_ACCOUNT: "2/15m",
      LIMIT_LOGIN_PER_ADDRESS: "4/15m",
      LIMIT_REGISTER_PER_ADDRESS: "off",
      LIMIT_MESSAGES_PER_ROOM: "30/10s",
      WS_MAX_CONNECTIONS_PER_ADDRESS: "3",
      WS_MAX_CONNECTIONS_PER_USER: "2",
    };
    [proxied, direct] = await Promise.all([
      startRealtime({ ...shared, TRUST_PROXY: "loopback" }),
      startRealtime(shared),
    ]);
  });
  afterAll(async () => {
    await Promise.all([proxied?.stop(), direct?.stop()]);
    await database?.dispose();
  });

  let clients = 0;
  /** A client address of its own for each call site, so that the tests do not share counts. */
  const newAddress = () => `203.0.113.${++clients}`;

  const restLogin = (server: RunningServer, login: string, address: string, password = "not-the-password") =>
    fetch(`${server.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ username: login, password }),
    });
  const trpcLogin = (server: RunningServer, login: string, address: string, password = "not-the-password") =>
    fetch(`${server.url}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ login, password }),
    });

  /** A raw tRPC WebSocket from `address`, with its frames as they arrive. */
  async function socket(server: RunningServer, address: string, token?: string) {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/trpc${token ? `?token=${token}` : ""}`, {
      headers: { "x-forwarded-for": address },
    });
    const frames: string[] = [];
    ws.on("message", (data) => frames.push(String(data)));
    const opened = await Promise.race([
      once(ws, "open").then(() => "open" as const),
      once(ws, "unexpected-response").then(([, res]) => (res as { statusCode: number }).statusCode),
    ]);
    return { ws, frames, opened };
  }

  it("counts an account's failed logins on both instances alike, and says when to try again", async () => {
    const { username } = await registered(proxied);
    expect((await restLogin(proxied, username, newAddress())).status).toBe(401);
    expect((await trpcLogin(direct, username, newAddress())).status).toBe(401);

    const overRest = await restLogin(proxied, username, newAddress(), "pw-pw-pw");
    expect(overRest.status).toBe(429);
    expect(Number(overRest.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await overRest.json()) as { message: string }).message).toMatch(
      /too many failed logins.*try again in \d+ (minutes?|seconds?)\b/,
    );

    const overTrpc = await trpcLogin(direct, username, newAddress(), "pw-pw-pw");
    expect(overTrpc.status).toBe(429);
    expect(Number(overTrpc.headers.get("retry-after"))).toBeGreaterThan(0);

    const { ws, frames } = await socket(direct, newAddress());
    ws.send(
      JSON.stringify({
        id: 1,
        method: "mutation",
        params: { path: "auth.login", input: { login: username, password: "pw-pw-pw" } },
      }),
    );
    await eventually(() => expect(frames.some((f) => f.includes('"id":1'))).toBe(true), 5000, 50);
    const answer = JSON.parse(frames.find((f) => f.includes('"id":1')) ?? "{}") as {
      error?: { data?: { code?: string; retryAfterSeconds?: number } };
    };
    expect(answer.error?.data?.code).toBe("TOO_MANY_REQUESTS");
    expect(answer.error?.data?.retryAfterSeconds).toBeGreaterThan(0);
    ws.close();
  });

  it("believes X-Forwarded-For only from a trusted proxy", async () => {
    const behindProxy = newAddress();
    for (let n = 0; n < 4; n++) expect((await restLogin(proxied, `nobody-${n}`, behindProxy)).status).toBe(401);
    expect((await restLogin(proxied, "nobody-else", behindProxy)).status).toBe(429);
    expect((await restLogin(proxied, "nobody-else", newAddress())).status).toBe(401); // another client

    // Without a trusted proxy the header is the client's own word: changing it escapes nothing.
    // (Earlier tests spent some of 127.0.0.1's attempts here already.)
    const statuses = [];
    for (let n = 0; n < 8; n++) statuses.push((await restLogin(direct, `nobody-direct-${n}`, newAddress())).status);
    const firstRefusal = statuses.indexOf(429);
    expect(firstRefusal).toBeGreaterThanOrEqual(0);
    expect(firstRefusal).toBeLessThanOrEqual(4);
    expect(statuses.slice(firstRefusal)).toEqual(statuses.slice(firstRefusal).map(() => 429));
  });

  it("caps the WebSockets of one address and of one account on an instance", async () => {
    const address = newAddress();
    const open = [];
    for (let n = 0; n < 3; n++) open.push(await socket(proxied, address));
    expect(open.map((s) => s.opened)).toEqual(["open", "open", "open"]);
    expect((await socket(proxied, address)).opened).toBe(429);
    expect((await socket(proxied, newAddress())).opened).toBe("open");
    open[0]?.ws.close();
    await eventually(
      async () => {
        const again = await socket(proxied, address);
        expect(again.opened).toBe("open");
        open.push(again);
      },
      5000,
      50,
    );
    for (const s of open) s.ws.close();

    const { token } = await registered(proxied);
    const first = await socket(proxied, newAddress(), token);
    const second = await socket(proxied, newAddress(), token);
    for (const s of [first, second]) s.ws.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
    await eventually(
      () => expect([first, second].every((s) => s.frames.some((f) => f.includes('"result"')))).toBe(true),
      5000,
      50,
    );
    const third = await socket(proxied, newAddress(), token);
    const closed = third.ws.readyState === WebSocket.CLOSED ? Promise.resolve() : once(third.ws, "close");
    third.ws.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
    await closed;
    expect(third.frames.join("\n")).toMatch(
      /TOO_MANY_REQUESTS.*2 connections open here already|2 connections open here already.*TOO_MANY_REQUESTS/s,
    );
    expect(third.frames.join("\n")).not.toContain('"result"');
    for (const s of [first, second]) s.ws.close();
  });
  it("throttles one user's flood in a room, while everyone else there keeps sending and being heard", async () => {
    const [flooder, ann, ben, reader] = await Promise.all([
      registered(proxied),
      registered(proxied),
      registered(proxied),
      registered(proxied),
    ]);
    const room = await httpClient(proxied.url, ann.token).rooms.create.mutate({
      name: `flood-${randomBytes(3).toString("hex")}`,
    });
    for (const who of [flooder, ben, reader])
      await httpClient(proxied.url, who.token).rooms.join.mutate({ roomId: room.id });
    const { lastSeq } = await httpClient(proxied.url, ann.token).rooms.get.query({ roomId: room.id });
    const listener = wsClient(direct.url, reader.token);
    const { inbox, stop } = followRoom(listener.client, room.id, String(lastSeq));

    // 200 sends at once over one WebSocket on one instance, while two others talk on both instances:
    // 20 per tick, since tRPC's client puts a tick's calls in one frame, and a frame of more than
    // MAX_CALLS_PER_FRAME is refused whole (see calls.test.ts).
    const floodSocket = wsClient(proxied.url, flooder.token);
    await floodSocket.client.auth.me.query(); // open: calls made while it opens go in one frame
    const sends: Promise<unknown>[] = [];
    for (let n = 0; n < 200; n++) {
      const send = floodSocket.client.messages.send.mutate({ roomId: room.id, text: `flood ${n}` });
      send.catch(() => {}); // judged below, once all have ended
      sends.push(send);
      if (n % MAX_CALLS_PER_FRAME === MAX_CALLS_PER_FRAME - 1) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const flood = Promise.allSettled(sends);
    const talk = async (who: { token: string }, server: RunningServer, name: string) => {
      for (let n = 0; n < 10; n++)
        await httpClient(server.url, who.token).messages.send.mutate({ roomId: room.id, text: `${name} ${n}` });
    };
    await Promise.all([talk(ann, proxied, "ann"), talk(ben, direct, "ben")]);
    const outcomes = await flood;

    const accepted = outcomes.filter((o) => o.status === "fulfilled").length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(30);
    for (const outcome of outcomes.filter((o) => o.status === "rejected")) {
      const error = (outcome as PromiseRejectedResult).reason as {
        data?: { code?: string; retryAfterSeconds?: number };
      };
      expect(error.data?.code).toBe("TOO_MANY_REQUESTS");
      expect(error.data?.retryAfterSeconds).toBeGreaterThan(0);
    }
    // The reader hears both talkers in full and only the flood messages that were accepted, as stored.
    await inbox.waitFor((items) => items.length >= 20 + accepted, "every accepted message");
    const stored = await httpClient(proxied.url, ann.token).history.list.query({
      roomId: room.id,
      after: lastSeq,
      limit: 100,
    });
    expect(stored.items).toHaveLength(20 + accepted);
    for (const name of ["ann", "ben"])
      expect(stored.items.filter((m) => m.body.startsWith(`${name} `)).map((m) => m.body)).toEqual(
        Array.from({ length: 10 }, (_, n) => `${name} ${n}`),
      );
    await httpClient(proxied.url, ann.token).messages.send.mutate({ roomId: room.id, text: "the end" });
    await inbox.waitFor((items) => items.some((m) => m.body === "the end"), "the last message");
    expect(inbox.items.map((m) => m.body)).toEqual([...stored.items.map((m) => m.body), "the end"]);
    stop();
    listener.ws.close();
    floodSocket.ws.close();
  });
});

/**
 * A database and one realtime instance of the enclosing `describe`'s own, with `settings`, started
 * before its tests and stopped after them; the returned function gives the instance.
 */
function ownServer(settings: Record<string, string>): () => RunningServer {
  let database: TestDatabase | undefined;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: "a limits test secret of 32 bytes or more",
      ...settings,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });
  return () => server as RunningServer;
}

describe("sockets that never sign in", () => {
  const server = ownServer({ WS_SIGN_IN_WITHIN_MS: "1000" });

  const openSockets = async () => sample(await (await fetch(`${server().url}/metrics`)).text(), "parley_connections");

  it("closes a thousand idle anonymous tRPC sockets once their time to sign in is up, and forgets them", async () => {
    const sockets = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const ws = new WebSocket(`${server().url.replace("http", "ws")}/trpc?connectionParams=1`);
        const closed = once(ws, "close").then(([code, reason]) => [code, String(reason)]);
        await once(ws, "open");
        return { closed }; // wrapped: an async function returning a promise would wait for it
      }),
    );
    expect(await openSockets()).toBeGreaterThan(0);
    const closes = await Promise.all(sockets.map((s) => s.closed));
    expect(new Set(closes.map(([code, reason]) => `${code} ${reason}`))).toEqual(
      new Set(["4401 sign in within 1000 ms"]),
    );
    await eventually(async () => expect(await openSockets()).toBe(0), 5000, 50);
  });
});

describe("a socket that sends frames faster than its allowance", () => {
  const server = ownServer({
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
    WS_FRAMES_PER_CONNECTION: "10/2s",
  });

  it("is not read again until its window ends, while the account's other socket is answered meanwhile", async () => {
    const { token } = await registered(server());
    const ws = new WebSocket(`${server().url.replace("http", "ws")}/trpc?token=${token}`);
    const answers = new Inbox<number>();
    ws.on("message", (data) => {
      const id = (JSON.parse(String(data)) as { id?: number }).id;
      if (typeof id === "number") answers.push(id);
    });
    await once(ws, "open");
    const ask = (id: number) => ws.send(JSON.stringify({ id, method: "query", params: { path: "auth.me" } }));

    // One request at a time: each is read in a chunk of its own, so the pause is exact.
    const started = performance.now();
    for (let id = 1; id <= 11; id++) {
      ask(id);
      await answers.waitFor((ids) => ids.includes(id), `answer ${id}`);
    }
    ask(12); // over the allowance: not read until the window ends
    const other = wsClient(server().url, token);
    const order: string[] = [];
    await Promise.all([
      other.client.auth.me.query().then(() => order.push("other socket")),
      answers.waitFor((ids) => ids.includes(12), "answer 12").then(() => order.push("paused socket")),
    ]);
    expect(order).toEqual(["other socket", "paused socket"]);
    expect(performance.now() - started).toBeGreaterThan(1500); // the rest of a 2 s window
    const metrics = await (await fetch(`${server().url}/metrics`)).text();
    expect(sample(metrics, 'parley_limited_total{limit="framesPerConnection"}')).toBeGreaterThanOrEqual(1);
    ws.close();
    other.ws.close();
  });
});
