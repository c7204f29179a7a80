import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runScript } from "@parley/realtime/testing";
import { afterAll, expect, test } from "vitest";
import type { BenchResult } from "../src/report";
import { repoRoot } from "../src/systems/pinned-process";
import { SYSTEM_NAMES } from "../src/systems/system";

const out = mkdtempSync(path.join(os.tmpdir(), "parley-bench-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const positive = (n: number) => Number.isFinite(n) && n > 0;

test("the smoke profile runs every workload against every system and writes JSON, Markdown and SVG", async () => {
  const run = await runScript("bench/src/main.ts", ["--profile", "smoke", "--out", out], {});
  expect(run.code, run.stdout + run.stderr).toBe(0);

  const files = readdirSync(out);
  const json = files.find((f) => f.endsWith("-smoke.json"));
  expect(json, files.join(", ")).toBeDefined();
  expect(files.some((f) => f.endsWith("-smoke.md"))).toBe(true);
  expect(files.some((f) => f.endsWith("-smoke.svg"))).toBe(true);
  const result = JSON.parse(readFileSync(path.join(out, json ?? ""), "utf8")) as BenchResult;

  for (const system of SYSTEM_NAMES) {
    const fanouts = result.fanout.filter((f) => f.system === system);
    expect(
      fanouts.map((f) => f.rooms),
      system,
    ).toEqual([1, 5]); // one room, then the many-rooms variant
    for (const fanout of fanouts) {
      expect(fanout.steps.length, system).toBeGreaterThan(0);
      for (const step of fanout.steps) {
        expect(positive(step.deliveriesPerSec) && positive(step.p99Ms), `${system} fan-out`).toBe(true);
        expect(step.lost, `${system} lost messages in a smoke fan-out of ${fanout.rooms} room(s)`).toBe(0);
      }
    }
    const connections = result.connections.find((c) => c.system === system);
    expect(connections?.failed, system).toBe(0);
    expect(positive(connections?.openMs ?? 0), system).toBe(true);
    // Measured, not necessarily positive: 50 small connections can be lost in the heap's noise.
    expect(Number.isFinite(connections?.heapPerConnectionBytes), system).toBe(true);
    expect(connections?.afterGc, system).toBe(true);
    const slow = result.slowConsumer.find((s) => s.system === system);
    expect(positive(slow?.before.p99Ms ?? 0) && positive(slow?.during.p99Ms ?? 0), system).toBe(true);
    expect(positive(slow?.rssPeakBytes ?? 0), system).toBe(true);
  }
  const measured = result.sendPath.filter((row) => !row.note);
  // The web process's row needs a Next build (`npm run build -w @parley/web`); without one the
  // send path skips it, saying so in the row's note.
  const webBuilt = existsSync(path.join(repoRoot, "apps/web/.next/BUILD_ID"));
  expect(measured.map((row) => row.path)).toEqual([
    ...(webBuilt ? ["tRPC over HTTP (web process)"] : []),
    "tRPC over HTTP (realtime process)",
    "tRPC over WebSocket (realtime process)",
    "edit: tRPC over WebSocket (realtime process)",
    "react: tRPC over WebSocket (realtime process)",
    "delete: tRPC over WebSocket (realtime process)",
    "REST: POST /messages/{roomId} (realtime process)",
    "ceiling: the same send handler in bare node:http",
    "transport only: bare node:http JSON echo (nothing stored)",
  ]);
  for (const row of measured)
    expect(positive(row.maxRequestsPerSec) && positive(row.atHalfRate.p99Ms), row.path).toBe(true);
  // The store path (issue 17): Parley and its bare-SQL anchor, one room and many, nothing failed.
  expect(result.store?.map((row) => `${row.path.split(",")[0]} ${row.rooms}`)).toEqual([
    "Parley 1",
    "anchor 1",
    "Parley 100",
    "anchor 100",
  ]);
  for (const row of result.store ?? []) {
    expect(positive(row.maxPerSec) && row.failed === 0, row.path).toBe(true);
    // Counted (every transaction of the database: at the smoke's few messages, reads weigh in).
    expect(Number.isFinite(row.commitsPerMessage), row.path).toBe(true);
  }
  expect(result.history?.rows.length).toBeGreaterThanOrEqual(3);
  for (const row of result.history?.rows ?? []) expect(positive(row.latency.p50Ms), row.depth).toBe(true);
  // Every edit, reaction and deletion was a real change: one sequence number each (else a note).
  for (const row of measured.filter((r) => /^(edit|react|delete):/.test(r.path))) {
    expect(row.note, row.path).toBeUndefined();
    // A change costs about what a send costs: at most 6 statements, BEGIN and COMMIT included.
    if (row.statements) expect(row.statements.perRequest, row.path).toBeLessThanOrEqual(6);
  }
  const rich = result.history?.rich;
  expect(rich?.rows.map((row) => row.depth)).toEqual(result.history?.rows.map((row) => row.depth));
  for (const row of rich?.rows ?? []) expect(positive(row.latency.p50Ms), `rich ${row.depth}`).toBe(true);
  expect(rich?.room.reactionRows).toBe((rich?.room.topLevel ?? 0) * 7);
  expect(rich?.room.threads).toBeGreaterThan(0);
  expect(rich?.room.pins).toBeGreaterThan(0);
  // History stays a constant number of queries per page however rich the messages are.
  const queries = result.history?.queriesPerPage;
  if (queries && !("error" in queries)) expect(queries.rich.perRequest).toBe(queries.plain.perRequest);
  // Simulated people (issue 17): one step in the smoke profile, every kind of action taken.
  const people = result.people?.steps ?? [];
  expect(people.map((step) => step.people)).toEqual([20]);
  for (const step of people) {
    expect(step.failedToOpen, "people who could not open the app").toBe(0);
    expect(step.errors, "requests answered with an error").toBe(0);
    expect(step.outOfOrder, "room messages out of sequence on resume or switch").toBe(0);
    expect(positive(step.sent) && positive(step.activity.count) && positive(step.viewed.count)).toBe(true);
    expect(positive(step.delivery.p99Ms) && positive(step.ack.p99Ms)).toBe(true);
    expect(positive(step.typing) && positive(step.markReads) && positive(step.reconnects)).toBe(true);
  }
  expect(result.flood.map((f) => f.limits)).toEqual(["lifted", "defaults"]);
  const [unlimited, limited] = result.flood;
  expect(unlimited?.floodRefused).toBe(0);
  expect(limited?.floodAccepted).toBeLessThanOrEqual(30);
  expect(limited?.floodRefused).toBeGreaterThan(0);
  for (const f of result.flood) {
    expect(positive(f.quiet.p99Ms) && positive(f.during.p99Ms), f.limits).toBe(true);
    expect(f.lostByTalkers, f.limits).toBe(0);
  }

  // Search (issue 16), on a Parley of its own with a seeded corpus.
  const search = result.search;
  expect(search?.corpus.messages).toBe(20_000);
  expect(search?.corpus.visibleMessages).toBeGreaterThan(0);
  expect(search?.foreignHits, "results from rooms the user is not a member of").toBe(0);
  expect(search?.rows.map((row) => `${row.user} ${row.band} ${row.order}`)).toEqual([
    ...["0.1%", "1%", "phrase", "10%"].flatMap((band) => [`member ${band} newest`, `member ${band} relevance`]),
    "light 1% newest",
    "light 10% newest",
  ]);
  for (const row of search?.rows ?? []) {
    const name = `${row.user} ${row.band} ${row.order}`;
    expect(row.latency.count, name).toBe(10);
    expect(positive(row.latency.p50Ms), name).toBe(true);
    expect(row.share.min, `every ${row.band} text is in the corpus`).toBeGreaterThan(0);
    if (row.user === "member" && (row.band === "1%" || row.band === "10%"))
      expect(row.hitsPerPage, name).toBeGreaterThan(0);
  }
  if (!search?.dbError) {
    for (const row of search?.rows ?? []) expect(row.db?.search.count, `${row.user} ${row.band} ${row.order}`).toBe(10);
    expect(search?.plans).toHaveLength(10);
    // The restriction to the caller's rooms is part of the search statement itself.
    for (const plan of search?.plans ?? [])
      expect(plan.restrictsToRooms, `${plan.user} ${plan.band} ${plan.order}`).toBe(true);
  }
  expect(search?.baseline.map((b) => b.band)).toEqual(["1%", "phrase", "10%"]);
  for (const b of search?.baseline ?? []) expect(positive(b.executionMs.p50Ms), b.band).toBe(true);
});
