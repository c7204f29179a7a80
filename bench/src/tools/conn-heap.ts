/**
 * Heap per idle connection, attributed (issue 17): one realtime instance, `N` idle connections that
 * each follow one room and their user stream, a heap snapshot before and after (SIGUSR2), and the
 * difference per constructor. Usage: node --import tsx bench/src/tools/conn-heap.ts [N]
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import WebSocket from "ws";
import { startParley } from "../systems/parley";
import { repoRoot } from "../systems/pinned-process";
import { inBatches } from "../systems/system";
import { openFollowers } from "../workloads/followers";

const n = Number(process.argv[2] ?? 2000);
/** both: events.room + events.mine (as the bench and the web client); room: events.room only; none: one auth.me query. */
const mode = process.argv[3] ?? "both";
const snapshots = () => new Set(readdirSync(repoRoot).filter((f) => f.endsWith(".heapsnapshot")));
async function snapshot(pid: number): Promise<string> {
  const before = snapshots();
  process.kill(pid, "SIGUSR2");
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const fresh = [...snapshots()].find((f) => !before.has(f));
    if (!fresh) continue;
    const size = statSync(path.join(repoRoot, fresh)).size;
    await new Promise((r) => setTimeout(r, 1500));
    if (statSync(path.join(repoRoot, fresh)).size === size && size > 0) return path.join(repoRoot, fresh);
  }
}

const system = await startParley({ users: 50 });
try {
  const roomId = await system.createRoom();
  const instance = system.instances[0];
  if (!instance) throw new Error("no instance");
  // Warm: a few connections first, so that lazily built per-process state is not counted.
  const warm = await openFollowers(
    { ...system, subscribe: (_i, ...rest) => system.subscribe(0, ...rest) },
    roomId,
    20,
    {
      receiptsOf: () => null,
      withUserStream: true,
    },
  );
  const m0 = await instance.memory();
  const before = await snapshot(instance.pid);
  const followers =
    mode === "both"
      ? await openFollowers({ ...system, subscribe: (_i, ...rest) => system.subscribe(0, ...rest) }, roomId, n, {
          receiptsOf: () => null,
          withUserStream: true,
          concurrency: 200,
        })
      : await openRaw(instance.url, system.tokens, roomId);
  await new Promise((r) => setTimeout(r, 1000));
  const m1 = await instance.memory();
  const after = await snapshot(instance.pid);
  console.log(
    JSON.stringify({
      n,
      failed: followers.failed,
      heapPerConnection: Math.round((m1.heapUsed - m0.heapUsed) / n),
      before,
      after,
    }),
  );
  followers.close();
  warm.close();
} finally {
  await system.stop();
}

async function openRaw(url: string, tokens: string[], roomId: number) {
  const sockets = await inBatches(
    Array.from({ length: n }, (_, i) => i),
    200,
    (i) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace("http", "ws")}/trpc?token=${tokens[i % tokens.length]}`, {
          perMessageDeflate: false,
        });
        ws.on("open", () =>
          ws.send(
            JSON.stringify(
              mode === "room"
                ? { id: 1, method: "subscription", params: { path: "events.room", input: { roomId } } }
                : { id: 1, method: "query", params: { path: "auth.me" } },
            ),
          ),
        );
        ws.on("message", (data) => {
          const frame = data.toString();
          if (frame === "PING") return ws.send("PONG");
          if (frame.includes('"error"')) reject(new Error(frame));
          if (mode === "none" || frame.includes('"live"')) resolve(ws);
        });
        ws.on("error", reject);
      }),
  );
  return {
    failed: 0,
    close: () => {
      for (const s of sockets) s.close();
    },
  };
}
