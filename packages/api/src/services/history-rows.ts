import { type Database, preparedRead, schema } from "@parley/db";
import { type AnyColumn, sql } from "drizzle-orm";
import type { HistoryInput, MessageOut } from "../schemas";
import { filesColumn, type ReactionRows, reactionOut, reactionsJson } from "./message-log";
import { fileOutOf, senderOverrideOut } from "./output";

/**
 * A page of a room's top-level messages (the rows behind `history.list` and `history.around`),
 * read by one prepared statement whose columns are already close to the wire: times as ISO 8601
 * text made by PostgreSQL, the author, the reactions and the room's newest sequence number as
 * columns of their own, rows as arrays (see `preparedRead`). One round trip per page: the
 * reactions used to be a second statement (`reactionsOf`), and each round trip to PostgreSQL costs
 * the process a write that wakes the database and a read that wakes the process. Each row becomes a `MessageOut` in one step
 * (`pageRowOut`), with no drizzle row mapping and no `Date` in between: in process, a page of 100
 * took about 0.66 ms of CPU and 140 KiB of allocation here against 1.1 ms and 570 KiB through
 * drizzle's select (bench/src/tools/history-cost.ts). The same answers as `messageRows` +
 * `messageOutOf`, which the other reads of messages use (test/history-rows.test.ts holds them to it).
 */

const { messages, rooms, users } = schema;

/**
 * A `timestamptz` as `Date#toISOString` writes it (UTC, milliseconds, `Z`): both truncate the
 * microseconds PostgreSQL keeps. Null stays null.
 */
const isoText = (column: AnyColumn) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The page's columns, in the order of the statement's select list: a row is an array of these,
 * read by index (`col.*`). Values as either driver returns them: `bigint` columns (id, seq,
 * parent id, room's last seq) as a string from PostgreSQL and a number or bigint from PGlite;
 * `jsonb`/`json` parsed; `int[]` as arrays of numbers; times as text (`isoText`).
 */
const columns = [
  ["id", sql`${messages.id}`],
  ["roomId", sql`${messages.roomId}`],
  ["seq", sql`${messages.seq}`],
  ["kind", sql`${messages.kind}`],
  ["body", sql`${messages.body}`],
  ["notice", sql`${messages.notice}`],
  ["clientId", sql`${messages.clientId}`],
  ["createdAt", isoText(messages.createdAt)],
  ["parentId", sql`${messages.parentId}`],
  ["editedAt", isoText(messages.editedAt)],
  ["deletedAt", isoText(messages.deletedAt)],
  ["pinnedAt", isoText(messages.pinnedAt)],
  ["mentionIds", sql`${messages.mentionIds}`],
  ["mentionsRoom", sql`${messages.mentionsRoom}`],
  ["replyCount", sql`${messages.replyCount}`],
  ["lastReplyAt", isoText(messages.lastReplyAt)],
  ["threadParticipantIds", sql`${messages.threadParticipantIds}`],
  ["authorId", sql`${users.id}`],
  ["authorUsername", sql`${users.username}`],
  ["authorDisplayName", sql`${users.displayName}`],
  ["authorIsBot", sql`${users.isBot}`],
  ["senderOverride", sql`${messages.senderOverride}`],
  ["authorDeleted", sql`${users.deletedAt} is not null`],
  ["files", sql`${filesColumn}`],
  ["reactions", reactionsJson(sql`${messages.id}`)],
  ["roomSeq", sql`(select ${rooms.lastSeq} from ${rooms} where ${rooms.id} = ${sql.placeholder("roomId")})`],
] as const;

type ColumnName = (typeof columns)[number][0];
/** Each column's index in a row. */
const col = Object.fromEntries(columns.map(([name], i) => [name, i])) as Record<ColumnName, number>;

/** A row of the page's statement: its columns' values, in `columns`' order. */
type PageRow = unknown[];

/** The page's statement for a cursor direction; placeholders roomId, limit (rows to read) and cursor. */
const pageStatement = (cursor: "newest" | "before" | "after") => {
  const roomId = sql.placeholder("roomId");
  const where =
    cursor === "before"
      ? sql` and ${messages.seq} < ${sql.placeholder("cursor")}`
      : cursor === "after"
        ? sql` and ${messages.seq} > ${sql.placeholder("cursor")}`
        : sql``;
  const order = cursor === "after" ? sql`asc` : sql`desc`;
  // On the partial index of top-level messages (messages_room_top_level_seq_idx): its predicate,
  // `parent_id is null`, is spelled out so that the planner may use it.
  return sql`select ${sql.join(
    columns.map(([, value]) => value),
    sql`, `,
  )}
  from ${messages} left join ${users} on ${users.id} = ${messages.authorId}
  where ${messages.roomId} = ${roomId} and ${messages.parentId} is null${where}
  order by ${messages.seq} ${order}
  limit ${sql.placeholder("limit")}`;
};

const statements = {
  newest: pageStatement("newest"),
  before: pageStatement("before"),
  after: pageStatement("after"),
};
const reads = {
  newest: preparedRead(statements.newest),
  before: preparedRead(statements.before),
  after: preparedRead(statements.after),
};

/** A page's statement and parameters, for `input` (what `readTopLevelPage` runs; tests explain it). */
export function topLevelPageStatement({ before, after, limit, roomId }: HistoryInput) {
  const shape = after !== undefined ? "after" : before !== undefined ? "before" : "newest";
  return {
    shape,
    statement: statements[shape],
    values: { roomId, limit: limit + 1, cursor: after ?? before },
  } as const;
}

/** A row of `readTopLevelPage`: the message's id, its `seq`, and the room's newest `seq` when read. */
export interface TopLevelRow {
  id: number;
  seq: number;
  parentId: number | null;
  roomSeq: number;
  row: PageRow;
}

/**
 * The top-level messages of a room by keyset on `seq` (newest first; oldest first with `after`),
 * one more than `limit` (which tells whether there is more), as they are now (tombstones included).
 */
export async function readTopLevelPage(db: Database, input: HistoryInput): Promise<TopLevelRow[]> {
  const { shape, values } = topLevelPageStatement(input);
  const rows = await reads[shape](db, values);
  return rows.map((row) => ({
    id: Number(row[col.id]),
    seq: Number(row[col.seq]),
    parentId: row[col.parentId] === null ? null : Number(row[col.parentId]),
    roomSeq: Number(row[col.roomSeq] ?? 0),
    row,
  }));
}

/** A row of `readTopLevelPage` as it leaves the server, with its reactions: `messageOutOf`'s shape, key for key. */
export function pageRowOut({ id, seq, parentId, row }: TopLevelRow): MessageOut {
  const authorId = row[col.authorId] as number | null;
  const notice = row[col.notice] as MessageOut["notice"] | string;
  const deletedAt = row[col.deletedAt] as string | null;
  const replyCount = row[col.replyCount] as number;
  return {
    id,
    roomId: row[col.roomId] as number,
    seq,
    kind: row[col.kind] as MessageOut["kind"],
    author:
      authorId === null
        ? null
        : {
            id: authorId,
            username: row[col.authorUsername] as string,
            displayName: row[col.authorDisplayName] as string,
            isBot: row[col.authorIsBot] === true,
            ...(row[col.authorDeleted] ? { deleted: true as const } : {}),
          },
    senderOverride: senderOverrideOut(jsonColumn(row[col.senderOverride]) as Parameters<typeof senderOverrideOut>[0]),
    body: row[col.body] as string,
    notice: typeof notice === "string" ? JSON.parse(notice) : notice,
    clientId: row[col.clientId] as string | null,
    createdAt: row[col.createdAt] as string,
    parentId,
    editedAt: row[col.editedAt] as string | null,
    deletedAt,
    pinnedAt: row[col.pinnedAt] as string | null,
    reactions: reactionsOfColumn(row[col.reactions]),
    mentions: { userIds: row[col.mentionIds] as number[], room: row[col.mentionsRoom] as boolean },
    thread:
      parentId === null && replyCount > 0
        ? {
            replyCount,
            lastReplyAt: row[col.lastReplyAt] as string | null,
            participantIds: row[col.threadParticipantIds] as number[],
          }
        : null,
    // A tombstone's files were deleted with it.
    files: deletedAt !== null ? [] : filesOf(row[col.files]),
  };
}

type FileRow = Parameters<typeof fileOutOf>[0];

/** A `jsonb` column as JSON text or parsed, as the driver gives it (null stays null). */
const jsonColumn = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : (value ?? null));

/** The page's `reactions` column (`reactionsJson`), as JSON text or parsed, as the driver gives it. */
function reactionsOfColumn(value: unknown): MessageOut["reactions"] {
  const rows = (typeof value === "string" ? JSON.parse(value) : value) as ReactionRows;
  return rows.length === 0 ? [] : rows.map(reactionOut);
}

function filesOf(value: unknown): MessageOut["files"] {
  const files = (typeof value === "string" ? JSON.parse(value) : value) as FileRow[];
  return files.length === 0 ? [] : files.map(fileOutOf);
}
