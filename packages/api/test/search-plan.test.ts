import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ResolvedSearch, searchQuery } from "../src/services/search";

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Scan Direction"?: string;
  "Actual Rows"?: number;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Filter?: string;
  Plans?: PlanNode[];
}
const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

const ROOMS = 200;
const MESSAGES = 60_000;
/** The caller is a member of every fourth room: 50 of 200, a quarter of the messages. */
const MINE = Array.from({ length: ROOMS / 4 }, (_, i) => 1 + i * 4);

/**
 * The search statement's plan on PostgreSQL over a seeded corpus (issue 16: "it must use the index
 * and read only rows the caller may see"). A rare word is found through the GIN index
 * `messages_search_idx`, the caller's rooms checked on the rows it points to (or ANDed with a bitmap
 * of their rows, when those are few); a word in every message is read newest first along the
 * primary key, stopping when the page is full, never reading every match. In both, the rooms are
 * restricted in the statement, and nothing outside them leaves the scan.
 */
describe("the search statement's plan (PostgreSQL)", () => {
  let database: TestDatabase;
  let client: postgres.Sql;
  let roomIds: number[];

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    client = postgres(database.url, { max: 1, onnotice: () => {} });
    await client`insert into users (username, username_key, password_hash) values ('bulk', 'bulk', 'x')`;
    const rooms = await client`
      insert into rooms (name, name_key, owner_id)
      select 'room ' || g, 'room ' || g, 1 from generate_series(1, ${ROOMS}) g returning id`;
    const ids = rooms.map((r) => r.id as number).sort((a, b) => a - b);
    roomIds = MINE.map((n) => ids[n - 1] as number);
    // Every message says "the"; one in 499 says "needle", spread over every room.
    await client`
      insert into messages (room_id, author_id, kind, body, seq)
      select ${ids[0] as number} - 1 + 1 + (g % ${ROOMS}), 1, 'text',
        'the word' || (g % 97) || case when g % 499 = 0 then ' needle' else '' end || ' and more',
        g / ${ROOMS} + 1
      from generate_series(1, ${MESSAGES}) g`;
    await client`update rooms set last_seq = ${MESSAGES / ROOMS + 1}`;
    await client`analyze`;
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await database?.dispose();
  });

  const explain = async (text: string) => {
    const search: ResolvedSearch = {
      text,
      roomIds,
      fromUserId: null,
      before: null,
      after: null,
      hasFile: false,
      order: "newest",
      cursor: null,
      rows: 21,
    };
    const query = searchQuery(database.handle.db, search);
    const { sql, params } = query.toSQL();
    const [row] = await client.unsafe(`explain (analyze, format json) ${sql}`, params as never[]);
    const plan = (row as unknown as { "QUERY PLAN": [{ Plan: PlanNode; "Execution Time": number }] })["QUERY PLAN"][0];
    const nodes = flatten(plan.Plan);
    const rows = await query;
    console.log(
      `${text}: ${plan["Execution Time"].toFixed(3)} ms, ${nodes.map((n) => n["Index Name"] ?? n["Node Type"]).join(" < ")}`,
    );
    return { nodes, rows, messageScans: nodes.filter((n) => n["Relation Name"] === "messages") };
  };

  const restrictsRooms = (node: PlanNode | undefined) =>
    [node?.["Index Cond"], node?.["Recheck Cond"], node?.Filter].some((c) => c?.includes("room_id = ANY"));

  it("finds a rare word through the GIN index, the caller's rooms restricted in the same scan", async () => {
    const { nodes, rows, messageScans } = await explain("needle");
    const indexes = nodes.map((n) => n["Index Name"]).filter(Boolean);
    expect(indexes).toContain("messages_search_idx");
    expect(nodes.some((n) => n["Node Type"] === "Seq Scan")).toBe(false);
    const heap = messageScans.find((n) => n["Node Type"] === "Bitmap Heap Scan");
    expect(restrictsRooms(heap)).toBe(true);
    // The rows the scan gives up are exactly the matches in the caller's rooms, and the page the newest of them.
    const [mine] = await client`
      select count(*)::int as n from messages where room_id = any(${roomIds}) and body like '%needle%'`;
    expect(mine?.n).toBeGreaterThan(21);
    expect(heap?.["Actual Rows"]).toBe(mine?.n);
    expect(rows.length).toBe(21);
    expect(rows.every((r) => roomIds.includes(r.roomId))).toBe(true);
  });

  it("finds a word in every message newest first along the primary key, stopping after the page", async () => {
    const { nodes, rows, messageScans } = await explain("the");
    expect(messageScans.map((n) => [n["Node Type"], n["Index Name"], n["Scan Direction"]])).toEqual([
      ["Index Scan", "messages_pkey", "Backward"],
    ]);
    expect(nodes.some((n) => n["Node Type"] === "Sort")).toBe(false);
    expect(restrictsRooms(messageScans[0])).toBe(true);
    expect(rows.length).toBe(21);
    expect(rows.every((r) => roomIds.includes(r.roomId))).toBe(true);
    // Reads about 21 × 4 rows (the caller's rooms hold one in 4), not the 15,000 matches in their rooms.
    expect(messageScans[0]?.["Actual Rows"]).toBe(21);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it("finds a two-word phrase through the GIN index", async () => {
    const { nodes, rows } = await explain('"word5 needle"');
    expect(nodes.map((n) => n["Index Name"]).filter(Boolean)).toContain("messages_search_idx");
    expect(nodes.some((n) => n["Node Type"] === "Seq Scan")).toBe(false);
    expect(rows.every((r) => roomIds.includes(r.roomId))).toBe(true);
  });
});
