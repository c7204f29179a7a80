import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { historyQuery } from "../src/services/messages";

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}
const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];

const MESSAGES = 1_000_000;

/**
 * A page of 100 from a room of a million messages is read from the (room_id, seq) index at any
 * depth: no sequential scan of messages and no sort, whichever end or middle is asked for.
 */
describe("history pages in a room of a million messages (PostgreSQL)", () => {
  let database: TestDatabase;
  let client: postgres.Sql;
  let roomId: number;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    client = postgres(database.url, { max: 1, onnotice: () => {} });
    const [user] = await client`insert into users (username, password_hash) values ('bulk', 'x') returning id`;
    const rooms = await client`
      insert into rooms (name, owner_id) values ('big', ${user?.id}), ('neighbour', ${user?.id}) returning id`;
    roomId = rooms[0]?.id;
    const neighbour = rooms[1]?.id;
    await client`
      insert into messages (room_id, author_id, kind, body, seq)
      select ${roomId}, ${user?.id}, 'text', 'message ' || g, g from generate_series(1, ${MESSAGES}) g`;
    await client`
      insert into messages (room_id, author_id, kind, body, seq)
      select ${neighbour}, ${user?.id}, 'text', 'other ' || g, g from generate_series(1, 50000) g`;
    await client`update rooms set last_seq = ${MESSAGES} where id = ${roomId}`;
    await client`analyze messages`;
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await database?.dispose();
  });

  it.each([
    ["the newest page", {}],
    ["a page from the middle, going back", { before: MESSAGES / 2 }],
    ["the oldest page, going back", { before: 101 }],
    ["a page from near the start, going forward", { after: 10 }],
    ["a page from the middle, going forward", { after: MESSAGES / 2 }],
  ])("serves %s from the index", async (_label, cursor) => {
    const query = historyQuery(database.handle.db, { roomId, limit: 100, ...cursor }).toSQL();
    const [row] = await client.unsafe(`explain (analyze, format json) ${query.sql}`, query.params as never[]);
    const explained = (row as unknown as { "QUERY PLAN": [{ Plan: PlanNode; "Execution Time": number }] })[
      "QUERY PLAN"
    ][0];
    const { Plan: plan, "Execution Time": ms } = explained;
    const nodes = flatten(plan);
    const messageScans = nodes.filter((n) => n["Relation Name"] === "messages");
    expect(messageScans.map((n) => [n["Node Type"], n["Index Name"]])).toEqual([
      ["Index Scan", "messages_room_seq_key"],
    ]);
    expect(nodes.map((n) => n["Node Type"])).not.toContain("Sort");
    expect(messageScans[0]?.["Actual Rows"]).toBeLessThanOrEqual(101);
    console.log(`history ${_label}: ${ms.toFixed(3)} ms, plan ${nodes.map((n) => n["Node Type"]).join(" > ")}`);
  });
});
