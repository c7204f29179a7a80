import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { fillPlaceholders } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTopLevelPage, topLevelPageStatement } from "../src/services/history-rows";

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Rows Removed by Filter"?: number;
  /** "SubPlan" or "InitPlan" for a subquery's plan: a row's own files and reactions, the room's newest seq. */
  "Parent Relationship"?: string;
  Plans?: PlanNode[];
}
const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];
/** The nodes that read the page itself: not its per-row subqueries (which sort a message's few reactions). */
const pageNodes = (node: PlanNode): PlanNode[] =>
  node["Parent Relationship"] === "SubPlan" || node["Parent Relationship"] === "InitPlan"
    ? []
    : [node, ...(node.Plans ?? []).flatMap(pageNodes)];

const TOP_LEVEL = 100_000;
const REPLIES = 100_000;

/**
 * History pages show top-level messages only. A room whose newest hundred thousand messages are
 * replies in one busy thread still serves each page from an index of its top-level messages,
 * reading no reply on the way: no sequential scan, no sort, no filter over the thread.
 */
describe("history pages of top-level messages beside a busy thread (PostgreSQL)", () => {
  let database: TestDatabase;
  let client: postgres.Sql;
  let roomId: number;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    client = postgres(database.url, { max: 1, onnotice: () => {} });
    const [user] =
      await client`insert into users (username, username_key, password_hash) values ('bulk', 'bulk', 'x') returning id`;
    const [room] =
      await client`insert into rooms (name, name_key, owner_id) values ('busy', 'busy', ${user?.id}) returning id`;
    roomId = room?.id;
    await client`
      insert into messages (room_id, author_id, kind, body, seq)
      select ${roomId}, ${user?.id}, 'text', 'top ' || g, g from generate_series(1, ${TOP_LEVEL}) g`;
    const [parent] = await client`select id from messages where room_id = ${roomId} and seq = ${TOP_LEVEL}`;
    await client`
      insert into messages (room_id, author_id, kind, body, seq, parent_id)
      select ${roomId}, ${user?.id}, 'text', 'reply ' || g, g, ${parent?.id}
      from generate_series(${TOP_LEVEL + 1}::int, ${TOP_LEVEL + REPLIES}::int) g`;
    await client`update rooms set last_seq = ${TOP_LEVEL + REPLIES} where id = ${roomId}`;
    await client`analyze messages`;
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await database?.dispose();
  });

  it.each([
    ["the newest page (above the thread)", {}, TOP_LEVEL],
    ["a page from the middle, going back", { before: TOP_LEVEL / 2 }, TOP_LEVEL / 2 - 1],
    ["a page going forward into the thread", { after: TOP_LEVEL - 50 }, TOP_LEVEL - 49],
  ])("serves %s from the index, reading no reply", async (_label, cursor, firstSeq) => {
    const input = { roomId, limit: 100, ...cursor };
    const { statement, values } = topLevelPageStatement(input);
    const { sql, params } = new PgDialect().sqlToQuery(statement);
    const args = fillPlaceholders(params, values);
    const [row] = await client.unsafe(`explain (analyze, format json) ${sql}`, args as never[]);
    const plan = (row as unknown as { "QUERY PLAN": [{ Plan: PlanNode; "Execution Time": number }] })["QUERY PLAN"][0];
    const nodes = flatten(plan.Plan);
    const scans = nodes.filter((n) => n["Relation Name"] === "messages");
    expect(scans.map((n) => n["Node Type"])).toEqual(["Index Scan"]);
    expect(pageNodes(plan.Plan).some((n) => n["Node Type"] === "Sort")).toBe(false);
    expect(scans[0]?.["Rows Removed by Filter"] ?? 0).toBe(0);
    expect(scans[0]?.["Actual Rows"]).toBeLessThanOrEqual(101);
    const rows = await readTopLevelPage(database.handle.db, input);
    expect(rows[0]?.seq).toBe(firstSeq);
    expect(rows.every((r) => r.parentId === null)).toBe(true);
    console.log(`${_label}: ${plan["Execution Time"].toFixed(3)} ms, index ${scans[0]?.["Index Name"]}`);
  });
});
