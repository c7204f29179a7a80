import { existsSync } from "node:fs";
import path from "node:path";
import { freePort } from "@parley/realtime/testing";
import { parleyPublisher } from "../clients/parley-client";
import { stampedBody } from "../clients/raw-client";
import { Latency, type LatencySummary, sleep } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { startHttpEcho, startHttpSend } from "../systems/peers";
import { repoRoot, startPinned } from "../systems/pinned-process";
import { httpClient } from "./http-client";
import { openLoop } from "./open-loop";

export interface SendPathRow {
  path: string;
  /** Closed loop, `concurrency` requests in flight. */
  maxRequestsPerSec: number;
  failed: number;
  /** Open loop at half the maximum. */
  halfRate: number;
  atHalfRate: LatencySummary;
  note?: string;
}

type Call = (n: number) => Promise<void>;

/** Closed loop for `seconds`, then open loop at half the rate reached; latency from the scheduled time. */
async function measure(pathName: string, call: Call, concurrency: number, seconds: number): Promise<SendPathRow> {
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
      atHalfRate: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0 },
      note: "skipped: no Next build (run `npm run build -w @parley/web`)",
    });
  }

  const instance = parley.instances[0]?.url ?? "";
  rows.push(await overHttp("tRPC over HTTP (realtime process)", instance, "/trpc/messages.send", body));

  const sockets = Array.from({ length: options.concurrency }, () => parleyPublisher(instance, token, roomId));
  await Promise.all(sockets.map((s) => s.ready));
  rows.push(
    await measure(
      "tRPC over WebSocket (realtime process)",
      (n) => sockets[n % sockets.length]?.call(stampedBody(0, n)) ?? Promise.resolve(),
      options.concurrency,
      options.seconds,
    ),
  );
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
