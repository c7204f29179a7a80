import { type Database, foldName, schema, type Transaction } from "@parley/db";
import { and, desc, eq, exists, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Actor, Deps } from "../deps";
import { AppError, notFound } from "../errors";
import { encodeCursor, type SearchHit, type SearchPage, type SearchQuery, type SnippetPart } from "../schemas";
import { readMessages } from "./message-log";
import { decodeCursor } from "./output";
import { accessRoom, memberRoomIds } from "./room-access";
import { afterBound, beforeBound, type ParsedSearch, parseSearchText, type TimeBound } from "./search-query";

const { files, messages, rooms, roomMembers, users } = schema;

/** Reads the whole search in its transaction. */
type Reader = Database | Transaction;

type SearchRoom = SearchPage["understood"]["room"] & {};
type Order = SearchQuery["order"];

/**
 * A search as the server runs it: the text's filters and the structured fields merged, names
 * resolved to ids, and the rooms the caller may read listed.
 */
export interface ResolvedSearch {
  /** For `websearch_to_tsquery('simple', text)`; '' : filters only. */
  text: string;
  /** The rooms searched: every one the caller may read now in the scope, or the one `in:` names. */
  roomIds: number[];
  fromUserId: number | null;
  before: TimeBound | null;
  after: TimeBound | null;
  hasFile: boolean;
  order: Order;
  /** Where the previous page ended (see `SearchKey`). */
  cursor: SearchKey | null;
  /** Rows to read: one more than the page, to tell whether there is more. */
  rows: number;
}

/**
 * Full-text search over the messages the caller may read now (issue 16): see `SearchInput` for the
 * query language and `parseSearchText` for its filters. Text messages only, deleted ones never,
 * replies included (with `parentId`). The words go to PostgreSQL's `websearch_to_tsquery` with the
 * 'simple' configuration (lower-casing, no stemming, no stop words: "run" does not find "running"),
 * matched against `messages.search_vector`, a stored generated column with a GIN index
 * (`messages_search_idx`), written by the statement that writes the body: an edit is found by its
 * new text only and a deletion by nothing, from the moment it commits.
 *
 * Who may read what: scope "mine" is the rooms and direct conversations the caller is a member of
 * (`room_members`), "public" the public rooms, joined or not; `in:` a room is that room, if the
 * caller may see it (a member, or a public room), and a room they may not see is answered as one
 * that does not exist. The whole search reads one snapshot (a read-only REPEATABLE READ
 * transaction): the rooms listed are the rooms searched, and a room left or a member removed
 * before it began is not searched at all.
 *
 * Newest first (by id: the order messages were stored in, which the primary key serves, so that a
 * common word's newest matches are found without reading all of them) or by relevance
 * (`ts_rank_cd` over every match, then newest), keyset-paged; a query with no words (filters only)
 * is always newest first. A text whose words make an empty query (punctuation only) answers an
 * empty page. Each hit: the message as it is now, its room, and a snippet from `ts_headline` (at
 * most 2 fragments of 10 to 30 words, matches marked; filters only: the start of the body).
 *
 * Throws BAD_INPUT for nothing to search for, a filter naming no room or user the caller may
 * search, text filters and structured fields that disagree, and a cursor from another order or not
 * a search's; NOT_FOUND for a `roomId` the caller may not see or a `fromUserId` that does not
 * exist; TOO_MANY beyond LIMIT_SEARCHES_PER_USER.
 */
export async function searchMessages(deps: Deps, actor: Actor, input: SearchQuery): Promise<SearchPage> {
  const parsed = parseSearchText(input.query);
  const bound = (date: string | undefined, of: (d: string) => TimeBound) => (date ? of(date) : undefined);
  const before = agree("before", bound(parsed.before, beforeBound), bound(input.before, beforeBound));
  const after = agree("after", bound(parsed.after, afterBound), bound(input.after, afterBound));
  if (parsed.hasFile && input.hasFile === false) throw disagree("has:file", "hasFile false");
  const hasFile = parsed.hasFile === true || input.hasFile === true;
  const anyFilter = parsed.in || input.roomId || parsed.from || input.fromUserId || before || after || hasFile;
  if (!parsed.text && !anyFilter) throw new AppError("BAD_INPUT", "type something to search for");
  const order: Order = parsed.text ? input.order : "newest";
  const cursor = searchKeyOf(decodeCursor(input.cursor), order);
  await deps.limits.take("searchesPerUser", String(actor.userId));
  return deps.db.transaction(
    async (tx) => {
      // Each search is planned for its own words and rooms: a plan made once for any words could
      // read every match of a common word where the primary key would have stopped after a page.
      await tx.execute(sql`set local plan_cache_mode = force_custom_plan`);
      const room = await resolveRoom(tx, actor.userId, parsed.in, input.roomId);
      const from = await resolveAuthor(tx, parsed.from, input.fromUserId);
      const search: ResolvedSearch = {
        text: parsed.text,
        roomIds: room ? [room.id] : await readableRooms(tx, actor.userId, input.scope),
        fromUserId: from?.id ?? null,
        before,
        after,
        hasFile,
        order,
        cursor,
        rows: input.limit + 1,
      };
      const rows = search.roomIds.length > 0 ? await searchQuery(tx, search) : [];
      const shown = rows.slice(0, input.limit);
      const last = shown.at(-1);
      return {
        items: await hitsOf(tx, shown, search.text !== ""),
        nextCursor: rows.length > input.limit && last ? encodeCursor(keyOf(order, last)) : null,
        understood: {
          text: parsed.text,
          room,
          from,
          before: before?.at.toISOString() ?? null,
          after: after?.at.toISOString() ?? null,
          hasFile,
          scope: input.scope,
          order,
        },
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
}

/** The rooms of a scope the user may read now: theirs ("mine"), or every public room ("public"). */
async function readableRooms(db: Reader, userId: number, scope: SearchQuery["scope"]): Promise<number[]> {
  if (scope === "mine") return memberRoomIds(db, userId);
  const rows = await db
    .select({ id: rooms.id })
    .from(rooms)
    .where(and(eq(rooms.kind, "room"), eq(rooms.isPrivate, false)));
  return rows.map((r) => r.id);
}

/**
 * The search statement: the matching messages of `roomIds`, in order, with their sort keys and
 * snippets, `rows` of them after the cursor. Exported for the EXPLAIN test and the bench.
 *
 * The rooms are one array parameter, planned as the constant it is (`force_custom_plan`), so the
 * planner knows how much of the table they hold and picks between two plans: for a rare word, the
 * GIN index `messages_search_idx` ANDed with a bitmap of the rooms' rows (`messages_room_seq_key`),
 * which reads from the table only the matches in those rooms; for a common one, the primary key
 * backwards, stopping when the page is full.
 */
export function searchQuery(db: Reader, search: ResolvedSearch) {
  const query = sql`websearch_to_tsquery('simple', translate(${search.text}, ${SEPARATORS}, ${SPACES}))`;
  const vector = sql`${messages}.search_vector`;
  const rank = sql<number>`ts_rank_cd(${vector}, ${query})`;
  const words = search.text !== "";
  // One text parameter ('{1,2,3}', whole numbers only), whatever the number of rooms.
  const readable = sql`${messages.roomId} = any(${`{${search.roomIds.join(",")}}`}::integer[])`;
  const { cursor } = search;
  const afterCursor: SQL | undefined =
    cursor === null
      ? undefined
      : cursor.order === "newest"
        ? sql`${messages.id} < ${cursor.id}`
        : sql`(${rank}, ${messages.id}) < (${cursor.rank}::real, ${cursor.id}::bigint)`;
  const { before, after } = search;
  return db
    .select({
      id: messages.id,
      roomId: messages.roomId,
      rank: words ? sql<string>`${rank}::text` : sql<string>`'0'`,
      // Marks a stored body cannot be confused with: the private-use characters it might hold are
      // taken out first, and '<' is hidden from the parser, which drops anything that looks like a tag.
      headline: words
        ? sql<string>`ts_headline('simple', replace(translate(${messages.body}, ${MARKS}, ''), '<', ${LT}), ${query}, ${HEADLINE_OPTIONS})`
        : sql<string>`left(${messages.body}, ${PLAIN_START_CHARS + 1})`,
    })
    .from(messages)
    .where(
      and(
        readable,
        words ? sql`${vector} @@ ${query}` : undefined,
        eq(messages.kind, "text"),
        isNull(messages.deletedAt),
        search.fromUserId !== null ? eq(messages.authorId, search.fromUserId) : undefined,
        before ? sql`${messages.createdAt} < ${before.at.toISOString()}::timestamptz` : undefined,
        after
          ? after.inclusive
            ? sql`${messages.createdAt} >= ${after.at.toISOString()}::timestamptz`
            : sql`${messages.createdAt} > ${after.at.toISOString()}::timestamptz`
          : undefined,
        search.hasFile
          ? exists(
              db
                .select({ one: sql`1` })
                .from(files)
                .where(and(eq(files.messageId, messages.id), isNull(files.deletedAt))),
            )
          : undefined,
        afterCursor,
      ),
    )
    .orderBy(...(search.order === "relevance" ? [desc(rank)] : []), desc(messages.id))
    .limit(search.rows);
}

type SearchRow = Awaited<ReturnType<typeof searchQuery>>[number];

/**
 * Characters read as spaces on both sides of a match: the stored vector is built from the body with
 * these translated to spaces (migration 0009), and so are the search's words. Without it PostgreSQL's
 * parser reads a URL, an e-mail address or `<b and c>` as one token, and their words find nothing.
 */
const SEPARATORS = "<>@/:.";
const SPACES = " ".repeat(SEPARATORS.length);

/** Start (U+E000) and end (U+E001) of a match, between fragments (U+E002), and '<' (U+E003) in ts_headline's output. */
const START = "\uE000";
const STOP = "\uE001";
const BETWEEN = "\uE002";
const LT = "\uE003";
const MARKS = START + STOP + BETWEEN + LT;
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxFragments=2, MaxWords=30, MinWords=10, ShortWord=0, FragmentDelimiter=${BETWEEN}`;
/** A filters-only hit's snippet: the body's first characters (code points). */
const PLAIN_START_CHARS = 200;
/** What stands between two fragments of a snippet. */
export const SNIPPET_GAP = " … ";

/**
 * A `ts_headline` result (see `HEADLINE_OPTIONS`) as snippet parts: text between the marks is a
 * match, fragments are joined by `SNIPPET_GAP`. Plain text: nothing in it is markup.
 */
export function snippetOf(headline: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (text: string, match: boolean) => {
    if (text === "") return;
    const previous = parts.at(-1);
    if (previous && previous.match === match) previous.text += text;
    else parts.push({ text, match });
  };
  headline.split(BETWEEN).forEach((fragment, i) => {
    if (i > 0) push(SNIPPET_GAP, false);
    let match = false;
    for (const piece of fragment.split(/([\uE000\uE001])/)) {
      if (piece === START) match = true;
      else if (piece === STOP) match = false;
      else push(piece.replaceAll(LT, "<"), match);
    }
  });
  return parts;
}

/** A filters-only hit's snippet: the start of its body, cut at a space when it is long. */
export function plainSnippet(body: string): SnippetPart[] {
  const chars = Array.from(body);
  if (chars.length <= PLAIN_START_CHARS) return body === "" ? [] : [{ text: body, match: false }];
  const start = chars.slice(0, PLAIN_START_CHARS).join("");
  const space = start.lastIndexOf(" ");
  return [{ text: `${space > PLAIN_START_CHARS / 2 ? start.slice(0, space) : start}…`, match: false }];
}

async function hitsOf(db: Reader, rows: SearchRow[], words: boolean): Promise<SearchHit[]> {
  if (rows.length === 0) return [];
  const [found, roomRows] = await Promise.all([
    readMessages(
      db,
      rows.map((r) => r.id),
    ),
    db
      .select({ id: rooms.id, kind: rooms.kind, name: rooms.name })
      .from(rooms)
      .where(inArray(rooms.id, [...new Set(rows.map((r) => r.roomId))])),
  ]);
  const byId = new Map(found.map((m) => [m.id, m]));
  const roomById = new Map(roomRows.map((r) => [r.id, r]));
  return rows.flatMap((row) => {
    const message = byId.get(row.id);
    const room = roomById.get(row.roomId);
    // Deleted between the search and the read: no longer found.
    if (!message || !room || message.deletedAt !== null) return [];
    return [{ message, room, snippet: words ? snippetOf(row.headline) : plainSnippet(row.headline) }];
  });
}

/** A page's end, as the cursor keeps it: the last message's id, and its rank (as PostgreSQL printed the `real`). */
type SearchKey = { order: "newest"; id: number } | { order: "relevance"; rank: string; id: number };

/** A rank as PostgreSQL prints a `real` from ts_rank_cd: never negative, and within what a `real` holds. */
const Rank = z
  .string()
  .regex(/^(\d+(\.\d+)?(e[-+]?\d+)?|Infinity)$/i)
  .refine((v) => {
    const rank = Number(v);
    return rank === Number.POSITIVE_INFINITY || rank === 0 || (rank >= 1e-37 && rank <= 1e37);
  });
const MessageKey = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const SearchKeyJson = z.union([
  z.tuple([z.literal("newest"), MessageKey]),
  z.tuple([z.literal("relevance"), Rank, MessageKey]),
]);

const keyOf = (order: Order, row: SearchRow) =>
  JSON.stringify(order === "newest" ? [order, row.id] : [order, row.rank, row.id]);

function searchKeyOf(key: string | undefined, order: Order): SearchKey | null {
  if (key === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(key);
  } catch {
    json = undefined;
  }
  const parsed = SearchKeyJson.safeParse(json);
  if (!parsed.success) throw new AppError("BAD_INPUT", "cursor: not one a search gave out");
  const value = parsed.data;
  if (value[0] !== order) {
    throw new AppError("BAD_INPUT", `cursor: from a search ordered by ${value[0]}, not by ${order}`);
  }
  return value[0] === "newest"
    ? { order: "newest", id: value[1] }
    : { order: "relevance", rank: value[1], id: value[2] };
}

/**
 * The room `in:` names, or the one `roomId` gives; both: the same one. A name the caller may not
 * search (no such room, or a private room of others) is answered in words, the same either way.
 */
async function resolveRoom(
  db: Reader,
  userId: number,
  named: ParsedSearch["in"],
  roomId: number | undefined,
): Promise<SearchRoom | null> {
  const byName = named ? await roomNamed(db, userId, named) : null;
  const byId = roomId !== undefined ? (await accessRoom(db, userId, roomId)).room : null;
  if (named && byName && byId && byName.id !== byId.id) throw disagree(filterWords(named), `roomId ${roomId}`);
  const room = byName ?? byId;
  return room && { id: room.id, kind: room.kind, name: room.name };
}

async function roomNamed(db: Reader, userId: number, named: NonNullable<ParsedSearch["in"]>) {
  const member = sql<boolean>`exists (select 1 from ${roomMembers} where ${roomMembers.roomId} = ${rooms.id} and ${roomMembers.userId} = ${userId})`;
  if (named.kind === "room") {
    // A built-in room may share its name with a user's room made before it: the caller's own first.
    const [room] = await db
      .select({ id: rooms.id, kind: rooms.kind, name: rooms.name, isPrivate: rooms.isPrivate, member })
      .from(rooms)
      .where(and(eq(rooms.nameKey, foldName(named.name)), eq(rooms.kind, "room")))
      .orderBy(desc(member), rooms.id);
    if (!room || (!room.member && room.isPrivate)) {
      throw new AppError("BAD_INPUT", `in:#${named.name}: no room of yours is called ${named.name}`);
    }
    return room;
  }
  const [room] = await db
    .select({ id: rooms.id, kind: rooms.kind, name: rooms.name })
    .from(rooms)
    .innerJoin(users, eq(users.usernameKey, foldName(named.username)))
    .innerJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, userId)))
    .where(
      and(
        eq(rooms.kind, "direct"),
        sql`${rooms.directKey} = least(${users.id}, ${userId}::integer) || ':' || greatest(${users.id}, ${userId}::integer)`,
      ),
    );
  if (!room) {
    throw new AppError("BAD_INPUT", `in:@${named.username}: you have no direct conversation with ${named.username}`);
  }
  return room;
}

/** The author `from:` names, or the one `fromUserId` gives; both: the same one. */
async function resolveAuthor(db: Reader, name: string | undefined, userId: number | undefined) {
  const byName = name === undefined ? null : await userWhere(db, eq(users.usernameKey, foldName(name)));
  if (name !== undefined && !byName) throw new AppError("BAD_INPUT", `from:@${name}: no user is called ${name}`);
  const byId = userId === undefined ? null : await userWhere(db, eq(users.id, userId));
  if (userId !== undefined && !byId) throw notFound("user");
  if (byName && byId && byName.id !== byId.id) throw disagree(`from:@${name}`, `fromUserId ${userId}`);
  return byName ?? byId;
}

async function userWhere(db: Reader, where: SQL) {
  const [user] = await db.select({ id: users.id, username: users.username }).from(users).where(where);
  return user ?? null;
}

/** A bound the text and the fields both give must be the same instant. */
function agree(name: "before" | "after", fromText: TimeBound | undefined, fromField: TimeBound | undefined) {
  if (
    fromText &&
    fromField &&
    (fromText.at.getTime() !== fromField.at.getTime() || fromText.inclusive !== fromField.inclusive)
  ) {
    throw disagree(`${name}: in the text`, `the ${name} field`);
  }
  return fromText ?? fromField ?? null;
}

const filterWords = (named: NonNullable<ParsedSearch["in"]>) =>
  named.kind === "room" ? `in:#${named.name}` : `in:@${named.username}`;

const disagree = (text: string, field: string) =>
  new AppError("BAD_INPUT", `${text} and ${field} disagree: give it once, in the text or in the field`);
