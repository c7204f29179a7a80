import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * Runs a TypeScript entry as `npm start` does: `node --import tsx`, from the repo root. (The `tsx`
 * command forwards SIGTERM and kills its child 30 ms later, cutting a graceful shutdown short.)
 */
const spawnTs = (entry: string, args: string[], env: Record<string, string>) =>
  spawn(process.execPath, ["--import", "tsx", path.resolve(repoRoot, entry), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });

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

/** Starts a server entry of this repo as a real process; see `startRealtime`. */
export function startServer(entry: string, env: Record<string, string>): Promise<RunningServer> {
  const child = spawnTs(entry, [], { LOG_LEVEL: "info", ...env });
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
    child.once("exit", (code) => reject(new Error(`realtime exited with ${code} before listening:\n${output}`)));
  });
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Runs a TypeScript script to completion (path from the repo root, or absolute), collecting what it prints. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnTs(script, args, env);
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
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
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
  const port = await freePort();
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
