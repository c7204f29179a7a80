import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AppRouter } from "@parley/api";
import { createTestDatabase, eventually, type TestDatabase, testRedisUrl } from "@parley/db/testing";
import {
  ensureDebianPackage,
  freePort,
  type RunningServer,
  repoRoot,
  startRealtime,
  startServer,
  stopProcess,
} from "@parley/realtime/testing";
import { createTRPCClient, createWSClient, httpLink, wsLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

const NGINX = "/usr/sbin/nginx";

/**
 * `deploy/nginx.conf` as the compose gateway runs it, pointed at processes on loopback: the same
 * routes and log format, with only the upstream addresses, the port and nginx's own files (its
 * access and error logs among them, in `dir`) changed.
 */
async function loopbackGateway(dir: string, port: number, web: string[], realtime: string[]): Promise<string> {
  const config = await readFile(path.join(repoRoot, "deploy/nginx.conf"), "utf8");
  const withUpstream = (text: string, name: string, servers: string[]) => {
    const block = new RegExp(`(upstream ${name} \\{)[^}]*(\\})`);
    if (!block.test(text)) throw new Error(`deploy/nginx.conf has no upstream ${name}`);
    return text.replace(block, `$1\n${servers.map((s) => `    server ${s};`).join("\n")}\n  $2`);
  };
  let rendered = withUpstream(withUpstream(config, "web", web), "realtime", realtime);
  if (!/listen 8080;/.test(rendered)) throw new Error("deploy/nginx.conf no longer listens on 8080");
  rendered = rendered.replace("listen 8080;", `listen 127.0.0.1:${port};`);
  const accessLog = /access_log \S+ parley;/;
  if (!accessLog.test(rendered)) throw new Error("deploy/nginx.conf has no access_log in the parley format");
  rendered = rendered.replace(accessLog, `access_log ${dir}/access.log parley;`);
  rendered = rendered.replace(
    "http {",
    `http {\n${["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
      .map((kind) => `  ${kind}_temp_path ${dir}/${kind};`)
      .join("\n")}`,
  );
  rendered = `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\n${rendered}`;
  const file = path.join(dir, "nginx.conf");
  await writeFile(file, rendered);
  return file;
}

/**
 * The production topology on loopback: a web process, two realtime instances, and Debian's nginx
 * in front of them with the gateway configuration the compose file mounts.
 */
describe("the scaled processes behind the compose gateway's nginx configuration", () => {
  let database: TestDatabase;
  let web: RunningServer;
  let realtimes: RunningServer[];
  let nginx: ChildProcess;
  let dir: string;
  let gateway: string;

  beforeAll(async () => {
    ensureDebianPackage(NGINX, "nginx");
    database = await createTestDatabase("postgres");
    dir = await mkdtemp(path.join(tmpdir(), "parley-gateway-"));
    const port = await freePort();
    gateway = `http://127.0.0.1:${port}`;
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "a gateway test secret of 32 bytes or more",
      TRUST_PROXY: "loopback",
      LIMIT_LOGIN_PER_ADDRESS: "3/15m",
    };
    [web, ...realtimes] = await Promise.all([
      startServer("apps/web/server.ts", {
        ...shared,
        PORT: "0",
        HOST: "127.0.0.1",
        WEB_WEBSOCKET: "off",
        NEXTAUTH_URL: gateway,
      }),
      startRealtime(shared),
      startRealtime(shared),
    ]);
    const hostOf = (s: RunningServer) => new URL(s.url).host;
    const config = await loopbackGateway(dir, port, [hostOf(web)], realtimes.map(hostOf));
    nginx = spawn(NGINX, ["-p", dir, "-c", config, "-g", "daemon off;"], { stdio: ["ignore", "pipe", "pipe"] });
    let printed = "";
    nginx.stderr?.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const exited = once(nginx, "exit").then(([code]) => {
      throw new Error(`nginx exited with ${code}: ${printed}`);
    });
    exited.catch(() => {});
    // Answering: the gateway is up (nginx prints nothing when it starts).
    for (let tries = 0; ; tries++) {
      const answered = await Promise.race([
        fetch(`${gateway}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
        exited,
      ]);
      if (answered) break;
      if (tries > 200) throw new Error(`nginx did not answer: ${printed}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 120_000);
  afterAll(async () => {
    if (nginx) await stopProcess(nginx);
    await Promise.all([web?.stop(), ...(realtimes ?? []).map((r) => r.stop())]);
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const http = (token?: string) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${gateway}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
    });

  it("serves pages with their security headers, tRPC over HTTP and the REST endpoints through the gateway", async () => {
    const home = await fetch(`${gateway}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    const session = await http().auth.register.mutate({
      username: `g${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    expect((await http(session.token).auth.me.query()).username).toBe(session.user.username);
    const profile = await fetch(`${gateway}/profile`, { headers: { authorization: session.token } });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ username: session.user.username });
  });

  it("sends WebSocket upgrades to the realtime instances, and live messages arrive through it", async () => {
    const session = await http().auth.register.mutate({
      username: `w${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    const room = await http(session.token).rooms.create.mutate({ name: `gateway ${randomBytes(3).toString("hex")}` });
    const client = createWSClient({
      url: `${gateway.replace("http", "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: session.token },
    });
    const live = createTRPCClient<AppRouter>({ links: [wsLink({ client })] });
    const bodies: string[] = [];
    const arrived = new Promise<void>((resolve, reject) => {
      const subscription = live.events.room.subscribe(
        { roomId: room.id, lastEventId: String(room.lastSeq) },
        {
          onData: ({ data }) => {
            if (data.type !== "message") return;
            bodies.push(data.message.body);
            if (data.message.body === "through the gateway") {
              subscription.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    await live.messages.send.mutate({ roomId: room.id, text: "through the gateway" });
    await arrived;
    expect(bodies).toEqual(["through the gateway"]);
    client.close(); // (the web process refuses upgrades here: WEB_WEBSOCKET=off, so a realtime instance took it)
  });

  it("keeps the metrics to the processes' own ports, and plain GETs of the WebSocket paths out", async () => {
    expect((await fetch(`${gateway}/metrics`)).status).toBe(404);
    expect((await fetch(`${web.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${gateway}/trpc`)).status).toBe(404);
  });

  it("passes the client's address on, and the processes count limits by it because they trust the gateway", async () => {
    const login = (from: string) =>
      fetch(`${gateway}/trpc/auth.login`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": from },
        body: JSON.stringify({ login: "nobody-here", password: "not-the-password" }),
      });
    for (let n = 0; n < 3; n++) expect((await login("198.51.100.1")).status).toBe(401);
    const refused = await login("198.51.100.1");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await login("198.51.100.2")).status).toBe(401); // another client behind the gateway
  });
  it("writes no token down: not in the gateway's access or error log, nor in any process's log", async () => {
    const session = await http().auth.register.mutate({
      username: `t${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    const { token } = session;
    const ws = gateway.replace("http", "ws");
    /** Opens a WebSocket through the gateway and closes it once it opened (or was refused). */
    const upgrade = (url: string) =>
      new Promise<void>((resolve) => {
        const socket = new WebSocket(url);
        socket.once("open", () => socket.close());
        socket.once("close", () => resolve());
        socket.once("error", () => resolve());
      });
    await upgrade(`${ws}/ws?token=${token}`); // seeds 000, 001, 003
    await upgrade(`${ws}/ws?jwt=${token}&room_id=1`); // seed 002
    await upgrade(`${ws}/trpc?token=${token}`);
    await upgrade(`${ws}/chats/${session.user.username}?token=${token}`); // seed 004
    await upgrade(`${ws}/ws?token=${token}-forged`); // refused at the upgrade (401)
    await fetch(`${gateway}/ws?token=${token}`); // a plain GET of a WebSocket path: 404 at the gateway
    await fetch(`${gateway}/trpc/auth.me?token=${token}`);
    await fetch(`${gateway}/profile?token=${token}`);
    await fetch(`${gateway}/no-such-page?jwt=${token}`);
    const lines = async () => (await readFile(path.join(dir, "access.log"), "utf8")).split("\n");
    // nginx writes a WebSocket's line when it closes.
    await eventually(
      async () => {
        const log = await lines();
        expect(log.filter((line) => line.includes('"GET /ws HTTP/1.1" 101')).length).toBeGreaterThanOrEqual(2);
        expect(log.some((line) => line.includes('"GET /ws HTTP/1.1" 401'))).toBe(true);
        expect(log.some((line) => line.includes('"GET /ws HTTP/1.1" 404'))).toBe(true);
        expect(log.some((line) => line.includes('"GET /trpc HTTP/1.1" 101'))).toBe(true);
        expect(log.some((line) => line.includes(`"GET /chats/${session.user.username} HTTP/1.1" 101`))).toBe(true);
        expect(log.some((line) => line.includes('"GET /trpc/auth.me HTTP/1.1" 200'))).toBe(true);
        expect(log.some((line) => line.includes('"GET /no-such-page HTTP/1.1" 404'))).toBe(true);
      },
      10_000,
      50,
    );
    const signature = token.split(".")[2] ?? token;
    const written = {
      access: (await lines()).join("\n"),
      error: await readFile(path.join(dir, "error.log"), "utf8").catch(() => ""),
      web: web.output(),
      realtime: realtimes.map((r) => r.output()).join("\n"),
    };
    for (const [where, text] of Object.entries(written)) {
      expect({ where, token: text.includes(token) || text.includes(signature) }).toEqual({ where, token: false });
      expect({ where, query: /[?&](token|jwt)=/.test(text) }).toEqual({ where, query: false });
    }
  });
});
