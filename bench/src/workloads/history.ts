import { spawn } from "node:child_process";
import { Latency, type LatencySummary, sleep } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { trpcCall } from "../systems/trpc-http";
import { httpClient } from "./http-client";

export interface HistoryRow {
  depth: string;
  before: number | null;
  requestsPerSec: number;
  latency: LatencySummary;
}

export interface HistoryResult {
  messages: number;
  insertMs: number;
  rows: HistoryRow[];
}

/**
 * Inserts `count` messages into a fresh room with one INSERT … SELECT generate_series (through
 * psql, with its variables: no SQL is built from strings here), sets rooms.last_seq, then pages
 * `history.list` (100 messages, `before` cursor) over tRPC HTTP at several depths, one request at
 * a time for `seconds` each.
 */
export async function runHistory(
  parley: ParleySystem,
  options: { messages: number; depths: number[]; seconds: number },
): Promise<HistoryResult> {
  const token = parley.tokens[0] ?? "";
  const api = parley.instances[0]?.url ?? "";
  const roomId = await parley.createRoom();
  const me = await trpcCall<{ id: number }>(api, "auth.me", undefined, { token, query: true });
  const t0 = performance.now();
  await psql(
    parley.database.url,
    { room: roomId, author: me.id, count: options.messages },
    `begin;
     select last_seq as base from rooms where id = :room for update \\gset
     insert into messages (room_id, author_id, kind, body, seq)
       select :room, :author, 'text', 'history message ' || g, :base + g from generate_series(1, :count) g;
     update rooms set last_seq = :base + :count where id = :room;
     commit;
     analyze messages;`,
  );
  const insertMs = Math.round(performance.now() - t0);
  const newest = await trpcCall<{ items: { seq: number }[] }>(
    api,
    "history.list",
    { roomId, limit: 1 },
    { token, query: true },
  );
  const last = newest.items[0]?.seq ?? options.messages;
  const oldest = last - options.messages;

  const targets: { depth: string; before: number | null }[] = [
    ...options.depths.map((d) => ({
      depth: d === 0 ? "newest" : `${d.toLocaleString("en")} back`,
      before: d === 0 ? null : last - d + 1,
    })),
    { depth: "oldest page", before: oldest + 101 },
  ];
  const http = httpClient(api, 1);
  const rows: HistoryRow[] = [];
  for (const target of targets) {
    const input = JSON.stringify({ roomId, limit: 100, ...(target.before === null ? {} : { before: target.before }) });
    const url = `/trpc/history.list?input=${encodeURIComponent(input)}`;
    for (let i = 0; i < 20; i++) await http.call("GET", url, null, token); // warm-up
    const latency = new Latency();
    const end = performance.now() + options.seconds * 1000;
    let done = 0;
    while (performance.now() < end) {
      const start = performance.now();
      await http.call("GET", url, null, token);
      latency.record(performance.now() - start);
      done++;
    }
    const row = { ...target, requestsPerSec: Math.round(done / options.seconds), latency: latency.summary() };
    console.log(`  history ${JSON.stringify(row)}`);
    rows.push(row);
    await sleep(200);
  }
  http.close();
  return { messages: options.messages, insertMs, rows };
}

function psql(url: string, vars: Record<string, number>, script: string): Promise<void> {
  const args = [url, "-v", "ON_ERROR_STOP=1", "-q", ...Object.entries(vars).flatMap(([k, v]) => ["-v", `${k}=${v}`])];
  return new Promise((resolve, reject) => {
    const child = spawn("psql", args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`psql failed: ${stderr}`))));
    child.stdin.end(script);
  });
}
