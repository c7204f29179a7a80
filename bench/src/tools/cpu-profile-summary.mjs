// Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof`), busy time only (idle left out):
//
//   node bench/src/tools/cpu-profile-summary.mjs <file.cpuprofile> [--from s] [--to s] [--top n] [--bundle main.mjs]
//
// Prints the busy time per 250 ms of the profile (to find a workload's window), then, within
// [--from, --to) seconds from the profile's start: the functions by self time, by inclusive time
// (each function counted once per sample however deep it recurs), and, given the bundle the
// process ran (bench/dist/realtime/main.mjs for Parley), the time by source module: each sample
// goes to the innermost bundle frame's module (its `// ../path` marker), so Node's own work (a
// socket write, a hash) counts for the module that asked for it.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    from: { type: "string", default: "0" },
    to: { type: "string", default: "1e9" },
    top: { type: "string", default: "30" },
    bundle: { type: "string" },
  },
});
const file = positionals[0];
if (!file) {
  console.error("usage: cpu-profile-summary.mjs <file.cpuprofile> [--from s] [--to s] [--top n] [--bundle main.mjs]");
  process.exit(2);
}
const from = Number(values.from) * 1e6;
const to = Number(values.to) * 1e6;
const top = Number(values.top);

const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const short = (url) => url.replace(/^.*\/node_modules\//, "nm/").replace(/^.*\//, "");
const nameOf = (n) =>
  `${n.callFrame.functionName || "(anonymous)"} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const isIdle = (n) => n.callFrame.functionName === "(idle)";

let moduleOf;
if (values.bundle) {
  const marks = [];
  readFileSync(values.bundle, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.startsWith("// ../")) marks.push([i + 1, line.slice(6).replace(/^node_modules\//, "nm/")]);
    });
  moduleOf = (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) {
        found = marks[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

const perQuarter = new Map();
const self = new Map();
const inclusive = new Map();
const modules = new Map();
const add = (map, key, t) => map.set(key, (map.get(key) ?? 0) + t);
let total = 0;
let clock = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const t = profile.timeDeltas[i] ?? 0;
  clock += t;
  const at = clock - profile.startTime;
  const leaf = nodes.get(profile.samples[i]);
  if (isIdle(leaf)) continue;
  add(perQuarter, Math.floor(at / 250_000), t);
  if (at < from || at >= to) continue;
  total += t;
  add(self, nameOf(leaf), t);
  const seen = new Set();
  let module;
  for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
    const n = nodes.get(id);
    const name = nameOf(n);
    if (!seen.has(name) && parent.has(id)) {
      seen.add(name);
      add(inclusive, name, t);
    }
    if (moduleOf && module === undefined && n.callFrame.url.endsWith(short(values.bundle))) {
      module = moduleOf(n.callFrame.lineNumber + 1);
    }
  }
  if (moduleOf)
    add(
      modules,
      module ?? (leaf.callFrame.functionName.startsWith("(") ? leaf.callFrame.functionName : "(Node, no bundle frame)"),
      t,
    );
}

const ms = (t) => `${(t / 1000).toFixed(1).padStart(9)} ms`;
console.log("busy time per 250 ms:");
console.log(
  [...perQuarter]
    .sort((a, b) => a[0] - b[0])
    .map(([q, t]) => `${(q / 4).toFixed(2)}s ${(t / 1000).toFixed(0)}`)
    .join("  "),
);
const show = (title, map) => {
  console.log(`\n${title} (busy ${(total / 1000).toFixed(0)} ms in the window)`);
  for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms(t)} ${((100 * t) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${key}`);
  }
};
show("self time", self);
show("inclusive time", inclusive);
if (moduleOf) show("time by module", modules);
