import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { restartablePort, stopProcess } from "./processes";

export interface RunningPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  stop(): Promise<void>;
  /** Stops it (a fast shutdown: sessions are cut) and starts it again on the same port and data. */
  restart(): Promise<void>;
}

/** The newest PostgreSQL server binaries Debian installed. */
function serverBinaries(): string {
  const root = "/usr/lib/postgresql";
  const [newest] = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  if (!newest) throw new Error(`no PostgreSQL under ${root}`);
  return path.join(root, newest, "bin");
}

/**
 * A PostgreSQL server of the test's own (initdb in a temporary directory, its own port), so that
 * a test may stop and restart it without disturbing the shared one. PostgreSQL refuses to run as
 * root: as root, it runs as the `postgres` user.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = serverBinaries();
  const dir = await mkdtemp(path.join(tmpdir(), "parley-pg-"));
  const user: { uid?: number; gid?: number } = process.getuid?.() === 0 ? postgresUser() : {};
  if (user.uid !== undefined) spawnSync("chown", ["postgres:postgres", dir]);
  const data = path.join(dir, "data");
  const init = spawnSync(
    path.join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
    { encoding: "utf8", ...user },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stdout}${init.stderr}`);
  const port = await restartablePort();
  let child: ChildProcess;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const settings = [
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
      ];
      child = spawn(path.join(bin, "postgres"), settings, { stdio: ["ignore", "pipe", "pipe"], ...user });
      let out = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("ready to accept connections")) resolve();
      });
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`postgres exited with ${code}: ${out}`)));
    });
  await start();
  // A fast shutdown: open sessions are cut rather than waited for.
  const stop = () => stopProcess(child, "SIGINT");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await start();
    },
  };
}

/** The `postgres` account's ids, to run the server as it. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
  return { uid: id("-u"), gid: id("-g") };
}
