import { expect, test } from "vitest";
import { mediansMarkdown } from "../src/medians";
import { type BenchResult, emptyResult } from "../src/report";

const run = (date: string, parleyHeap: number, socketioHeap: number, stored: number, anchor: number): BenchResult => ({
  ...emptyResult("quick", { cpu: "test CPU", cores: 2 }),
  date,
  connections: [
    { system: "parley", heapPerConnectionBytes: parleyHeap * 1024, connectionsPerSec: 100 },
    { system: "socketio", heapPerConnectionBytes: socketioHeap * 1024, connectionsPerSec: 200 },
  ].map((c) => ({
    ...c,
    connections: 2000,
    failed: 0,
    openMs: 1,
    rssPerConnectionBytes: 0,
    rssAfterBytes: 0,
    afterGc: true,
  })),
  store: [
    { path: "Parley, one room", rooms: 1, maxPerSec: stored, failed: 0, halfRate: stored / 2, atHalfRate: null },
    { path: "anchor, one room", rooms: 1, maxPerSec: anchor, failed: 0, halfRate: 0, atHalfRate: null },
  ],
});

const row = (markdown: string, start: string) => markdown.split("\n").find((line) => line.startsWith(`| ${start}`));

test("each figure is the median over the runs, and ratios are taken within each run, then their median", () => {
  const table = mediansMarkdown([
    run("2026-11-30T10:00:00Z", 10, 5, 4000, 10000), // ratios 2.00, 0.40
    run("2026-11-30T11:00:00Z", 30, 10, 9000, 10000), // ratios 3.00, 0.90
    run("2026-11-30T12:00:00Z", 20, 20, 3000, 5000), // ratios 1.00, 0.60
  ]);
  expect(table).toContain("Medians of 3 run(s)");
  // Heap: medians 20 and 10 KiB, but the ratio is the median of 2, 3 and 1: 2.00, not 20 / 10.
  expect(row(table, "idle connections")).toBe(
    "| idle connections following a room: heap per connection | KiB | 20.0 | 10.0 | – | 2.00× | 10.0 · 30.0 · 20.0 |",
  );
  expect(row(table, "stored messages/s, one room")).toContain("| 4,000 |");
  expect(table).toContain("| same: Parley ÷ its anchor, within each run | × | 0.60 |");
  // Figures no run measured are left out.
  expect(table).not.toContain("history page");
});
