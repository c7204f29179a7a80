import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { restartablePort, runCommand, stopProcess } from "./processes";

/** A Redis Cluster of the test's own: masters on 127.0.0.1, no replicas. */
export interface RunningRedisCluster {
  /** The masters' ports. */
  ports: number[];
  /** Every master as REDIS_CLUSTER_NODES takes them ("127.0.0.1:P1,127.0.0.1:P2,…"). */
  nodes: string;
  /** The port of the master that owns `key`'s slot (a key or a sharded channel's full name). */
  masterOf(key: string): Promise<number>;
  /**
   * Resolves once the master that owns `channel`'s slot has `subscribers` sharded subscriber
   * connections of it (`PUBSUB SHARDNUMSUB`; one per instance), or throws after 20 s.
   */
  untilSubscribed(channel: string, subscribers?: number): Promise<void>;
  /** Kills the master at `port` (SIGKILL: no goodbye to its clients). */
  killMaster(port: number): Promise<void>;
  /**
   * Starts the master at `port` again, on the same port with its nodes.conf (it owns the same slots,
   * empty), and resolves once every master says `cluster_state:ok`.
   */
  startMaster(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** `redis-cli` against one node; rejects with what it printed if it fails. */
async function cli(port: number, ...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCommand({ argv: ["redis-cli", "-p", String(port), ...args], cwd: "/" }, {});
  if (code !== 0 || stdout.startsWith("ERR")) throw new Error(`redis-cli ${args.join(" ")}: ${stdout}${stderr}`);
  return stdout;
}

/** Polls `check` every 100 ms until it holds, or throws naming `what` after `timeoutMs`. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts `masters` redis-server processes with `--cluster-enabled yes`, each with its nodes.conf in a
 * temporary directory of its own, joins them with `redis-cli --cluster create` (no replicas), and
 * resolves once every one says `cluster_state:ok`. Ports come from `restartablePort`, so that a
 * master can be restarted on its own.
 */
export async function startRedisCluster(masters = 3): Promise<RunningRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "parley-redis-cluster-"));
  const ports: number[] = [];
  /** Each master's cluster bus port: chosen too, as the default (port + 10 000) may be in the ephemeral range. */
  const busPorts = new Map<number, number>();
  for (let i = 0; i < masters; i++) {
    const port = await restartablePort();
    ports.push(port);
    busPorts.set(port, await restartablePort());
  }
  const children = new Map<number, ChildProcess>();

  const startNode = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(
        "redis-server",
        [
          ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no"],
          ...["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`],
          ...["--cluster-port", String(busPorts.get(port))],
          ...["--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no"],
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      children.set(port, child);
      child.once("error", reject);
      let out = "";
      child.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("Ready to accept connections")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`redis-server on ${port} exited with ${code}: ${out}`)));
    });

  const clusterOk = () =>
    until(
      async () =>
        (await Promise.all(ports.map((port) => cli(port, "cluster", "info")))).every((info) =>
          info.includes("cluster_state:ok"),
        ),
      "cluster_state:ok on every master",
    );

  const stop = async () => {
    await Promise.all([...children.values()].map((child) => stopProcess(child)));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await Promise.all(ports.map(startNode));
    await cli(
      ports[0] as number,
      "--cluster",
      "create",
      ...ports.map((port) => `127.0.0.1:${port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    );
    await clusterOk();
  } catch (error) {
    await stop();
    throw error;
  }

  const masterOf = async (key: string): Promise<number> => {
    const slot = Number((await cli(ports[0] as number, "cluster", "keyslot", key)).trim());
    // CLUSTER SHARDS would say it in structure; CLUSTER NODES is one line per node: "<id> <ip:port@bus> <flags> … <slots>".
    for (const line of (await cli(ports[0] as number, "cluster", "nodes")).trim().split("\n")) {
      const fields = line.split(" ");
      const port = Number(/:(\d+)@/.exec(fields[1] ?? "")?.[1]);
      for (const range of fields.slice(8)) {
        const [from = -1, to = from] = range.split("-").map(Number);
        if (slot >= from && slot <= to) return port;
      }
    }
    throw new Error(`no master owns slot ${slot}`);
  };

  return {
    ports,
    nodes: ports.map((port) => `127.0.0.1:${port}`).join(","),
    masterOf,
    async untilSubscribed(channel, subscribers = 1) {
      const master = await masterOf(channel);
      await until(
        async () => Number((await cli(master, "pubsub", "shardnumsub", channel)).split("\n")[1]) >= subscribers,
        `${subscribers} sharded subscribers of ${channel} on ${master}`,
      );
    },
    async killMaster(port) {
      const child = children.get(port);
      if (child) await stopProcess(child, "SIGKILL");
    },
    async startMaster(port) {
      await startNode(port);
      await clusterOk();
    },
    stop,
  };
}
