import { existsSync } from "node:fs";
import path from "node:path";
import { freePort } from "@parley/realtime/testing";
import { parleyPublisher } from "../clients/parley-client";
import { stampedBody } from "../clients/raw-client";
import { Latency, type LatencySummary, sleep } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { startHttpEcho, startHttpSend } from "../systems/peers";
import { repoRoot, startPinned } from "../systems/pinned-process";
import { trpcCall } from "../systems/trpc-http";
import { httpClient } from "./http-client";
import { openLoop } from "./open-loop";
import { appendMessages, lastSeq, withDb } from "./room-fill";
import { countStatements, type Probe, type StatementCount } from "./statement-count";

export interface SendPathRow {
  path: string;
  /** Closed loop, `concurrency` requests in flight. */
  maxRequestsPerSec: number;
  failed: number;
  /** Open loop at half the maximum. */
  halfRate: number;
  atHalfRate: LatencySummary;
  note?: string;
  /** SQL statements per call, as PostgreSQL logged them (the WebSocket send and the changes). */
  statements?: StatementCount;
}

type Call = (n: number) => Promise<void>;

/** The changes to a message measured after the send over tRPC WebSocket, in this order. */
export const CHANGE_ROWS = {
  edit: "edit: tRPC over WebSocket (realtime process)",
  react: "react: tRPC over WebSocket (realtime process)",
  delete: "delete: tRPC over WebSocket (realtime process)",
} as const;
export const WS_SEND_ROW = "tRPC over WebSocket (realtime process)";

/** Closed loop for `seconds`, then open loop at half the rate reached; latency from the scheduled time. */
export async function measure(
  pathName: string,
  call: Call,
  concurrency: number,
  seconds: number,
): Promise<SendPathRow> {
  let done = 0;
  let failed = 0;
  let n = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call(n++).then(
          () => done++,
          () => failed++,
        );
      }
    }),
  );
  const max = Math.round(done / seconds);
  const halfRate = Math.max(1, Math.round(max / 2));
  await sleep(500);
  const latency = new Latency();
  const inFlight: Promise<void>[] = [];
  await openLoop(halfRate, seconds, (scheduled) => {
    inFlight.push(
      call(n++).then(
        () => latency.record(performance.now() - scheduled),
        () => {
          failed++;
        },
      ),
    );
  });
  await Promise.all(inFlight);
  const row = { path: pathName, maxRequestsPerSec: max, failed, halfRate, atHalfRate: latency.summary() };
  console.log(`  send path ${pathName}: ${JSON.stringify(row)}`);
  return row;
}

/**
 * Parley's send path, every request stored and published: tRPC over HTTP through the web process
 * (apps/web/server.ts, WEB_WEBSOCKET=off, pinned like the rest), tRPC over WebSocket through a
 * realtime instance and REST on one; then the ceiling, the same send handler in bare node:http,
 * and for scale node:http doing JSON parse and answer only.
 */
export async function runSendPath(
  parley: ParleySystem,
  options: { seconds: number; concurrency: number; cpuProfDir?: string },
): Promise<SendPathRow[]> {
  const roomId = await parley.createRoom();
  const token = parley.tokens[0] ?? "";
  const body = (n: number) => JSON.stringify({ roomId, text: stampedBody(0, n) });
  const rows: SendPathRow[] = [];
  /** One row: POSTs of `bodyOf(n)` to `url` + `path`, with the user's token, on kept-alive sockets. */
  const overHttp = async (name: string, url: string, path: string, bodyOf: (n: number) => string) => {
    const http = httpClient(url, options.concurrency);
    try {
      return await measure(
        name,
        (n) => http.call("POST", path, bodyOf(n), token),
        options.concurrency,
        options.seconds,
      );
    } finally {
      http.close();
    }
  };

  if (existsSync(path.join(repoRoot, "apps/web/.next/BUILD_ID"))) {
    const port = await freePort();
    const web = await startPinned({
      name: "parley-web",
      entry: "apps/web/server.ts",
      env: { ...parley.env, PORT: String(port), WEB_WEBSOCKET: "off", NEXTAUTH_URL: `http://127.0.0.1:${port}` },
      port,
      cpuProfDir: options.cpuProfDir,
    });
    rows.push(await overHttp("tRPC over HTTP (web process)", web.url, "/trpc/messages.send", body));
    await web.stop();
  } else {
    rows.push({
      path: "tRPC over HTTP (web process)",
      maxRequestsPerSec: 0,
      failed: 0,
      halfRate: 0,
      atHalfRate: { count: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, maxMs: 0 },
      note: "skipped: no Next build (run `npm run build -w @parley/web`)",
    });
  }

  const instance = parley.instances[0]?.url ?? "";
  rows.push(await overHttp("tRPC over HTTP (realtime process)", instance, "/trpc/messages.send", body));

  const sockets = Array.from({ length: options.concurrency }, () => parleyPublisher(instance, token, roomId));
  await Promise.all(sockets.map((s) => s.ready));
  rows.push(
    await measure(
      WS_SEND_ROW,
      (n) => sockets[n % sockets.length]?.call(stampedBody(0, n)) ?? Promise.resolve(),
      options.concurrency,
      options.seconds,
    ),
  );
  rows.push(...(await changeRows(parley, rows, roomId, sockets, options)));
  for (const s of sockets) s.close();

  const restBody = (n: number) => JSON.stringify({ text: stampedBody(0, n) });
  rows.push(
    await overHttp("REST: POST /messages/{roomId} (realtime process)", instance, `/messages/${roomId}`, restBody),
  );

  const sameHandler = await startHttpSend(parley.env, { cpuProfDir: options.cpuProfDir });
  rows.push(await overHttp("ceiling: the same send handler in bare node:http", sameHandler.url, "/", body));
  await sameHandler.stop();

  const echo = await startHttpEcho({ cpuProfDir: options.cpuProfDir });
  rows.push(await overHttp("transport only: bare node:http JSON echo (nothing stored)", echo.url, "/", body));
  await echo.stop();
  return rows;
}

/**
 * Edits, reactions and deletions as the send over tRPC WebSocket is measured: the same sockets
 * (the room owner's), concurrency and `measure`, each call one real change that takes the room's
 * next sequence number. The messages are appended in SQL beforehand, outside the measured time:
 * `seconds × 5,000` for edits and reactions to share (call *n* edits message *n mod pool* to a text
 * of its own; reacts with 👍 to it on even rounds through the pool and unreacts on odd ones, so no
 * call is an idempotent no-op), and as many again for deletions, one fresh message per call.
 * After each row the room's sequence numbers taken are compared with the calls answered: a
 * difference (a call that changed nothing) is written in the row's note.
 */
async function changeRows(
  parley: ParleySystem,
  previous: SendPathRow[],
  roomId: number,
  sockets: ReturnType<typeof parleyPublisher>[],
  options: { seconds: number; concurrency: number },
): Promise<SendPathRow[]> {
  const pool = options.seconds * 5000;
  const token = parley.tokens[0] ?? "";
  const api = parley.instances[0]?.url ?? "";
  const me = await trpcCall<{ id: number }>(api, "auth.me", undefined, { token, query: true });
  const [shared, fresh] = await withDb(parley.database.url, async (db) => [
    await appendMessages(db, { roomId, authorId: me.id, count: pool, text: "to edit and react to" }),
    await appendMessages(db, { roomId, authorId: me.id, count: pool, text: "to delete" }),
  ]);
  const socket = (n: number) => sockets[n % sockets.length] as (typeof sockets)[number];
  const calls: Record<keyof typeof CHANGE_ROWS, Call> = {
    edit: (n) => socket(n).mutate("messages.edit", { messageId: shared[n % pool], text: stampedBody(0, n) }),
    react: (n) =>
      socket(n).mutate(Math.floor(n / pool) % 2 === 0 ? "messages.react" : "messages.unreact", {
        messageId: shared[n % pool],
        emoji: "👍",
      }),
    delete: (n) =>
      n < fresh.length
        ? socket(n).mutate("messages.delete", { messageId: fresh[n] })
        : Promise.reject(new Error(`only ${fresh.length} messages were made to delete`)),
  };
  const rows: SendPathRow[] = [];
  for (const [kind, name] of Object.entries(CHANGE_ROWS) as [keyof typeof CHANGE_ROWS, string][]) {
    const seqBefore = await withDb(parley.database.url, (db) => lastSeq(db, roomId));
    let answered = 0;
    const call = calls[kind];
    const row = await measure(name, (n) => call(n).then(() => void answered++), options.concurrency, options.seconds);
    const taken = (await withDb(parley.database.url, (db) => lastSeq(db, roomId))) - seqBefore;
    if (taken !== answered) row.note = `${answered - taken} of ${answered} calls took no sequence number`;
    console.log(`  send path ${kind}: ${answered} calls answered, ${taken} sequence numbers taken`);
    rows.push(row);
  }
  // Then what each costs in SQL, over tRPC HTTP on messages no row touched: the last of the pool
  // for deletions, reactions with an emoji no row used, a new text each.
  const probes: Record<"send" | keyof typeof CHANGE_ROWS, Probe> = {
    send: {
      method: "POST",
      path: "/trpc/messages.send",
      body: (i) => JSON.stringify({ roomId, text: `counted ${i}` }),
    },
    edit: {
      method: "POST",
      path: "/trpc/messages.edit",
      body: (i) => JSON.stringify({ messageId: shared[pool - 1 - i], text: `counted edit ${i}` }),
    },
    react: {
      method: "POST",
      path: "/trpc/messages.react",
      body: (i) => JSON.stringify({ messageId: shared[pool - 1 - i], emoji: "🔥" }),
    },
    delete: {
      method: "POST",
      path: "/trpc/messages.delete",
      body: (i) => JSON.stringify({ messageId: fresh[pool - 1 - i] }),
    },
  };
  try {
    const counted = await countStatements(parley, token, Object.values(probes));
    const kinds = Object.keys(probes);
    const statements = Object.fromEntries(counted.map((c, i) => [kinds[i], c]));
    console.log(`  send path statements per call: ${JSON.stringify(statements)}`);
    for (const row of [...rows, ...previous]) {
      const kind = row.path === WS_SEND_ROW ? "send" : row.path.split(":")[0];
      if (kind && statements[kind]) row.statements = statements[kind];
    }
  } catch (error) {
    console.log(
      `  send path: statements not counted: ${error instanceof Error ? error.message.split("\n")[0] : error}`,
    );
  }
  return rows;
}
