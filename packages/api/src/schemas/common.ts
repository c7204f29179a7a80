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

/** A list read by name a page at a time, optionally filtered by a piece of text. */
export const SearchPageInput = z.object({
  search: SearchText,
  limit: PageLimit,
  cursor: z.string().max(200).optional(),
});
export type SearchPageInput = z.infer<typeof SearchPageInput>;

/** One page of a list, and where the next one starts (null at the end). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
