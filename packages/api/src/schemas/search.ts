import { z } from "zod";
import { Id, IsoDate, ListCursor, storable, UNSTORABLE_WORDS } from "./common";
import { MessageOut } from "./messages";

/** The longest search text, in characters. */
export const MAX_SEARCH_TEXT = 500;
/** The most results in one page of search. */
export const MAX_SEARCH_PAGE = 50;

/** The years a search date may name: PostgreSQL's timestamps reach further, and nobody chats there. */
const SEARCH_YEARS = { min: 1000, max: 9998 } as const;

/**
 * Whether a text is a day that exists (`2026-11-30`, not `2026-02-31`) or an ISO 8601 instant with
 * its zone, in the years 1000 to 9998 (`after:` a day means from the next one).
 */
function isSearchDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < SEARCH_YEARS.min || year > SEARCH_YEARS.max) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  const exists = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return exists && !Number.isNaN(Date.parse(value));
}

/** A day (`2026-11-30`) or an instant (ISO 8601 with a time zone), as `before:`/`after:` take it. */
export const SearchDate = z
  .string()
  .trim()
  .refine(isSearchDate, "must be a date (2026-11-30) or an ISO 8601 time with its zone, in the years 1000 to 9998");

/**
 * A search over messages. `query` is what a person types: words, "quoted phrases", `OR`, `-word`
 * (PostgreSQL's websearch_to_tsquery), and Slack-style filters: `in:#room` (or `in:@user`, a
 * direct conversation), `from:@user`, `before:2026-11-30`, `after:2026-11-01`, `has:file`. The
 * structured fields say the same; where both say something, they must agree.
 */
export const SearchInput = z.object({
  query: z
    .string({ error: "query must be a string" })
    .trim()
    .max(MAX_SEARCH_TEXT, `query must be at most ${MAX_SEARCH_TEXT} characters`)
    .refine(storable, `query ${UNSTORABLE_WORDS}`),
  /** Only this room or direct conversation. */
  roomId: Id.optional(),
  /** Only messages by this user. */
  fromUserId: Id.optional(),
  /** Only messages sent before this day (exclusive) or instant. */
  before: SearchDate.optional(),
  /** Only messages sent after this day (exclusive: from the next day on) or instant. */
  after: SearchDate.optional(),
  /** Only messages with at least one file. */
  hasFile: z.boolean().optional(),
  /** "mine": rooms and direct conversations the caller is a member of; "public": public rooms, joined or not. */
  scope: z.enum(["mine", "public"]).default("mine"),
  /** "newest": by time, newest first; "relevance": best match first (ts_rank_cd), then newest. */
  order: z.enum(["newest", "relevance"]).default("newest"),
  cursor: ListCursor.optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_PAGE).default(20),
});
export type SearchInput = z.input<typeof SearchInput>;
export type SearchQuery = z.output<typeof SearchInput>;

/** A piece of a result's snippet; `match` marks the words the search found (from ts_headline). */
export const SnippetPart = z.object({ text: z.string(), match: z.boolean() });
export type SnippetPart = z.infer<typeof SnippetPart>;

/** Where a result was said: a room (named) or a direct conversation (`name` null). */
export const SearchRoom = z.object({ id: Id, kind: z.enum(["room", "direct"]), name: z.string().nullable() });

export const SearchHit = z.object({
  /** The message as it is now (a reply has `parentId`: open its thread to show it). */
  message: MessageOut,
  room: SearchRoom,
  /** The message's text around the matches, matches marked; plain text, never markup. */
  snippet: z.array(SnippetPart),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchPage = z.object({
  items: z.array(SearchHit),
  /** Hand it back as `cursor` for the next page; null at the end. */
  nextCursor: z.string().nullable(),
  /** What was searched for, filters from the text and the fields together, as the server understood them. */
  understood: z.object({
    /** The words and phrases left once the filters were taken out ('' : filters only). */
    text: z.string(),
    room: SearchRoom.nullable(),
    from: z.object({ id: Id, username: z.string() }).nullable(),
    before: IsoDate.nullable(),
    after: IsoDate.nullable(),
    hasFile: z.boolean(),
    scope: z.enum(["mine", "public"]),
    order: z.enum(["newest", "relevance"]),
  }),
});
export type SearchPage = z.infer<typeof SearchPage>;

/**
 * A filter in a search text: `in:`, `from:`, `before:`, `after:` or `has:` (any case) and its value.
 * The server's parser (services/search-query.ts) and the browser's search form read filters alike
 * with this, `searchTokens` and `unquoteSearchValue`.
 */
export const SEARCH_FILTER = /^(in|from|before|after|has):(.*)$/is;

/**
 * Pieces of a search text: a piece runs to the next space outside double quotes, so phrases in
 * quotes stay whole with their quotes (`"big cat"`, `in:#"design review"`).
 */
export function searchTokens(query: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < query.length) {
    while (i < query.length && /\s/.test(query.charAt(i))) i++;
    if (i >= query.length) break;
    let token = "";
    let quoted = false;
    while (i < query.length && (quoted || !/\s/.test(query.charAt(i)))) {
      const c = query.charAt(i);
      if (c === '"') quoted = !quoted;
      token += c;
      i++;
    }
    out.push(token);
  }
  return out;
}

/** A filter's value without its double quotes (`"design review"` → `design review`). */
export const unquoteSearchValue = (value: string) =>
  value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).trim() : value;
