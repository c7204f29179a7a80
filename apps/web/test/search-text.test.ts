import { describe, expect, it } from "vitest";
import { filterIn, withFilter } from "../src/client/search-text";

describe("the search text's filters, as the search form's controls read and write them", () => {
  it("reads a filter's value, with its sigil, unquoted, whatever the case of its name", () => {
    expect(filterIn("cats in:#general", "in")).toBe("#general");
    expect(filterIn('IN:#"design review" cats', "in")).toBe("#design review");
    expect(filterIn("from:@ann cats", "from")).toBe("@ann");
    expect(filterIn("after:2026-11-01 has:file", "after")).toBe("2026-11-01");
    expect(filterIn("has:file", "has")).toBe("file");
    expect(filterIn("cats", "in")).toBeUndefined();
  });

  it("never reads a filter inside a quoted phrase", () => {
    expect(filterIn('"in:#general" cats', "in")).toBeUndefined();
  });

  it("sets a filter at the end, replacing the one given, and quotes a name with spaces", () => {
    expect(withFilter("cats", "in", "#general")).toBe("cats in:#general");
    expect(withFilter("in:#general cats", "in", "#random")).toBe("cats in:#random");
    expect(withFilter("cats", "in", "#design review")).toBe('cats in:#"design review"');
    expect(withFilter("cats", "from", "@ann")).toBe("cats from:@ann");
    expect(withFilter("cats", "has", "file")).toBe("cats has:file");
  });

  it("takes a filter out, leaving the words and phrases as typed", () => {
    expect(withFilter('"big cat" in:#general -dog', "in", undefined)).toBe('"big cat" -dog');
    expect(withFilter('"in:#general" cats in:#random', "in", "")).toBe('"in:#general" cats');
  });
});
