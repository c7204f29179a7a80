import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_UNREAD } from "../src/schemas";
import { historyQuery } from "../src/services/messages";
import { myRoomsQuery } from "../src/services/rooms";

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
 * depth: no sequential scan of messages and no sort, whichever end or middle is asked for. So is
 * an unread count, which stops at its cap however much is unread.
 */
describe("history pages and unread counts in a room of a million messages (PostgreSQL)", () => {
  let database: TestDatabase;
  let client: postgres.Sql;
  let roomId: number;
  let readerId: number;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    client = postgres(database.url, { max: 1, onnotice: () => {} });
    const [user] =
      await client`insert into users (username, username_key, password_hash) values ('bulk', 'bulk', 'x') returning id`;
    const rooms = await client`
      insert into rooms (name, name_key, owner_id) values ('big', 'big', ${user?.id}), ('neighbour', 'neighbour', ${user?.id}) returning id`;
    roomId = rooms[0]?.id;
    const neighbour = rooms[1]?.id;
    await client`
      insert into messages (room_id, author_id, kind, body, seq)
      select ${roomId}, ${user?.id}, 'text', 'message ' || g, g from generate_series(1, ${MESSAGES}) g`;
    await client`
      insert into messages (room_id, author_id, kind, body, seq)
      select ${neighbour}, ${user?.id}, 'text', 'other ' || g, g from generate_series(1, 50000) g`;
    await client`update rooms set last_seq = ${MESSAGES} where id = ${roomId}`;
    // A member who has read none of either room: a million and fifty thousand messages unread.
    const [reader] =
      await client`insert into users (username, username_key, password_hash) values ('reader', 'reader', 'x') returning id`;
    readerId = reader?.id;
    await client`insert into room_members (room_id, user_id) values (${roomId}, ${readerId}), (${neighbour}, ${readerId})`;
    await client`analyze messages`;
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await database?.dispose();
  });

  const explain = async (query: { sql: string; params: unknown[] }) => {
    const [row] = await client.unsafe(`explain (analyze, format json) ${query.sql}`, query.params as never[]);
    const explained = (row as unknown as { "QUERY PLAN": [{ Plan: PlanNode; "Execution Time": number }] })[
      "QUERY PLAN"
    ][0];
    return { nodes: flatten(explained.Plan), ms: explained["Execution Time"] };
  };

  it("counts a member's unread messages and mentions from the indexes, reading no more than the cap", async () => {
    const { nodes, ms } = await explain(myRoomsQuery(database.handle.db, readerId).toSQL());
    const messageScans = nodes.filter((n) => n["Relation Name"] === "messages");
    // Unread counts top-level messages: the partial (room_id, seq) index of those serves it.
    expect(messageScans.map((n) => [n["Node Type"], n["Index Name"]])).toEqual([
      ["Index Scan", "messages_room_top_level_seq_idx"],
    ]);
    expect(messageScans[0]?.["Actual Rows"]).toBeLessThanOrEqual(MAX_UNREAD); // per room
    // The mention counts, beside them, from the mentions table's primary key.
    const mentionScans = nodes.filter((n) => n["Relation Name"] === "mentions");
    expect(mentionScans.map((n) => n["Index Name"])).toEqual(["mentions_user_id_room_id_seq_pk"]);
    const rows = await myRoomsQuery(database.handle.db, readerId);
    expect(rows.map((r) => r.unread)).toEqual([MAX_UNREAD, MAX_UNREAD]);
    expect(rows.map((r) => r.mentions)).toEqual([0, 0]);
    console.log(`unread counts of 2 rooms: ${ms.toFixed(3)} ms, plan ${nodes.map((n) => n["Node Type"]).join(" > ")}`);
  });

  it.each([
    ["the newest page", {}],
    ["a page from the middle, going back", { before: MESSAGES / 2 }],
    ["the oldest page, going back", { before: 101 }],
    ["a page from near the start, going forward", { after: 10 }],
    ["a page from the middle, going forward", { after: MESSAGES / 2 }],
  ])("serves %s from the index", async (_label, cursor) => {
    const { nodes, ms } = await explain(historyQuery(database.handle.db, { roomId, limit: 100, ...cursor }).toSQL());
    const messageScans = nodes.filter((n) => n["Relation Name"] === "messages");
    expect(messageScans.map((n) => [n["Node Type"], n["Index Name"]])).toEqual([
      ["Index Scan", "messages_room_seq_key"],
    ]);
    expect(nodes.map((n) => n["Node Type"])).not.toContain("Sort");
    expect(messageScans[0]?.["Actual Rows"]).toBeLessThanOrEqual(101);
    console.log(`history ${_label}: ${ms.toFixed(3)} ms, plan ${nodes.map((n) => n["Node Type"]).join(" > ")}`);
  });
});
