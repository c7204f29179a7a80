// Self size per constructor (node type + name), after minus before, divided by N.
// Usage: node bench/src/tools/heap-diff.mjs before.heapsnapshot after.heapsnapshot N [top]
import { readFileSync } from "node:fs";

function summarize(file) {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const stride = fields.length;
  const iType = fields.indexOf("type");
  const iName = fields.indexOf("name");
  const iSize = fields.indexOf("self_size");
  const nodes = snap.nodes;
  const strings = snap.strings;
  const out = new Map();
  for (let i = 0; i < nodes.length; i += stride) {
    const type = types[nodes[i + iType]];
    let name = strings[nodes[i + iName]];
    if (type === "string" || type === "concatenated string" || type === "sliced string") name = "";
    if (type === "code") name = name.slice(0, 40);
    const key = `${type}:${name.slice(0, 80)}`;
    const e = out.get(key) ?? { count: 0, size: 0 };
    e.count++;
    e.size += nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}
const [a, b, nArg, topArg] = process.argv.slice(2);
const n = Number(nArg);
const before = summarize(a);
const after = summarize(b);
const rows = [];
let total = 0;
for (const [key, e] of after) {
  const p = before.get(key) ?? { count: 0, size: 0 };
  const d = e.size - p.size;
  total += d;
  rows.push({ key, count: (e.count - p.count) / n, bytes: d / n });
}
for (const [key, p] of before)
  if (!after.has(key)) {
    total -= p.size;
    rows.push({ key, count: -p.count / n, bytes: -p.size / n });
  }
rows.sort((x, y) => y.bytes - x.bytes);
console.log(`total self size per connection: ${(total / n).toFixed(0)} bytes`);
for (const r of rows.slice(0, Number(topArg ?? 60)))
  console.log(`${r.bytes.toFixed(0).padStart(7)} B  ${r.count.toFixed(2).padStart(6)}x  ${r.key}`);
