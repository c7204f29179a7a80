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

  if (existsSync(path.join(repoRoot, "apps/web/.next/BUILD_ID"))) {
    const port = await freePort();
    const web = await startPinned({
      name: "parley-web",
      entry: "apps/web/server.ts",
      env: { ...parley.env, PORT: String(port), WEB_WEBSOCKET: "off", NEXTAUTH_URL: `http://127.0.0.1:${port}` },
      port,
      cpuProfDir: options.cpuProfDir,
    });
    const http = httpClient(web.url, options.concurrency);
    rows.push(
      await measure(
        "tRPC over HTTP (web process)",
        (n) => http.call("POST", "/trpc/messages.send", body(n), token),
        options.concurrency,
        options.seconds,
      ),
    );
    http.close();
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
  const realtimeHttp = httpClient(instance, options.concurrency);
  rows.push(
    await measure(
      "tRPC over HTTP (realtime process)",
      (n) => realtimeHttp.call("POST", "/trpc/messages.send", body(n), token),
      options.concurrency,
      options.seconds,
    ),
  );
  realtimeHttp.close();

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

  const rest = httpClient(instance, options.concurrency);
  const restBody = (n: number) => JSON.stringify({ text: stampedBody(0, n) });
  rows.push(
    await measure(
      "REST: POST /messages/{roomId} (realtime process)",
      (n) => rest.call("POST", `/messages/${roomId}`, restBody(n), token),
      options.concurrency,
      options.seconds,
    ),
  );
  rest.close();

  const sameHandler = await startHttpSend(parley.env, { cpuProfDir: options.cpuProfDir });
  const sameHandlerHttp = httpClient(sameHandler.url, options.concurrency);
  rows.push(
    await measure(
      "ceiling: the same send handler in bare node:http",
      (n) => sameHandlerHttp.call("POST", "/", body(n), token),
      options.concurrency,
      options.seconds,
    ),
  );
  sameHandlerHttp.close();
  await sameHandler.stop();

  const echo = await startHttpEcho({ cpuProfDir: options.cpuProfDir });
  const echoHttp = httpClient(echo.url, options.concurrency);
  rows.push(
    await measure(
      "transport only: bare node:http JSON echo (nothing stored)",
      (n) => echoHttp.call("POST", "/trpc/messages.send", body(n), token),
      options.concurrency,
      options.seconds,
    ),
  );
  echoHttp.close();
  await echo.stop();
  return rows;
}
