import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { AppRouter } from "@parley/api";
import { createEmptyPostgresDatabase, dropPostgresDatabase, testRedisUrl } from "@parley/db/testing";
import { type Command, type RunningServer, repoRoot, runCommand, startCommand } from "@parley/realtime/testing";
import { createTRPCClient, createWSClient, httpLink, wsLink } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parse } from "yaml";
import { cmdOf, copiesOf, envOf, readDockerfile, workdirOf } from "./dockerfile";

const execFileAsync = promisify(execFile);

const JWT_SECRET = "a Docker image test secret of 32 bytes or more";

interface Image {
  /** The image's files: what its last stage copies, in a directory outside the repo. */
  dir: string;
  env: Record<string, string>;
  /** The image's CMD, or another command run in it. */
  run(argv?: string[]): Command;
}

/**
 * What an image would hold, made without Docker (which cannot run here): the last stage's
 * `COPY --from=<build stage>` lines, taken from this repo's build (`npm run build`) instead of the
 * build stage's, into a directory outside the repo, where no node_modules of the workspace can be
 * found. A file the image lacks is missing here too.
 */
async function assemble(dockerfile: string): Promise<Image> {
  const { build, final } = await readDockerfile(dockerfile);
  const dir = await mkdtemp(path.join(tmpdir(), "parley-image-"));
  for (const copy of copiesOf(final)) {
    expect(copy.from, `${dockerfile}: the last stage copies from the build stage only`).toBe(build.name);
    const destination = rebase(copy.destination, workdirOf(final), dir);
    for (const source of copy.sources) {
      // As COPY does: a directory's contents, symbolic links as they are (`cp` takes a tenth of fs.cp's time).
      const fromRepo = rebase(source, workdirOf(build), repoRoot);
      await mkdir(destination, { recursive: true });
      await execFileAsync("cp", ["-R", (await stat(fromRepo)).isDirectory() ? `${fromRepo}/.` : fromRepo, destination]);
    }
  }
  return { dir, env: envOf(final), run: (argv = cmdOf(final)) => ({ argv, cwd: dir }) };
}

/** `file` (absolute, or relative to `workdir`) moved from under `workdir` to under `base`. */
function rebase(file: string, workdir: string, base: string): string {
  const relative = path.relative(workdir, path.resolve(workdir, file));
  if (relative.startsWith("..")) throw new Error(`${file} is outside ${workdir}`);
  return path.join(base, relative);
}

/**
 * The web and realtime images as docker-compose.yml runs them (web without WebSockets, realtime
 * behind it, the migration first), on real PostgreSQL and Redis.
 */
describe("the Docker images, run from what they copy", () => {
  let web: Image;
  let realtime: Image;
  let database: URL;
  let webServer: RunningServer;
  let realtimeServer: RunningServer;

  beforeAll(async () => {
    [web, realtime, database] = await Promise.all([
      assemble("apps/web/Dockerfile"),
      assemble("apps/realtime/Dockerfile"),
      createEmptyPostgresDatabase(),
    ]);
    const compose = parse(await readFile(path.join(repoRoot, "docker-compose.yml"), "utf8")) as {
      services: { migrate: { command: string[] } };
    };
    const env = {
      DATABASE_URL: database.href,
      REDIS_URL: testRedisUrl,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET,
      HOST: "127.0.0.1",
    };
    const migrated = await runCommand(realtime.run(compose.services.migrate.command), { ...realtime.env, ...env });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('"msg":"migrated"');
    [webServer, realtimeServer] = await Promise.all([
      startCommand(web.run(), { ...web.env, ...env, PORT: "0", WEB_WEBSOCKET: "off" }),
      startCommand(realtime.run(), { ...realtime.env, ...env, REALTIME_PORT: "0" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([webServer?.stop(), realtimeServer?.stop()]);
    if (database) await dropPostgresDatabase(database);
    await Promise.all([web, realtime].map((image) => image && rm(image.dir, { recursive: true, force: true })));
  });

  it("are ready on PostgreSQL and Redis", async () => {
    for (const server of [webServer, realtimeServer]) {
      const ready = await fetch(`${server.url}/readyz`);
      expect(await ready.json()).toEqual({ ready: true, checks: { postgres: "ok", redis: "ok" } });
    }
  });

  it("serve a page with its static files, tRPC over HTTP, a sign-in through next-auth and a live subscription", async () => {
    const page = await fetch(`${webServer.url}/signin`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const asset = /\/_next\/static\/[^"]+\.css/.exec(html)?.[0];
    expect((await fetch(`${webServer.url}${asset}`)).status).toBe(200);

    const username = `u${randomBytes(4).toString("hex")}`;
    const http = (token?: string) =>
      createTRPCClient<AppRouter>({
        links: [
          httpLink({
            url: `${webServer.url}/trpc`,
            headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
          }),
        ],
      });
    const { token } = await http().auth.register.mutate({ username, password: "pw-pw-pw" });
    expect(await signIn(webServer.url, username, "pw-pw-pw")).toMatchObject({ user: { username } });

    const room = await http(token).rooms.create.mutate({ name: `image-${randomBytes(3).toString("hex")}` });
    const socket = createWSClient({
      url: `${realtimeServer.url.replace("http", "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token },
    });
    const live = createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] });
    const received = new Promise<{ id: string; body: string }>((resolve, reject) => {
      live.events.room.subscribe(
        { roomId: room.id, lastEventId: "0" },
        {
          onData: ({ id, data }) => data.type === "message" && resolve({ id, body: data.message.body }),
          onError: reject,
        },
      );
    });
    const sent = await http(token).messages.send.mutate({ roomId: room.id, text: "from the web image" });
    // The event id is the room's sequence number: the realtime image's one @trpc/server saw `tracked()`.
    expect(await received).toEqual({ id: String(sent.seq), body: "from the web image" });
    socket.close();
  });
});

/** Signs in as a browser does, through next-auth's credentials callback; resolves to the session. */
async function signIn(base: string, login: string, password: string): Promise<unknown> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookiesOf = (response: Response) => response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const signedIn = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: cookiesOf(csrf).join("; "), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, login, password, mode: "signin" }),
  });
  const session = await fetch(`${base}/api/auth/session`, { headers: { cookie: cookiesOf(signedIn).join("; ") } });
  return session.json();
}
