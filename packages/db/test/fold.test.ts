import { describe, expect, it } from "vitest";
import { foldName, storedName } from "../src/fold";

describe("foldName: one rule for when two names are the same", () => {
  it.each([
    ["İnci", "İNCI", "i\u0307nci"], // dotted capital I: i + combining dot above
    ["ınci", "ıNCI"], // dotless i stays its own letter
    ["inci", "INCI", "Inci"],
    ["ΟΔΟΣ", "οδος", "οδοσ", "Οδος"], // final sigma
    ["Straße", "STRASSE", "strasse", "STRAẞE"], // sharp s
    ["café", "cafe\u0301", "CAFÉ", "CAFE\u0301"], // composed and decomposed accents
    ["system", "SYSTEM", "ｓｙｓｔｅｍ", "ſystem", "sys\u200btem", "sys\u00adtem"], // width, long s, invisible characters
    ["file", "ﬁle", "FILE"], // ligature
    ["ᾳ", "ᾼ", "αι", "ΑΙ"], // ypogegrammeni
    ["Ꭰ", "ꭰ"], // Cherokee folds to its capitals
    ["в", "ᲀ", "В"], // old Cyrillic variant
  ])("%s: the same name in every spelling", (...spellings) => {
    const keys = new Set(spellings.map(foldName));
    expect([...keys], spellings.join(" ")).toHaveLength(1);
  });

  it("tells apart what Unicode's default folding tells apart", () => {
    expect(new Set(["inci", "İnci", "ınci"].map(foldName)).size).toBe(3);
    expect(foldName("Straße")).not.toBe(foldName("Strase"));
  });

  it("is settled after one pass, for every code point", () => {
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const once = foldName(String.fromCodePoint(code));
      if (foldName(once) !== once) expect.fail(`U+${code.toString(16)} folds to ${once}, which folds further`);
    }
  });

  it("keeps a name as typed, in its composed spelling", () => {
    expect(storedName("Cafe\u0301")).toBe("Café");
    expect(storedName("İnci")).toBe("İnci");
  });
});
