import { AppError } from "../errors";
import { SearchDate } from "../schemas";

/**
 * The Slack-style filters a search text may hold (https://slack.com/help/articles/202528808), taken
 * out of it before the words go to PostgreSQL's `websearch_to_tsquery`:
 *
 * - `in:#room` (or `in:room`): one room, by name; `in:@user`: the caller's direct conversation
 *   with that user; a name with spaces in double quotes: `in:#"design review"`;
 * - `from:@user` (or `from:user`): messages by that user;
 * - `before:DATE`, `after:DATE`: a day (`2026-11-30`, a UTC day) or an ISO 8601 instant with its
 *   zone, both exclusive (`after:` a day means from the next day on);
 * - `has:file`: messages with at least one file.
 *
 * Filter names are case-insensitive (`IN:#General`); names are resolved later, by `foldName`. A
 * filter inside a "quoted phrase" is a phrase, not a filter. Everything else is the search's
 * words, kept as typed (quotes, `OR`, `-word`), joined by single spaces.
 */
export interface ParsedSearch {
  /** The words and phrases left, for `websearch_to_tsquery` ('' : filters only). */
  text: string;
  in?: { kind: "room"; name: string } | { kind: "direct"; username: string };
  from?: string;
  before?: string;
  after?: string;
  hasFile?: true;
}

const FILTER = /^(in|from|before|after|has):(.*)$/is;

/** Pieces of the text: phrases in double quotes stay whole, with their quotes; the rest split at spaces. */
function tokens(query: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < query.length) {
    while (i < query.length && /\s/.test(query.charAt(i))) i++;
    if (i >= query.length) break;
    let token = "";
    // A token runs to the next space outside quotes: `in:#"design review"` and `"big cat"` are one each.
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

const unquote = (value: string) =>
  value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).trim() : value;

/**
 * Splits a search text into its filters and its words (see `ParsedSearch`). Pure: names are not
 * looked up here. Throws BAD_INPUT, in words, for a filter without a value, a date that is not one,
 * an unknown `has:`, and the same filter given twice with different values.
 */
export function parseSearchText(query: string): ParsedSearch {
  const parsed: ParsedSearch = { text: "" };
  const words: string[] = [];
  const set = <K extends "in" | "from" | "before" | "after">(key: K, value: ParsedSearch[K], token: string) => {
    const known = parsed[key];
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(value)) {
      throw bad(`${token}: the search already says ${key}:${describe(key, known)}; give one`);
    }
    parsed[key] = value;
  };
  for (const token of tokens(query)) {
    const match = FILTER.exec(token);
    if (!match || token.startsWith('"')) {
      words.push(token);
      continue;
    }
    const key = (match[1] ?? "").toLowerCase();
    const raw = match[2] ?? "";
    if (raw === "") throw bad(`${token} needs a value: ${EXAMPLES[key]}`);
    switch (key) {
      case "in": {
        const sigil = raw.charAt(0);
        const name = unquote(sigil === "#" || sigil === "@" ? raw.slice(1) : raw);
        if (name === "") throw bad(`${token} needs a name: ${EXAMPLES.in}`);
        set("in", sigil === "@" ? { kind: "direct", username: name } : { kind: "room", name }, token);
        break;
      }
      case "from": {
        const name = unquote(raw.startsWith("@") ? raw.slice(1) : raw);
        if (name === "") throw bad(`${token} needs a name: ${EXAMPLES.from}`);
        set("from", name, token);
        break;
      }
      case "before":
      case "after": {
        const date = unquote(raw);
        if (!SearchDate.safeParse(date).success) {
          throw bad(`${token}: ${key}: must be a date (2026-11-30) or an ISO 8601 time with its zone`);
        }
        set(key, date, token);
        break;
      }
      default: {
        if (!/^files?$/i.test(unquote(raw))) throw bad(`${token}: the only has: filter is has:file`);
        parsed.hasFile = true;
      }
    }
  }
  parsed.text = words.join(" ");
  return parsed;
}

const EXAMPLES: Record<string, string> = {
  in: "in:#general or in:@alice",
  from: "from:@alice",
  before: "before:2026-11-30",
  after: "after:2026-11-01",
  has: "has:file",
};

function describe(key: "in" | "from" | "before" | "after", value: ParsedSearch[typeof key]): string {
  if (typeof value === "string") return key === "from" ? `@${value}` : value;
  if (value === undefined) return "";
  return value.kind === "room" ? `#${value.name}` : `@${value.username}`;
}

const bad = (words: string) => new AppError("BAD_INPUT", words);

/** The bounds of `before:`/`after:`, as instants: a day is a UTC day (see `ParsedSearch`). */
export interface TimeBound {
  /** The instant. */
  at: Date;
  /** Whether a message stored exactly at `at` is inside (`after:` a day: from the next day's start on). */
  inclusive: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** `before:` a day: before the day's start (UTC); `before:` an instant: before it. */
export const beforeBound = (date: string): TimeBound => ({ at: new Date(Date.parse(date)), inclusive: false });

/** `after:` a day: from the next day's start (UTC) on; `after:` an instant: after it. */
export const afterBound = (date: string): TimeBound =>
  DAY.test(date)
    ? { at: new Date(Date.parse(date) + DAY_MS), inclusive: true }
    : { at: new Date(Date.parse(date)), inclusive: false };
