// Like heap-diff.mjs, keyed by "type:name <- retainer type:name .edge" (the first non-weak retainer),
// with closure locations (script id:line:col) and a Context's variable names.
// Usage: node bench/src/tools/heap-diff-retainers.mjs before after N [top] [filter]
import { readFileSync } from "node:fs";

function summarize(file) {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields,
    ef = meta.edge_fields;
  const ntypes = meta.node_types[0],
    etypes = meta.edge_types[0];
  const NS = nf.length,
    ES = ef.length;
  const iType = nf.indexOf("type"),
    iName = nf.indexOf("name"),
    iSize = nf.indexOf("self_size"),
    iEC = nf.indexOf("edge_count");
  const eType = ef.indexOf("type"),
    eName = ef.indexOf("name_or_index"),
    eTo = ef.indexOf("to_node");
  const { nodes, edges, strings } = snap;
  const count = nodes.length / NS;
  const retainer = new Int32Array(count).fill(-1);
  const retEdge = new Array(count);
  const ctxVars = new Map();
  let e = 0;
  for (let n = 0; n < count; n++) {
    const ec = nodes[n * NS + iEC];
    const isCtx = ntypes[nodes[n * NS + iType]] === "object" && strings[nodes[n * NS + iName]] === "system / Context";
    for (let k = 0; k < ec; k++, e += ES) {
      const et = etypes[edges[e + eType]];
      const to = edges[e + eTo] / NS;
      const name = et === "element" || et === "hidden" ? `[${edges[e + eName]}]` : strings[edges[e + eName]];
      if (isCtx && et === "context") ctxVars.set(n, `${ctxVars.get(n) ?? ""}${name},`);
      if (et === "weak" || et === "shortcut") continue;
      if (retainer[to] === -1) {
        retainer[to] = n;
        retEdge[to] = `${et}:${name}`;
      }
    }
  }
  const locs = new Map();
  const L = meta.location_fields.length;
  for (let i = 0; i < snap.locations.length; i += L)
    locs.set(snap.locations[i] / NS, `@${snap.locations[i + 1]}:${snap.locations[i + 2] + 1}:${snap.locations[i + 3]}`);
  const label = (n) => {
    const t = ntypes[nodes[n * NS + iType]];
    let name = strings[nodes[n * NS + iName]];
    if (t.includes("string") || t === "number") name = "";
    name = name.slice(0, 50);
    if (t === "closure") name += locs.get(n) ?? "";
    if (ctxVars.has(n)) name += `{${ctxVars.get(n).slice(0, 80)}}`;
    return `${t}:${name}`;
  };
  const out = new Map();
  for (let n = 0; n < count; n++) {
    const r = retainer[n];
    const key = `${label(n)}  <-  ${r >= 0 ? label(r).slice(0, 90) : "-"} .${retEdge[n] ?? ""}`;
    const x = out.get(key) ?? { count: 0, size: 0 };
    x.count++;
    x.size += nodes[n * NS + iSize];
    out.set(key, x);
  }
  return out;
}
const [a, b, nArg, topArg, filter] = process.argv.slice(2);
const n = Number(nArg);
const before = summarize(a),
  after = summarize(b);
const rows = [];
for (const [key, x] of after) {
  const p = before.get(key) ?? { count: 0, size: 0 };
  rows.push({ key, count: (x.count - p.count) / n, bytes: (x.size - p.size) / n });
}
rows.sort((x, y) => y.bytes - x.bytes);
for (const r of rows.filter((r) => !filter || r.key.includes(filter)).slice(0, Number(topArg ?? 80)))
  console.log(`${r.bytes.toFixed(0).padStart(6)} B ${r.count.toFixed(2).padStart(6)}x  ${r.key}`);
