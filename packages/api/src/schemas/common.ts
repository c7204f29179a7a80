import { z } from "zod";

/** Halves of a surrogate pair without their other half: no character at all. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * For every free text a client sends: no NUL (PostgreSQL cannot store it) and no lone surrogate,
 * refused here, in words, rather than by the database as a 500.
 */
export const storable = (text: string) => !text.includes("\u0000") && !LONE_SURROGATE.test(text);
export const UNSTORABLE_WORDS = "must not contain NUL characters or broken (unpaired surrogate) characters";

/** Rooms and users are numbered by PostgreSQL `integer` columns: no row has a larger id. */
export const MAX_ID = 2_147_483_647;

/** A room's or a user's id. A larger one is refused here, not by the database as a 500. */
export const Id = z
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .positive("must be positive")
  .max(MAX_ID, `must be at most ${MAX_ID}`);
export const IsoDate = z.string().describe("ISO 8601 timestamp");
export const PageLimit = z.number().int().min(1).max(100).default(50);
export const SearchText = z.string().trim().max(64).refine(storable, `search ${UNSTORABLE_WORDS}`).optional();

/**
 * A list cursor: where a keyset page ended, opaque to clients. It is base64url (RFC 4648 §5, no
 * padding) of the JSON `{"after": <key>}`, so that anything else (text, another encoding, a key
 * PostgreSQL cannot compare with) is known for what it is: not a cursor this server gave out.
 */
export const encodeCursor = (key: string) => Buffer.from(JSON.stringify({ after: key }), "utf8").toString("base64url");

/** The key a cursor made by `encodeCursor` holds; undefined for anything else. */
export function cursorKey(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const keys = Object.keys(parsed);
  const after = (parsed as { after?: unknown }).after;
  if (keys.length !== 1 || typeof after !== "string" || !storable(after)) return undefined;
  return encodeCursor(after) === cursor ? after : undefined;
}

export const CURSOR_WORDS = "cursor: not one this server gave out";
/** A list cursor as a client hands it back (see `encodeCursor`). */
export const ListCursor = z
  .string()
  .max(1024, CURSOR_WORDS)
  .refine((cursor) => cursorKey(cursor) !== undefined, CURSOR_WORDS);

/** A list read by name a page at a time, optionally filtered by a piece of text. */
export const SearchPageInput = z.object({
  search: SearchText,
  limit: PageLimit,
  cursor: ListCursor.optional(),
});
export type SearchPageInput = z.infer<typeof SearchPageInput>;

/** One page of a list, and where the next one starts (null at the end). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
