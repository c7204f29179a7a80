import { createDb } from "@parley/db";
import postgres from "postgres";
import { type ResolvedSearch, searchQuery } from "../src/services/search";

const url = process.env.URL!;
const handle = await createDb({ databaseUrl: url, dataDir: "", poolMax: 1 });
const client = postgres(url, { max: 1, onnotice: () => {} });
const words = (process.env.WORDS ?? 'w0,w100,w5000,w15000,"w3 w7","w200 w300"').split(",");
for (const order of ["newest", "relevance"] as const)
  for (const text of words) {
    const s: ResolvedSearch = {
      userId: 2,
      text,
      roomId: null,
      scope: (process.env.SCOPE as "mine") ?? "mine",
      fromUserId: null,
      before: null,
      after: null,
      hasFile: false,
      order,
      cursor: null,
      rows: 21,
    };
    const q = searchQuery(handle.db, s);
    const { sql, params } = q.toSQL();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await client.unsafe(sql, params as never[]);
      times.push(performance.now() - t);
    }
    const plan = await client.unsafe(`explain (analyze, buffers, costs off) ${sql}`, params as never[]);
    console.log(`== ${order} ${text}: ms ${times.map((t) => t.toFixed(1)).join(" ")}`);
    if (process.env.PLAN) console.log(plan.map((r) => r["QUERY PLAN"]).join("\n"));
  }
await client.end();
await handle.close();
