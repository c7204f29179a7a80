/**
 * The headline figures of several bench runs (their `.json` reports), as one Markdown table: each
 * figure's median over the runs, each run's value, and Parley's ratio to Socket.IO taken within each
 * run (the machine's speed drifts between runs, so only ratios within one run mean anything; the
 * ratio column is the median of those per-run ratios, not the ratio of the medians).
 *
 * Usage: `npm run bench:medians -- bench/results/A.json bench/results/B.json bench/results/C.json`
 * prints the table to stdout. Figures a run did not measure are left out of its median; a figure
 * no run measured is not printed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BenchResult } from "./report";
import { WS_SEND_ROW } from "./workloads/send-path";

type Figure = {
  name: string;
  unit: string;
  /** Parley's, Socket.IO's and raw ws's value in one run; undefined when not measured. */
  of: (r: BenchResult) => { parley?: number; socketio?: number; ws?: number };
};

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const defined = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);

const fanout = (r: BenchResult, system: string, manyRooms: boolean) =>
  r.fanout.find((f) => f.system === system && f.rooms > 1 === manyRooms);
const bestStep = (r: BenchResult, system: string, manyRooms: boolean) => {
  const f = fanout(r, system, manyRooms);
  return f?.steps.find((s) => s.passed && s.deliveriesPerSec === f.bestDeliveriesPerSec);
};
const bySystem = (pick: (system: string) => number | undefined) => ({
  parley: pick("parley"),
  socketio: pick("socketio"),
  ws: pick("ws"),
});
const store = (r: BenchResult, rooms: number, anchor: boolean) =>
  r.store?.find((row) => row.rooms === rooms && row.path.startsWith("anchor") === anchor);
const ratioOf = (a?: number, b?: number) => (a && b ? a / b : undefined);
const history = (r: BenchResult, depth: string) => r.history?.rows.find((row) => row.depth.startsWith(depth));

const FIGURES: Figure[] = [
  ...([false, true] as const).flatMap((manyRooms): Figure[] => [
    {
      name: `fan-out, ${manyRooms ? "many rooms × 10" : "1k subscribers"}: best deliveries/s (p99 ≤ 250 ms)`,
      unit: "/s",
      of: (r) => bySystem((s) => fanout(r, s, manyRooms)?.bestDeliveriesPerSec),
    },
    {
      name: "same: server CPU per delivery at the best step",
      unit: "µs",
      of: (r) => bySystem((s) => bestStep(r, s, manyRooms)?.sutCpuMicrosPerDelivery),
    },
  ]),
  {
    name: "idle connections following a room: heap per connection",
    unit: "KiB",
    of: (r) =>
      bySystem((s) => {
        const bytes = r.connections.find((c) => c.system === s)?.heapPerConnectionBytes;
        return bytes === undefined ? undefined : bytes / 1024;
      }),
  },
  {
    name: "same: connections opened per second",
    unit: "/s",
    of: (r) => bySystem((s) => r.connections.find((c) => c.system === s)?.connectionsPerSec),
  },
  { name: "stored messages/s, one room", unit: "/s", of: (r) => ({ parley: store(r, 1, false)?.maxPerSec }) },
  { name: "same: the bare-SQL anchor", unit: "/s", of: (r) => ({ parley: store(r, 1, true)?.maxPerSec }) },
  {
    name: "same: Parley ÷ its anchor, within each run",
    unit: "×",
    of: (r) => ({ parley: ratioOf(store(r, 1, false)?.maxPerSec, store(r, 1, true)?.maxPerSec) }),
  },
  {
    name: "same: p99 acknowledgement at half that rate",
    unit: "ms",
    of: (r) => ({ parley: store(r, 1, false)?.atHalfRate?.p99Ms }),
  },
  { name: "stored messages/s, 1,000 rooms", unit: "/s", of: (r) => ({ parley: store(r, 1000, false)?.maxPerSec }) },
  { name: "same: the bare-SQL anchor", unit: "/s", of: (r) => ({ parley: store(r, 1000, true)?.maxPerSec }) },
  {
    name: "same: Parley ÷ its anchor, within each run",
    unit: "×",
    of: (r) => ({ parley: ratioOf(store(r, 1000, false)?.maxPerSec, store(r, 1000, true)?.maxPerSec) }),
  },
  {
    name: "same: p99 acknowledgement at half that rate",
    unit: "ms",
    of: (r) => ({ parley: store(r, 1000, false)?.atHalfRate?.p99Ms }),
  },
  {
    name: "send over tRPC WebSocket, closed loop",
    unit: "/s",
    of: (r) => ({ parley: r.sendPath.find((row) => row.path === WS_SEND_ROW)?.maxRequestsPerSec }),
  },
  ...["newest", "10,000 back", "oldest"].flatMap((depth): Figure[] => [
    {
      name: `history page of 100, ${depth}: p50`,
      unit: "ms",
      of: (r) => ({ parley: history(r, depth)?.latency.p50Ms }),
    },
    {
      name: `history page of 100, ${depth}: p99`,
      unit: "ms",
      of: (r) => ({ parley: history(r, depth)?.latency.p99Ms }),
    },
  ]),
  { name: "people served at p99 delivery ≤ 200 ms", unit: "people", of: (r) => ({ parley: r.people?.bestPeople }) },
];

const show = (n: number | undefined, unit: string) => {
  if (n === undefined) return "–";
  const digits = unit === "×" ? 2 : unit === "ms" || unit === "µs" || unit === "KiB" ? (n >= 100 ? 0 : 1) : 0;
  return n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
};

/** The Markdown table of `runs` (at least one). */
export function mediansMarkdown(runs: BenchResult[]): string {
  const lines = [
    `Medians of ${runs.length} run(s): ${runs.map((r) => r.date.slice(0, 16).replace("T", " ")).join(", ")} UTC. Machine: ${runs[0]?.machine.cpu}, ${runs[0]?.machine.cores} cores.`,
    "",
    "| figure | unit | Parley | Socket.IO | raw ws | Parley ÷ Socket.IO (median of per-run ratios) | Parley in each run |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const figure of FIGURES) {
    const values = runs.map((r) => figure.of(r));
    const parley = defined(values.map((v) => v.parley));
    if (parley.length === 0) continue;
    const ratios = defined(values.map((v) => (v.parley && v.socketio ? v.parley / v.socketio : undefined)));
    const ratio = median(ratios);
    lines.push(
      `| ${figure.name} | ${figure.unit} | ${show(median(parley), figure.unit)} | ${show(median(defined(values.map((v) => v.socketio))), figure.unit)} | ${show(median(defined(values.map((v) => v.ws))), figure.unit)} | ${ratio === undefined ? "–" : `${ratio.toFixed(2)}×`} | ${parley.map((v) => show(v, figure.unit)).join(" · ")} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write("Usage: npm run bench:medians -- <result.json>…\n");
    process.exit(2);
  }
  // npm runs workspace scripts in the workspace's folder; paths are the caller's (INIT_CWD).
  const from = process.env.INIT_CWD ?? process.cwd();
  try {
    const runs = files.map((file) => JSON.parse(readFileSync(path.resolve(from, file), "utf8")) as BenchResult);
    process.stdout.write(mediansMarkdown(runs));
  } catch (error) {
    process.stderr.write(`bench:medians: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
