import { describe, expect, it } from "vitest";
import { canonicalEmoji, isSingleEmoji } from "../src/services/emoji";

describe("reaction emoji", () => {
  it("spells each emoji one way, whether or not the client added or left out U+FE0F", () => {
    const spellings: [string, string][] = [
      ["❤", "❤\uFE0F"],
      ["❤\uFE0F", "❤\uFE0F"],
      ["👍\uFE0F", "👍"],
      ["👍", "👍"],
      ["👍🏽", "👍🏽"],
      ["☝🏻", "☝🏻"],
      ["☝", "☝\uFE0F"],
      ["🏳‍🌈", "🏳\uFE0F‍🌈"],
      ["🏳\uFE0F‍🌈", "🏳\uFE0F‍🌈"],
      ["1⃣", "1\uFE0F⃣"],
      ["1\uFE0F⃣", "1\uFE0F⃣"],
      ["🇫🇷", "🇫🇷"],
      ["👨‍👩‍👧", "👨‍👩‍👧"],
      ["©", "©\uFE0F"],
    ];
    for (const [given, canonical] of spellings) {
      expect(canonicalEmoji(given), JSON.stringify(given)).toBe(canonical);
      expect(isSingleEmoji(canonicalEmoji(given)), JSON.stringify(given)).toBe(true);
    }
  });

  it("is still one grapheme of emoji only", () => {
    for (const text of ["a", "👍👍", "👍a", "1", "#", "\uFE0F", "🇫", " 👍"]) {
      expect(isSingleEmoji(canonicalEmoji(text)), JSON.stringify(text)).toBe(false);
    }
  });
});
