import { spawn } from "node:child_process";
import { sql } from "drizzle-orm";
import { Latency, type LatencySummary, sleep } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { trpcCall } from "../systems/trpc-http";
import { httpClient } from "./http-client";
import { fillRichRoom, nthTopLevelSeq, type RichRoom, withDb } from "./room-fill";
import { countStatements, type StatementCount } from "./statement-count";

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
  /**
   * The same pages, measured in turn with the plain room's, in a room of as many sequence numbers
   * whose messages carry reactions, threads (reply counts) and pins. Absent before issue 14.
   */
  rich?: { room: RichRoom; insertMs: number; rows: HistoryRow[] };
  /** SQL statements per newest page, as PostgreSQL logged them; or why they weren't counted. */
  queriesPerPage?: { plain: StatementCount; rich: StatementCount } | { error: string };
}

interface Target {
  depth: string;
  before: number | null;
}

/**
 * Inserts `count` messages into a fresh room with one INSERT … SELECT generate_series (through
 * psql, with its variables: no SQL is built from strings here), sets rooms.last_seq; fills a second
 * room over as many sequence numbers with replies, reactions, threads and pins (`fillRichRoom`);
 * then pages `history.list` (100 messages, `before` cursor) over tRPC HTTP at several depths, one
 * request at a time, the plain room's page and the rich room's in turn for `seconds` each. Last,
 * the SQL statements of each room's newest page are counted (`countStatements`).
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

  const richRoomId = await parley.createRoom();
  const t1 = performance.now();
  const { room, richOldest } = await withDb(parley.database.url, async (db) => {
    const room = await fillRichRoom(db, { roomId: richRoomId, count: options.messages });
    await db.execute(sql`analyze messages`);
    await db.execute(sql`analyze reactions`);
    return { room, richOldest: await nthTopLevelSeq(db, richRoomId, 101) };
  });
  const richInsertMs = Math.round(performance.now() - t1);
  console.log(`  history: rich room ${JSON.stringify(room)} in ${richInsertMs} ms`);

  const newestSeq = async (id: number) =>
    (
      await trpcCall<{ items: { seq: number }[] }>(
        api,
        "history.list",
        { roomId: id, limit: 1 },
        { token, query: true },
      )
    ).items[0]?.seq ?? 0;
  const targetsOf = (last: number, oldest: Target): Target[] => [
    ...options.depths.map((d) => ({
      depth: d === 0 ? "newest" : `${d.toLocaleString("en")} back`,
      before: d === 0 ? null : last - d + 1,
    })),
    oldest,
  ];
  const last = await newestSeq(roomId);
  const plainTargets = targetsOf(last, { depth: "oldest page", before: last - options.messages + 101 });
  const richTargets = targetsOf(await newestSeq(richRoomId), { depth: "oldest page", before: richOldest });

  const pageUrl = (id: number, target: Target) =>
    `/trpc/history.list?input=${encodeURIComponent(
      JSON.stringify({ roomId: id, limit: 100, ...(target.before === null ? {} : { before: target.before }) }),
    )}`;
  const http = httpClient(api, 1);
  /**
   * The plain room's page and the rich room's, one request each in turn for twice `seconds`, so
   * that both meet the same moments of the machine's noise (other processes share its cores).
   * Requests/s is each page's count over the time spent in its own requests.
   */
  const measurePair = async (pages: { label: string; url: string; target: Target }[]): Promise<HistoryRow[]> => {
    for (let i = 0; i < 20; i++) for (const page of pages) await http.call("GET", page.url, null, token); // warm-up
    const measured = pages.map(() => ({ latency: new Latency(), done: 0, busyMs: 0 }));
    const end = performance.now() + pages.length * options.seconds * 1000;
    while (performance.now() < end)
      for (const [i, page] of pages.entries()) {
        const start = performance.now();
        await http.call("GET", page.url, null, token);
        const took = performance.now() - start;
        const m = measured[i] as (typeof measured)[number];
        m.latency.record(took);
        m.done++;
        m.busyMs += took;
      }
    await sleep(200);
    return pages.map((page, i) => {
      const m = measured[i] as (typeof measured)[number];
      const row = {
        ...page.target,
        requestsPerSec: Math.round(m.done / (m.busyMs / 1000)),
        latency: m.latency.summary(),
      };
      console.log(`  history ${page.label} ${JSON.stringify(row)}`);
      return row;
    });
  };
  const rows: HistoryRow[] = [];
  const richRows: HistoryRow[] = [];
  for (const [i, target] of plainTargets.entries()) {
    const rich = richTargets[i] ?? target;
    const [plainRow, richRow] = await measurePair([
      { label: "plain", url: pageUrl(roomId, target), target },
      { label: "rich", url: pageUrl(richRoomId, rich), target: rich },
    ]);
    if (plainRow && richRow) {
      rows.push(plainRow);
      richRows.push(richRow);
    }
  }
  http.close();

  let queriesPerPage: HistoryResult["queriesPerPage"];
  try {
    const [plain, rich] = await countStatements(parley, token, [
      { method: "GET", path: pageUrl(roomId, { depth: "newest", before: null }) },
      { method: "GET", path: pageUrl(richRoomId, { depth: "newest", before: null }) },
    ]);
    if (plain && rich) queriesPerPage = { plain, rich };
    console.log(`  history: statements per page ${JSON.stringify(queriesPerPage)}`);
  } catch (error) {
    queriesPerPage = { error: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error) };
    console.log(`  history: statements not counted: ${queriesPerPage.error}`);
  }
  return {
    messages: options.messages,
    insertMs,
    rows,
    rich: { room, insertMs: richInsertMs, rows: richRows },
    queriesPerPage,
  };
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
