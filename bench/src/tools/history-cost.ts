/**
 * In-process cost of a page of history (`history.list`, 100 messages, 1,000 back in a room of
 * 5,000), split into phases (issue 17). Usage, from the repository's root:
 *   node --import tsx bench/src/tools/history-cost.ts [iterations]
 * Needs PostgreSQL and Redis as the tests do (TEST_DATABASE_URL, TEST_REDIS_URL); makes a database
 * of its own and drops it. For each phase prints, per call: CPU µs (user + system of this process),
 * wall µs (mean, p50, p99), bytes allocated (estimated by V8's sampling heap profiler, in a pass
 * of its own) and the GC pauses seen.
 * The two HTTP phases run client and server in this process, over loopback: `/healthz` is the
 * floor (the client's and node:http's own cost); the difference is the API's.
 * ONLY=<text> runs the phases whose label holds it; HEAPPROF=<dir> writes a sampled heap profile
 * of each phase there (for Chrome DevTools).
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { Session } from "node:inspector";
import type { AddressInfo } from "node:net";
import { PerformanceObserver } from "node:perf_hooks";
import {
  appRouter,
  authenticate,
  createCallerFactory,
  createContext,
  createLogger,
  createRuntime,
  loadApiConfig,
} from "@parley/api";
import { HistoryPage } from "@parley/api/schemas";
import { messages } from "@parley/api/services";
import { createEmptyPostgresDatabase, dropPostgresDatabase, testRedisUrl } from "@parley/db/testing";
import { createApiHandler } from "@parley/realtime-server";
import { sql } from "drizzle-orm";
import { httpClient } from "../workloads/http-client";

const post = (session: Session, method: string, params: object) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
const N = Number(process.argv[2] ?? 2000);
const COUNT = 5000;

const gc = { count: 0, ms: 0, max: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    if ((e as unknown as { detail?: { kind?: number } }).detail?.kind !== 1) gc.major++;
    gc.ms += e.duration;
    gc.max = Math.max(gc.max, e.duration);
  }
}).observe({ entryTypes: ["gc"] });

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

async function measure(label: string, fn: () => unknown) {
  if (process.env.ONLY && !label.includes(process.env.ONLY)) return;
  for (let i = 0; i < Math.min(200, N); i++) await fn();
  const g0 = { ...gc };
  const walls = new Array<number>(N);
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const w = performance.now();
    await fn();
    walls[i] = performance.now() - w;
  }
  const cpu = process.cpuUsage(t0);
  const pauses = { count: gc.count - g0.count, major: gc.major - g0.major, ms: gc.ms - g0.ms };
  const bytes = await allocatedPerCall(label, fn);
  walls.sort((a, b) => a - b);
  const mean = walls.reduce((s, w) => s + w, 0) / N;
  const us = (ms: number) => (ms * 1000).toFixed(0).padStart(5);
  console.log(
    `${label.padEnd(38)} cpu ${((cpu.user + cpu.system) / N).toFixed(1).padStart(7)} µs  wall ${us(mean)} p50 ${us(percentile(walls, 0.5))} p99 ${us(percentile(walls, 0.99))} µs  alloc ${(bytes / 1024).toFixed(0).padStart(4)} KiB  gc ${pauses.count} pauses (${pauses.major} not minor) ${pauses.ms.toFixed(1)} ms`,
  );
}

/**
 * Bytes allocated per call of `fn`, estimated by V8's sampling heap profiler over a pass of its
 * own (collected objects included: the sum of the profile's self sizes estimates every byte
 * allocated). Node 20's heap statistics have no allocation counter.
 */
async function allocatedPerCall(label: string, fn: () => unknown): Promise<number> {
  const calls = Math.max(100, Math.floor(N / 4));
  const session = new Session();
  session.connect();
  try {
    await post(session, "HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    for (let i = 0; i < calls; i++) await fn();
    const { profile } = (await post(session, "HeapProfiler.stopSampling", {})) as { profile: { head: ProfileNode } };
    if (process.env.HEAPPROF)
      writeFileSync(`${process.env.HEAPPROF}/${label.split(" ")[0]}.heapprofile`, JSON.stringify(profile));
    return sumSelf(profile.head) / calls;
  } finally {
    session.disconnect();
  }
}

interface ProfileNode {
  selfSize: number;
  children: ProfileNode[];
}
const sumSelf = (node: ProfileNode): number => node.children.reduce((s, c) => s + sumSelf(c), node.selfSize);

const url = await createEmptyPostgresDatabase();
const log = createLogger("history-cost", "warn");
const runtime = await createRuntime(
  await loadApiConfig({
    NODE_ENV: "production",
    DATABASE_URL: url.toString(),
    REDIS_URL: testRedisUrl,
    REDIS_PREFIX: `parley-cost-${process.pid}:`,
    JWT_SECRET: "a history-cost secret that is long enough for HS256",
    LOG_LEVEL: "warn",
  }),
  log,
);
const server = createServer((req, res) => {
  if (!handler(req, res)) res.writeHead(404).end();
});
const handler = createApiHandler(runtime.deps, log);
try {
  const { deps } = runtime;
  const callerFor = (token: string | null) =>
    createCallerFactory(appRouter)(createContext(deps, token, { clientAddress: "127.0.0.1" }));
  const session = await callerFor(null).auth.register({ username: `cost${process.pid}`, password: "correct horse" });
  const me = callerFor(session.token);
  const room = await me.rooms.create({ name: `cost${process.pid}` });
  await deps.db.execute(sql`
    insert into messages (room_id, author_id, kind, body, seq)
    select ${room.id}, ${session.user.id}, 'text', 'history message ' || g, g from generate_series(1, ${COUNT}) g`);
  await deps.db.execute(sql`update rooms set last_seq = ${COUNT} where id = ${room.id}`);
  await deps.db.execute(sql`analyze messages`);
  const actor = await authenticate(deps, session.token);
  const input = { roomId: room.id, limit: 100, before: COUNT - 1000 };
  const page = await messages.getHistory(deps, actor, input);
  console.log(`page: ${page.items.length} items, ${JSON.stringify(page).length} bytes of JSON`);

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const http = httpClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 1);
  const pageUrl = `/trpc/history.list?input=${encodeURIComponent(JSON.stringify(input))}`;

  await measure("authenticate (cached)", () => authenticate(deps, session.token));
  await measure("services getHistory (db+map)", () => messages.getHistory(deps, actor, input));
  await measure("HistoryPage.parse (zod output)", () => HistoryPage.parse(page));
  await measure("JSON.stringify(page)", () => JSON.stringify(page));
  await measure("caller history.list (all but HTTP)", () => me.history.list(input));
  await measure("HTTP /healthz (client+server, floor)", () => http.call("GET", "/healthz", null));
  await measure("HTTP history.list (client+server)", () => http.call("GET", pageUrl, null, session.token));
  http.close();
} finally {
  server.close();
  await runtime.close();
  await dropPostgresDatabase(url);
}
