import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { request } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pidusage from "pidusage";

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const probe = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));

/** The core every process under test runs on; the load generator has core 0. */
export const SUT_CORE = "1";

export const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

export interface MemorySample {
  rss: number;
  heapUsed: number;
  afterGc: boolean;
}

export interface PinnedProcess {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** RSS and heap after a full GC, asked over IPC from the preloaded probe. */
  memory(): Promise<MemorySample>;
  /** CPU time (user + system) used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  /** RSS as the OS sees it right now (no GC). */
  rssNow(): Promise<number>;
  stop(): Promise<void>;
}

export interface PinnedOptions {
  name: string;
  /** The entry, from the repository root: a TypeScript one runs through tsx, a `.mjs` one (a bundle) without. */
  entry: string;
  args?: string[];
  env?: Record<string, string>;
  port: number;
  /** Directory for `--cpu-prof` output, when profiling. */
  cpuProfDir?: string;
}

/**
 * Starts a server entry as `taskset -c 1 node --expose-gc [--import tsx] --import <probe> entry`,
 * with an IPC channel for the memory probe, and resolves once it answers HTTP on `port`.
 */
export async function startPinned(options: PinnedOptions): Promise<PinnedProcess> {
  const nodeArgs = [
    "--expose-gc",
    "--heapsnapshot-signal=SIGUSR2",
    ...(options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    ...(options.entry.endsWith(".ts") ? ["--import", "tsx"] : []),
    "--import",
    probe,
    path.resolve(repoRoot, options.entry),
    ...(options.args ?? []),
  ];
  const [command, args] = hasTaskset
    ? ["taskset", ["-c", SUT_CORE, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command as string, args as string[], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output = (output + c.toString()).slice(-20_000);
  });
  child.stderr?.on("data", (c: Buffer) => {
    output = (output + c.toString()).slice(-20_000);
  });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`${options.name} exited with ${code} before answering:\n${output}`);
  });
  exited.catch(() => {});
  const url = `http://127.0.0.1:${options.port}`;
  await Promise.race([waitForHttp(url, 60_000), exited]);
  const pid = child.pid ?? 0;
  return {
    name: options.name,
    url,
    pid,
    child,
    output: () => output,
    memory: () => askMemory(child),
    async cpuMicros() {
      const stats = await pidusage(pid);
      return stats.ctime * 1000;
    },
    async rssNow() {
      return (await pidusage(pid)).memory;
    },
    async stop() {
      pidusage.clear();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

function askMemory(child: ChildProcess): Promise<MemorySample> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the memory probe did not answer")), 30_000);
    const onMessage = (message: { type?: string } & MemorySample) => {
      if (message.type !== "bench:memory") return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve({ rss: message.rss, heapUsed: message.heapUsed, afterGc: message.afterGc });
    };
    child.on("message", onMessage);
    child.send("bench:memory");
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request(`${url}/healthz`, (res) => {
        res.resume();
        resolve(true);
      });
      req.on("error", () => resolve(false));
      req.end();
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
