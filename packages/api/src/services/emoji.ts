import emojiRegex from "emoji-regex";

/**
 * What a reaction may be: exactly one emoji. Unicode's emoji sequences (skin tones, flags, keycaps,
 * ZWJ families) come from emoji-regex; `Intl.Segmenter` makes sure the text is one grapheme cluster,
 * so "👍👍" or "👍a" are refused even though each part is an emoji.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** True when `text` is one grapheme cluster that emoji-regex matches whole ("👍🏽", "🇫🇷", "1️⃣"). */
export function isSingleEmoji(text: string): boolean {
  const segments = graphemes.segment(text)[Symbol.iterator]();
  const first = segments.next();
  if (first.done || first.value.segment !== text) return false;
  const match = emojiRegex().exec(text);
  return match !== null && match.index === 0 && match[0] === text;
}

/** Why a reaction was refused, in words. */
export const NOT_AN_EMOJI = "reactions must be a single emoji";
