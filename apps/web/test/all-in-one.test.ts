import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AppRouter } from "@parley/api";
import { everyKindOfApiAnswer } from "@parley/realtime/testing";
import { createTRPCClient, createWSClient, httpLink, type TRPCClient, wsLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type WebProcess as RunningServer, runWeb, startWeb } from "./web-process";

const JWT_SECRET = "an all-in-one test secret of 32 bytes or more";

type ParleyClient = TRPCClient<AppRouter>;

/** The process's environment: a fresh data directory, and neither PostgreSQL nor Redis. */
const allInOneEnv = (dataDir: string, extra: Record<string, string> = {}) => ({
  NODE_ENV: "production",
  JWT_SECRET,
  PORT: "0",
  HOST: "127.0.0.1",
  DATA_DIR: dataDir, // DATABASE_URL and REDIS_URL are unset: the embedded PGlite here, the in-process bus
  NEXT_TELEMETRY_DISABLED: "1",
  ...extra,
});

const wsUrl = (server: RunningServer, pathname: string) => `${server.url.replace(/^http/, "ws")}${pathname}`;

function httpClient(server: RunningServer, token?: string): ParleyClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({ url: `${server.url}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) }),
    ],
  });
}

function wsClient(server: RunningServer, token: string) {
  const ws = createWSClient({
    url: wsUrl(server, "/trpc"),
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: { token },
    retryDelayMs: () => 100,
  });
  return { client: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] }), ws };
}

/** What a WebSocket to `url` comes to first: open, or refused (an HTTP answer, an error or a close). */
function firstSocketEvent(url: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.once("open", () => {
      resolve("open");
      socket.close();
    });
    socket.once("unexpected-response", (_req, res) => {
      resolve(`refused: ${res.statusCode}`);
      socket.terminate();
    });
    socket.once("error", (error) => resolve(`error: ${error.message}`));
    socket.once("close", (code) => resolve(`close: ${code}`));
  });
}

/** Collects what a subscription delivers; `waitFor` resolves when a condition over them holds. */
class Inbox<T> {
  readonly items: T[] = [];
  error: unknown = null;
  private waiters: (() => void)[] = [];

  push = (item: T) => {
    this.items.push(item);
    this.wake();
  };

  fail = (error: unknown) => {
    this.error = error;
    this.wake();
  };

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async waitFor(check: (items: T[]) => boolean, what: string, timeoutMs = 20_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.items)) {
      if (this.error) throw new Error(`the subscription failed while waiting for ${what}: ${String(this.error)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; have ${this.items.length} items`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 250).unref();
      });
    }
    return this.items;
  }
}

async function signUp(server: RunningServer) {
  const session = await httpClient(server).auth.register.mutate({
    username: `u${randomBytes(4).toString("hex")}`,
    password: "pw-pw-pw",
  });
  return { ...session, http: httpClient(server, session.token) };
}

describe("the all-in-one process: pages, API and WebSockets on one port, no PostgreSQL, no Redis", () => {
  let dataDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-web-"));
    server = await startWeb(allInOneEnv(dataDir));
  });
  afterAll(async () => {
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("says it runs on the embedded database and the in-process bus", () => {
    expect(server.output()).toMatch(/"db":"pglite","bus":"memory","websocket":"on","next":"production"/);
  });

  it("serves the web app's pages, and /healthz", async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toMatch(/text\/html/);
    expect(await home.text()).toContain("Parley");
    // Pages load only their own origin's resources, and are never framed.
    const csp = home.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).not.toMatch(/unsafe-eval/); // Next's dev mode only
    expect(home.headers.get("x-content-type-options")).toBe("nosniff");
    expect(home.headers.get("x-frame-options")).toBe("DENY");
    expect(home.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect((await fetch(`${server.url}/signin`)).status).toBe(200);
    expect((await fetch(`${server.url}/no-such-page`)).status).toBe(404);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
  });

  it("tells browsers not to sniff the API's answers either: every JSON and plain-text answer carries nosniff", async () => {
    const answers = await everyKindOfApiAnswer(server.url);
    answers.push({ request: "page 404", response: await fetch(`${server.url}/no-such-page`) });
    expect(new Set(answers.map((a) => a.response.status))).toEqual(new Set([200, 400, 401, 404, 413]));
    const seen = answers.map((a) => [a.request, a.response.headers.get("x-content-type-options")]);
    expect(seen).toEqual(seen.map(([name]) => [name, "nosniff"]));
  });

  it("delivers live over WebSocket, in order, messages sent over HTTP and over WebSocket", async () => {
    const sender = await signUp(server);
    const room = await sender.http.rooms.create.mutate({ name: `aio-${randomBytes(3).toString("hex")}` });
    const reader = await signUp(server);
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const joinedAt = room.lastSeq + 1; // the join notice

    const readerWs = wsClient(server, reader.token);
    const senderWs = wsClient(server, sender.token);
    const inbox = new Inbox<{ id: string; seq: number; body: string }>();
    let started!: () => void;
    const subscribed = new Promise<void>((resolve) => {
      started = resolve;
    });
    const subscription = readerWs.client.events.room.subscribe(
      { roomId: room.id, lastEventId: String(joinedAt) },
      {
        onStarted: () => started(),
        onData: ({ id, data }) => {
          if (data.type === "message") inbox.push({ id, seq: data.message.seq, body: data.message.body });
        },
        onError: inbox.fail,
      },
    );
    await subscribed;

    await sender.http.messages.send.mutate({ roomId: room.id, text: "over http" });
    await inbox.waitFor((items) => items.length >= 1, "the message sent over HTTP");
    // The stream is live by now: the next one can only arrive through the bus.
    await senderWs.client.messages.send.mutate({ roomId: room.id, text: "over websocket" });
    await inbox.waitFor((items) => items.length >= 2, "the message sent over WebSocket");

    expect(inbox.items).toEqual([
      { id: String(joinedAt + 1), seq: joinedAt + 1, body: "over http" },
      { id: String(joinedAt + 2), seq: joinedAt + 2, body: "over websocket" },
    ]);
    subscription.unsubscribe();
    readerWs.ws.close();
    senderWs.ws.close();
  });

  it("refuses a WebSocket upgrade anywhere but /trpc", async () => {
    for (const pathname of ["/elsewhere", "/", "/_next/webpack-hmr", "/trpc/auth.me"]) {
      expect(await firstSocketEvent(wsUrl(server, pathname))).not.toBe("open");
    }
    // ...while /trpc itself still opens.
    expect(await firstSocketEvent(wsUrl(server, "/trpc"))).toBe("open");
  });

  it("asks WebSocket clients to reconnect and exits 0 on SIGTERM", async () => {
    const user = await signUp(server);
    const socket = new WebSocket(`${wsUrl(server, "/trpc")}?token=${user.token}`);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    expect(await closed).toBe(1012); // service restart: reconnect (elsewhere)
    expect(await exited).toBe(0);
  });
});

describe("the scaled mode's web process (WEB_WEBSOCKET=off)", () => {
  let dataDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-web-"));
    server = await startWeb(allInOneEnv(dataDir, { WEB_WEBSOCKET: "off" }));
  });
  afterAll(async () => {
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("serves pages and the API over HTTP, and leaves WebSockets to the realtime process", async () => {
    expect(server.output()).toContain('"websocket":"off"');
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    const user = await signUp(server);
    expect((await user.http.auth.me.query()).username).toBe(user.user.username);
    expect(await firstSocketEvent(wsUrl(server, "/trpc"))).toBe("refused: 404");
  });
});

describe("bad configuration", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-web-"));
  });
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("is refused with a message naming every bad setting, and no stack trace", async () => {
    const result = await runWeb(allInOneEnv(dataDir, { PORT: "not-a-port", WEB_WEBSOCKET: "maybe" }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid configuration/);
    expect(result.stderr).toMatch(/PORT/);
    expect(result.stderr).toMatch(/WEB_WEBSOCKET/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("refuses production without a JWT_SECRET", async () => {
    const result = await runWeb(allInOneEnv(dataDir, { JWT_SECRET: "" }));
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("JWT_SECRET must be set (at least 32 bytes) when NODE_ENV=production");
  });
});
