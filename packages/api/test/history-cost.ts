/**
 * In-process CPU per `history.list` of 100, split into phases. Run from packages/api:
 *   node --import tsx test/history-cost.ts [iterations]
 * Prints µs of CPU (user+system, this process) per call for each phase, and GC pauses.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { PerformanceObserver } from "node:perf_hooks";
import { messages as messagesTable } from "@parley/db/schema";
import { testRedisUrl } from "@parley/db/testing";
import { sql } from "drizzle-orm";
import { createRedisBus } from "../src/bus";
import { HistoryPage } from "../src/schemas";
import { authenticate } from "../src/services/auth";
import * as messages from "../src/services/messages";
import { requireMemberCached } from "../src/services/room-access";
import { verifyToken } from "../src/services/tokens";
import { createHarness } from "./harness";

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

async function measure(label: string, fn: () => unknown) {
  if (process.env.ONLY && !label.includes(process.env.ONLY)) return;
  for (let i = 0; i < Math.min(200, N); i++) await fn();
  const g0 = { ...gc };
  const heap0 = process.memoryUsage().heapUsed;
  const session = process.env.HEAPPROF ? new Session() : undefined;
  if (session) {
    session.connect();
    await post(session, "HeapProfiler.startSampling", {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const t0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const cpu = process.cpuUsage(t0);
  const wall = performance.now() - w0;
  if (session) {
    const { profile } = (await post(session, "HeapProfiler.stopSampling", {})) as { profile: unknown };
    writeFileSync(`${process.env.HEAPPROF}/${label.split(" ")[0]}.heapprofile`, JSON.stringify(profile));
    session.disconnect();
  }
  console.log(
    `${label.padEnd(34)} cpu ${((cpu.user + cpu.system) / N).toFixed(1).padStart(7)} µs/call (sys ${(cpu.system / N).toFixed(0)})  wall ${((wall * 1000) / N).toFixed(0).padStart(6)} µs  gc ${gc.count - g0.count} pauses (${gc.major - g0.major} not minor) ${(gc.ms - g0.ms).toFixed(1)} ms (max ${gc.max.toFixed(2)})  heapΔ ${((process.memoryUsage().heapUsed - heap0) / 1024).toFixed(0)} KiB`,
  );
}

const h = await createHarness("postgres", createRedisBus(testRedisUrl, { prefix: `parley-cost-${process.pid}:` }));
try {
  const me = await h.signUp();
  const room = await me.caller.rooms.create({ name: `cost${process.pid}` });
  await h.deps.db.execute(sql`
    insert into ${messagesTable} (room_id, author_id, kind, body, seq)
    select ${room.id}, ${me.id}, 'text', 'history message ' || g, g from generate_series(1, ${COUNT}) g`);
  await h.deps.db.execute(sql`update rooms set last_seq = ${COUNT} where id = ${room.id}`);
  await h.deps.db.execute(sql`analyze messages`);
  const actor = await authenticate(h.deps, me.token);
  const input = { roomId: room.id, limit: 100, before: COUNT - 1000 };
  const page = await messages.getHistory(h.deps, actor, input);
  console.log(`page: ${page.items.length} items, ${JSON.stringify(page).length} bytes of JSON`);

  await measure("verifyToken (cached)", () => verifyToken(h.deps, me.token));
  await measure("authenticate (cached)", () => authenticate(h.deps, me.token));
  await measure("requireMemberCached", () => requireMemberCached(h.deps, actor.userId, room.id));
  await measure("services getHistory (db+map)", () => messages.getHistory(h.deps, actor, input));
  await measure("HistoryPage.parse (zod output)", () => HistoryPage.parse(page));
  await measure("HistoryPage.parseAsync (as tRPC)", () => HistoryPage.parseAsync(page));
  await measure("JSON.stringify(page)", () => JSON.stringify(page));
  await measure("caller history.list (all but HTTP)", () => me.caller.history.list(input));
} finally {
  await h.dispose();
}
