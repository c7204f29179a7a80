import { sql } from "drizzle-orm";
import { Latency, type LatencySummary, round } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { trpcCall } from "../systems/trpc-http";
import { httpClient } from "./http-client";
import { rowsOf, withDb } from "./room-fill";
import { type Corpus, type CorpusOptions, PHRASES, phraseOf, seedSearchCorpus, wordOf } from "./search-corpus";
import { databaseName, logMessagesOf, withLoggingInstance } from "./server-log";

export interface SearchOptions {
  corpus: CorpusOptions;
  /** Measured requests per row (one at a time, the rows' requests in turn). */
  queries: number;
  /** Unmeasured requests per row first, whose answers are checked. */
  warmup: number;
  /** `ILIKE '%…%'` statements per baseline row. */
  baselineQueries: number;
}

/** Which words a row searches for: a band of document frequency, or the collocated phrases. */
export type SearchBand = "0.1%" | "1%" | "10%" | "phrase";

/** Who searches: the measuring user (`memberRooms` rooms and `memberDirects` directs), or the light one. */
export type Searcher = "member" | "light";

export interface SearchRow {
  user: Searcher;
  band: SearchBand;
  order: "newest" | "relevance";
  /** The query texts, used in turn. */
  texts: string[];
  /** Share of all messages each text matches: the smallest and largest. */
  share: { min: number; max: number };
  /** Matching messages the searching user may read, per text: the fewest and most. */
  visibleMatches: { min: number; max: number };
  /** Results per page in the checked warm-up answers (the page holds at most 20). */
  hitsPerPage: number;
  /** `search.messages` over tRPC HTTP, as the client sees it. */
  latency: LatencySummary;
  /** From auto_explain (ANALYZE, BUFFERS) on a third instance, the same texts as many times. */
  db?: {
    /** The statement that reads `messages.search_vector`, per request. */
    search: LatencySummary;
    /** Every statement of the request (authentication included), summed, mean per request. */
    totalMsPerRequest: number;
    statementsPerRequest: number;
  };
}

export interface SearchPlan {
  user: Searcher;
  band: SearchBand;
  order: SearchRow["order"];
  durationMs: number;
  /** The plan as auto_explain logged it (the same output as EXPLAIN (ANALYZE, BUFFERS)). */
  plan: string;
  usesSearchIndex: boolean;
  /**
   * The statement itself keeps to the caller's rooms: `room_id = ANY (…)` in its plan, the rooms
   * read from `room_members` in the statement (an init plan) or listed as a parameter.
   */
  restrictsToRooms: boolean;
  /** Rows read and thrown away by a filter ("Rows Removed by Filter"), summed over the plan's nodes. */
  rowsRemovedByFilter: number;
}

export interface SearchResult {
  corpus: Corpus;
  /** Rooms and direct conversations the measuring user is a member of (the light one: `lightRooms` + the lobby). */
  readableRooms: number;
  rows: SearchRow[];
  /** Results from rooms the searching user is not a member of, in every checked answer: must be 0. */
  foreignHits: number;
  /** The median run's plan of each row's search statement. */
  plans: SearchPlan[];
  /** Why the database side was not measured, when it was not. */
  dbError?: string;
  /** A naive `ILIKE '%text%'` over the same readable messages, newest (highest id) first, as EXPLAIN ANALYZE times it. */
  baseline: { band: SearchBand; texts: string[]; executionMs: LatencySummary; vsSearchP50?: number }[];
}

/** The texts of each band: words of ranks whose expected share is near the band, or phrases. */
function textsOf(band: SearchBand): string[] {
  const ranks = (from: number, step: number, count: number) =>
    Array.from({ length: count }, (_, i) => wordOf(from + i * step));
  switch (band) {
    case "0.1%":
      return ranks(1600, 10, 10); // expected in 0.099–0.104% of messages
    case "1%":
      return ranks(160, 1, 10); // 0.98–1.03% (below the phrases' ranks, 200–299)
    case "10%":
      return ranks(14, 1, 4); // 9.1–10.8%
    case "phrase":
      return Array.from({ length: Math.min(10, PHRASES) }, (_, j) => `"${phraseOf(j)}"`);
  }
}

const BANDS: SearchBand[] = ["0.1%", "1%", "phrase", "10%"];
const ORDERS: SearchRow["order"][] = ["newest", "relevance"];
/** The light user's rows (newest first only). */
const LIGHT_BANDS: SearchBand[] = ["1%", "10%"];
/** The page size asked for (the API's default). */
const PAGE = 20;

/**
 * The search workload (issue 16), on a Parley of its own (a fresh database): the corpus seeded in
 * SQL (`seedSearchCorpus`), then `search.messages` over tRPC HTTP by one user, one request at a
 * time: for every band of words (about 0.1%, 1% and 10% of messages) and the two-word phrases in
 * quotes, newest first and by relevance, `warmup` checked requests each (every result must be in a
 * room the user is a member of), then `queries` measured ones, the rows in turn; and the same,
 * newest first, for a second user in a few rooms only (`lightRooms`), for the 1% and 10% words. Then the database
 * side: the same requests through a third instance whose sessions run auto_explain (ANALYZE,
 * BUFFERS, every statement), whose log gives each search statement's time and plan. Last, the
 * naive baseline: `ILIKE` over the same readable messages.
 */
export async function runSearch(parley: ParleySystem, options: SearchOptions): Promise<SearchResult> {
  const api = parley.instances[0]?.url ?? "";
  const tokens: Record<Searcher, string> = { member: parley.tokens[0] ?? "", light: parley.tokens[1] ?? "" };
  const idOf = async (token: string) =>
    (await trpcCall<{ id: number }>(api, "auth.me", undefined, { token, query: true })).id;
  const me = await idOf(tokens.member);
  const light = await idOf(tokens.light);
  console.log(`  search: seeding ${options.corpus.messages.toLocaleString("en")} messages`);
  const { corpus, readable, counts } = await withDb(parley.database.url, async (db) => {
    const corpus = await seedSearchCorpus(db, { me, light }, options.corpus);
    const readableBy = async (user: number) =>
      new Set(
        (
          await rowsOf<{ id: number }>(db, sql`select room_id as id from room_members where user_id = ${user}::int`)
        ).map((r) => Number(r.id)),
      );
    const readable: Record<Searcher, Set<number>> = { member: await readableBy(me), light: await readableBy(light) };
    const visibleTo = (user: number) =>
      sql`(count(*) filter (where m.room_id in (select room_id from room_members where user_id = ${user}::int)))::int`;
    const counts = new Map<string, { all: number; member: number; light: number }>();
    for (const band of BANDS)
      for (const text of textsOf(band)) {
        const [row] = await rowsOf<{ all: number; member: number; light: number }>(
          db,
          sql`select count(*)::int as all, ${visibleTo(me)} as member, ${visibleTo(light)} as light
              from messages m where m.search_vector @@ websearch_to_tsquery('simple', ${text})`,
        );
        counts.set(text, { all: row?.all ?? 0, member: row?.member ?? 0, light: row?.light ?? 0 });
      }
    return { corpus, readable, counts };
  });
  console.log(`  search: corpus ${JSON.stringify(corpus)}`);

  const rowsToMeasure = [
    ...BANDS.flatMap((band) => ORDERS.map((order) => ({ user: "member" as const, band, order, texts: textsOf(band) }))),
    // The light user's newest first: where walking the newest messages of every room costs most.
    ...LIGHT_BANDS.map((band) => ({ user: "light" as const, band, order: "newest" as const, texts: textsOf(band) })),
  ];
  const inputOf = (text: string, order: SearchRow["order"]) =>
    `/trpc/search.messages?input=${encodeURIComponent(JSON.stringify({ query: text, order, limit: PAGE }))}`;

  // Warm-up, checked: every hit in a room the user may read.
  let foreignHits = 0;
  const hits = rowsToMeasure.map(() => ({ pages: 0, items: 0 }));
  for (let i = 0; i < options.warmup; i++)
    for (const [r, row] of rowsToMeasure.entries()) {
      const page = await trpcCall<{ items: { room: { id: number } }[] }>(
        api,
        "search.messages",
        { query: row.texts[i % row.texts.length], order: row.order, limit: PAGE },
        { token: tokens[row.user], query: true },
      );
      foreignHits += page.items.filter((item) => !readable[row.user].has(item.room.id)).length;
      const h = hits[r] as (typeof hits)[number];
      h.pages++;
      h.items += page.items.length;
    }

  const http = httpClient(api, 1);
  const latencies = rowsToMeasure.map(() => new Latency());
  for (let i = 0; i < options.queries; i++)
    for (const [r, row] of rowsToMeasure.entries()) {
      const url = inputOf(row.texts[i % row.texts.length] ?? "", row.order);
      const start = performance.now();
      await http.call("GET", url, null, tokens[row.user]);
      latencies[r]?.record(performance.now() - start);
    }
  http.close();

  const rows: SearchRow[] = rowsToMeasure.map((row, r) => {
    const shares = row.texts.map((t) => (counts.get(t)?.all ?? 0) / corpus.messages);
    const visible = row.texts.map((t) => counts.get(t)?.[row.user] ?? 0);
    const h = hits[r] as (typeof hits)[number];
    const measured: SearchRow = {
      ...row,
      share: { min: Math.min(...shares), max: Math.max(...shares) },
      visibleMatches: { min: Math.min(...visible), max: Math.max(...visible) },
      hitsPerPage: h.pages ? round(h.items / h.pages) : 0,
      latency: (latencies[r] as Latency).summary(),
    };
    console.log(`  search ${row.user} ${row.band} ${row.order} ${JSON.stringify(measured.latency)}`);
    return measured;
  });

  const plans: SearchPlan[] = [];
  let dbError: string | undefined;
  try {
    await measureDatabaseSide(parley, tokens, options, rows, plans, inputOf);
  } catch (error) {
    dbError = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    console.log(`  search: database side not measured: ${dbError}`);
  }

  const baseline = await withDb(parley.database.url, async (db) => {
    const out: SearchResult["baseline"] = [];
    for (const band of ["1%", "phrase", "10%"] as const) {
      const texts = textsOf(band).map((t) => t.replace(/"/g, ""));
      const latency = new Latency();
      for (let i = 0; i < options.baselineQueries; i++) {
        const [row] = await rowsOf<{ "QUERY PLAN": [{ "Execution Time": number }] }>(
          db,
          sql`explain (analyze, format json)
              select m.id from messages m
              where m.room_id in (select room_id from room_members where user_id = ${me}::int)
                and m.kind = 'text' and m.deleted_at is null and m.body ilike ${`%${texts[i % texts.length]}%`}
              order by m.id desc limit ${PAGE}::int`,
        );
        latency.record(row?.["QUERY PLAN"][0]["Execution Time"] ?? 0);
      }
      const executionMs = latency.summary();
      const search = rows.find((r) => r.user === "member" && r.band === band && r.order === "newest")?.db?.search.p50Ms;
      out.push({ band, texts, executionMs, vsSearchP50: search ? round(executionMs.p50Ms / search) : undefined });
      console.log(`  search: baseline ILIKE ${band} ${JSON.stringify(executionMs)}`);
    }
    return out;
  });

  return { corpus, readableRooms: readable.member.size, rows, foreignHits, plans, dbError, baseline };
}

/**
 * The database side of every row: the same texts, as many requests, through a third instance
 * whose sessions load auto_explain and log every statement's plan with ANALYZE and BUFFERS (the
 * same output as `EXPLAIN (ANALYZE, BUFFERS)`, timing overhead included). A row's search statement
 * is the one that reads `search_vector`; its plan of median duration goes into `plans`.
 */
async function measureDatabaseSide(
  parley: ParleySystem,
  tokens: Record<Searcher, string>,
  options: SearchOptions,
  rows: SearchRow[],
  plans: SearchPlan[],
  inputOf: (text: string, order: SearchRow["order"]) => string,
): Promise<void> {
  const dbName = databaseName(parley);
  const settings = {
    session_preload_libraries: "auto_explain",
    "auto_explain.log_min_duration": "0",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_buffers": "on",
    "auto_explain.log_timing": "on",
    "auto_explain.log_format": "text",
  };
  await withLoggingInstance(parley, settings, async ({ http, capture }) => {
    for (const row of rows) {
      const call = (i: number) =>
        http.call("GET", inputOf(row.texts[i % row.texts.length] ?? "", row.order), null, tokens[row.user]);
      for (let i = 0; i < 3; i++) await call(i);
      const log = await capture(async () => {
        for (let i = 0; i < options.queries; i++) await call(i);
      });
      const logged = logMessagesOf(log, dbName).flatMap((message) => {
        const duration = /LOG: {2}duration: ([\d.]+) ms {2}plan:/.exec(message)?.[1];
        return duration === undefined ? [] : [{ durationMs: Number(duration), message }];
      });
      const searches = logged.filter((l) => /search_vector/.test(l.message));
      if (!searches.length)
        throw new Error(`no statement reading search_vector was logged for ${row.band} ${row.order}`);
      const search = new Latency();
      for (const s of searches) search.record(s.durationMs);
      row.db = {
        search: search.summary(),
        totalMsPerRequest: round(logged.reduce((sum, l) => sum + l.durationMs, 0) / options.queries, 2),
        statementsPerRequest: round(logged.length / options.queries, 2),
      };
      const sorted = [...searches].sort((a, b) => a.durationMs - b.durationMs);
      const median = sorted[Math.floor(sorted.length / 2)] ?? sorted[0];
      if (median) {
        const plan = median.message
          .split("\n")
          .slice(1)
          .map((line) => line.replace(/^\t/, ""))
          .join("\n");
        plans.push({
          user: row.user,
          band: row.band,
          order: row.order,
          durationMs: median.durationMs,
          plan,
          usesSearchIndex: /messages_search_idx/.test(plan),
          restrictsToRooms: /room_id = ANY/.test(plan),
          rowsRemovedByFilter: [...plan.matchAll(/Rows Removed by Filter: (\d+)/g)].reduce(
            (n, m) => n + Number(m[1]),
            0,
          ),
        });
      }
      console.log(`  search db ${row.user} ${row.band} ${row.order} ${JSON.stringify(row.db)}`);
    }
  });
}
