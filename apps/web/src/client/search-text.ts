/**
 * The filters of a search text (`in:#room`, `in:@user`, `from:@user`, `before:DATE`, `after:DATE`,
 * `has:file`, Slack's syntax: https://slack.com/help/articles/202528808), read and written for the
 * search form's controls, so that the controls and the text say the same thing. The server parses
 * the text itself (and answers with what it `understood`); this only finds and replaces filters.
 * A token runs to the next space outside double quotes (`in:#"design review"` is one), as the
 * server splits it (`searchTokens`, shared with the server's parser).
 */

import { SEARCH_FILTER as FILTER, searchTokens as tokensOf, unquoteSearchValue as unquote } from "@parley/api/schemas";

export type FilterKey = "in" | "from" | "before" | "after" | "has";

/** The value a filter has in the text (the first one given), unquoted, or undefined: `in` keeps its sigil (`#general`, `@ann`). */
export function filterIn(text: string, key: FilterKey): string | undefined {
  for (const token of tokensOf(text)) {
    const match = FILTER.exec(token);
    if (!match || token.startsWith('"') || match[1]?.toLowerCase() !== key) continue;
    const raw = match[2] ?? "";
    const sigil = raw.charAt(0);
    return sigil === "#" || sigil === "@" ? sigil + unquote(raw.slice(1)) : unquote(raw);
  }
  return undefined;
}

/**
 * The text with the filter `key` set to `value` (put at the end, replacing any given), or taken out
 * (`value` undefined or ''). A value with spaces is quoted after its sigil (`in:#"design review"`).
 */
export function withFilter(text: string, key: FilterKey, value: string | undefined): string {
  const kept = tokensOf(text).filter((token) => {
    const match = FILTER.exec(token);
    return !match || token.startsWith('"') || match[1]?.toLowerCase() !== key;
  });
  if (value) {
    const sigil = value.charAt(0) === "#" || value.charAt(0) === "@" ? value.charAt(0) : "";
    const name = value.slice(sigil.length);
    kept.push(`${key}:${sigil}${/\s/.test(name) ? `"${name}"` : name}`);
  }
  return kept.join(" ");
}
