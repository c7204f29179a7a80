import { describe, expect, it } from "vitest";
import { AppError } from "../src/errors";
import { plainSnippet, snippetOf } from "../src/services/search";
import { afterBound, beforeBound, parseSearchText } from "../src/services/search-query";

const refused = (query: string) => {
  try {
    parseSearchText(query);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_INPUT");
    return (error as AppError).message;
  }
  throw new Error(`expected ${query} to be refused`);
};

/** The search text's filters (pure: no database). */
describe("parseSearchText", () => {
  it("leaves plain words, quoted phrases, OR and -word as typed, spaces collapsed", () => {
    expect(parseSearchText('  big   "red cat"  OR dog -mouse ')).toEqual({ text: 'big "red cat" OR dog -mouse' });
    expect(parseSearchText("")).toEqual({ text: "" });
  });

  it("takes out every filter, whatever the case of its name", () => {
    expect(parseSearchText("lunch IN:#General From:@ann BEFORE:2026-11-30 after:2026-11-01 Has:File plans")).toEqual({
      text: "lunch plans",
      in: { kind: "room", name: "General" },
      from: "ann",
      before: "2026-11-30",
      after: "2026-11-01",
      hasFile: true,
    });
  });

  it("reads in:#room, in:room, in:@user, from:user and quoted names with spaces", () => {
    expect(parseSearchText("in:general").in).toEqual({ kind: "room", name: "general" });
    expect(parseSearchText("in:@bob").in).toEqual({ kind: "direct", username: "bob" });
    expect(parseSearchText('in:#"design review" x')).toEqual({
      text: "x",
      in: { kind: "room", name: "design review" },
    });
    expect(parseSearchText('in:"#design review"').in).toEqual({ kind: "room", name: "#design review" });
    expect(parseSearchText("from:bob").from).toBe("bob");
    expect(parseSearchText("has:files").hasFile).toBe(true);
  });

  it("keeps a filter inside a quoted phrase, or negated, as words", () => {
    expect(parseSearchText('"in:#general is where" -from:bob')).toEqual({ text: '"in:#general is where" -from:bob' });
  });

  it("takes instants with their zone", () => {
    expect(parseSearchText("after:2026-11-30T10:15:00Z").after).toBe("2026-11-30T10:15:00Z");
    expect(parseSearchText("before:2026-11-30T10:15:00+01:00").before).toBe("2026-11-30T10:15:00+01:00");
  });

  it("allows a filter twice with the same value, not with two", () => {
    expect(parseSearchText("in:#a in:#a x")).toEqual({ text: "x", in: { kind: "room", name: "a" } });
    expect(refused("in:#a in:#b")).toBe("in:#b: the search already says in:#a; give one");
    expect(refused("from:@a from:b")).toMatch(/already says from:@a/);
    expect(refused("before:2026-01-01 before:2026-01-02")).toMatch(/already says before:2026-01-01/);
  });

  it("refuses, in words, a filter without a value, a date that is none, and an unknown has:", () => {
    expect(refused("in:")).toBe("in: needs a value: in:#general or in:@alice");
    expect(refused("in:#")).toMatch(/needs a name/);
    expect(refused("from:@")).toMatch(/needs a name/);
    expect(refused("before:tomorrow")).toMatch(/must be a date \(2026-11-30\)/);
    expect(refused("after:2026-02-30x")).toMatch(/must be a date/);
    expect(refused("after:2026-11-30T10:00")).toMatch(/must be a date/); // no zone
    expect(refused("has:link")).toBe("has:link: the only has: filter is has:file");
  });
});

describe("date bounds", () => {
  it("reads a day as a UTC day: before its start, after its end", () => {
    expect(beforeBound("2026-11-30")).toEqual({ at: new Date("2026-11-30T00:00:00Z"), inclusive: false });
    expect(afterBound("2026-11-30")).toEqual({ at: new Date("2026-12-01T00:00:00Z"), inclusive: true });
    expect(afterBound("2026-11-30T10:00:00+01:00")).toEqual({ at: new Date("2026-11-30T09:00:00Z"), inclusive: false });
  });
});

describe("snippets", () => {
  it("splits ts_headline's marks into parts, fragments joined, '<' restored", () => {
    expect(snippetOf("say \uE000hello\uE001 to \uE003b>you\uE002and \uE000hello\uE001\uE000again\uE001")).toEqual([
      { text: "say ", match: false },
      { text: "hello", match: true },
      { text: " to <b>you … and ", match: false },
      { text: "helloagain", match: true },
    ]);
    expect(snippetOf("")).toEqual([]);
  });

  it("shows a filters-only hit's start, cut at a space when long", () => {
    expect(plainSnippet("short")).toEqual([{ text: "short", match: false }]);
    const long = `${"word ".repeat(60)}end`;
    const [part] = plainSnippet(long);
    expect(part?.text.endsWith("word…")).toBe(true);
    expect(part?.text.length).toBeLessThanOrEqual(201);
    expect(plainSnippet("😀".repeat(300))[0]?.text).toBe(`${"😀".repeat(200)}…`); // cut between characters, not inside one
  });
});
