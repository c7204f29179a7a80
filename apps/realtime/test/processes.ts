import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@parley/db/testing";
import { httpClient } from "./clients";

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** A program to run: its command line and its working directory. */
export interface Command {
  argv: string[];
  cwd: string;
}

/**
 * A TypeScript entry run as `npm start` does: `node --import tsx`, from the repo root. (The `tsx`
 * command forwards SIGTERM and kills its child 30 ms later, cutting a graceful shutdown short.)
 */
const tsEntry = (entry: string, args: string[]): Command => ({
  argv: [process.execPath, "--import", "tsx", path.resolve(repoRoot, entry), ...args],
  cwd: repoRoot,
});

const spawnCommand = ({ argv: [program = "", ...args], cwd }: Command, env: Record<string, string>) =>
  spawn(program, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });

export interface RunningServer {
  url: string;
  process: ChildProcess;
  /** Everything the process has printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `apps/realtime` as a real process on a free port and resolves when it says it listens
 * (its JSON log line carries the port), or rejects with what it printed if it exits first.
 */
export function startRealtime(env: Record<string, string>): Promise<RunningServer> {
  return startServer("apps/realtime/src/main.ts", { HOST: "127.0.0.1", REALTIME_PORT: "0", ...env });
}

/**
 * The abuse limits, lifted: tests register dozens of users and send hundreds of messages from one
 * address within seconds. Processes started here run with these unless a test (such as the tests
 * of the limits themselves) sets its own.
 */
export const LIMITS_LIFTED: Record<string, string> = {
  LIMIT_LOGIN_PER_ACCOUNT: "off",
  LIMIT_LOGIN_PER_ADDRESS: "off",
  LIMIT_REGISTER_PER_ADDRESS: "off",
  LIMIT_MESSAGES_PER_ROOM: "off",
  LIMIT_CHANGES_PER_ROOM: "off",
  LIMIT_SEARCHES_PER_USER: "off",
  WS_FRAMES_PER_CONNECTION: "off",
  WS_MAX_CONNECTIONS_PER_ADDRESS: "1000000",
  WS_MAX_CONNECTIONS_PER_USER: "1000000",
};

/** Starts a server entry of this repo as a real process; see `startRealtime`. */
export function startServer(entry: string, env: Record<string, string>): Promise<RunningServer> {
  return startCommand(tsEntry(entry, []), env);
}

/** Starts any command that runs a Parley server (a Docker image's, say); see `startRealtime`. */
export function startCommand(command: Command, env: Record<string, string>): Promise<RunningServer> {
  const child = spawnCommand(command, { LOG_LEVEL: "info", ...LIMITS_LIFTED, ...env });
  let output = "";
  return new Promise((resolve, reject) => {
    let listening = false;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (listening) return;
      for (const line of output.split("\n")) {
        const port = /"port":(\d+)/.exec(line)?.[1];
        if (port && line.includes("listening")) {
          listening = true;
          resolve({
            url: `http://127.0.0.1:${port}`,
            process: child,
            output: () => output,
            stop: () => stopProcess(child),
          });
          return;
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`${command.argv.join(" ")} exited with ${code} before listening:\n${output}`)),
    );
  });
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** Runs a TypeScript script to completion (path from the repo root, or absolute), collecting what it prints. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCommand(tsEntry(script, args), env);
}

/** Runs a command to completion, collecting what it prints. */
export function runCommand(
  command: Command,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCommand(command, env);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return listenOnce(0);
}

/** Below Linux's default ephemeral range (32768–60999), which outgoing connections take ports from. */
const RESTARTABLE_PORTS = { from: 20_000, to: 32_000 };

/**
 * A free port for a process that a test stops and starts again on the same port. A port from the
 * ephemeral range can be taken, while the process is down, as the local port of some outgoing
 * connection (to PostgreSQL, Redis, ...), and the restart then fails with EADDRINUSE.
 */
export async function restartablePort(): Promise<number> {
  for (;;) {
    const port = RESTARTABLE_PORTS.from + Math.floor(Math.random() * (RESTARTABLE_PORTS.to - RESTARTABLE_PORTS.from));
    try {
      return await listenOnce(port);
    } catch {
      // taken: try another
    }
  }
}

async function listenOnce(port: number): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface RunningRedis {
  url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** A Redis of the test's own, on its own port, so that the test may stop and restart it. */
export async function startRedis(): Promise<RunningRedis> {
  const port = await restartablePort();
  let child: ChildProcess;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      child.once("error", reject);
      let out = "";
      child.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("Ready to accept connections")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    });
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopProcess(child),
    async restart() {
      await stopProcess(child);
      await start();
    },
  };
}

export { everyKindOfApiAnswer } from "./api-answers";
export { ensureDebianPackage } from "./debian-package";
export { type RunningPostgres, startPostgres } from "./postgres-server";

/** Two realtime instances, A and B, sharing a fresh PostgreSQL database and a Redis of their own. */
export interface TwoInstances {
  a: RunningServer;
  b: RunningServer;
  redis: RunningRedis;
  /** Stops both instances and Redis, and drops the database. */
  stop(): Promise<void>;
}

/** Starts `TwoInstances` signing tokens with `jwtSecret` (32 bytes or more). */
export async function startTwoInstances(jwtSecret: string): Promise<TwoInstances> {
  const database = await createTestDatabase("postgres");
  const redis = await startRedis();
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
    JWT_SECRET: jwtSecret,
  };
  const [a, b] = await Promise.all([startRealtime(env), startRealtime(env)]);
  return {
    a,
    b,
    redis,
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      await redis.stop();
      await database.dispose();
    },
  };
}

/** Registers a new user on `server`: the session (token, user) and a typed HTTP client with its token. */
export async function signUpOn(server: RunningServer) {
  const session = await httpClient(server.url).auth.register.mutate({
    username: `u${randomBytes(4).toString("hex")}`,
    password: "pw-pw-pw",
  });
  return { ...session, http: httpClient(server.url, session.token) };
}
