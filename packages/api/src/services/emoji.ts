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

const VARIATION_SELECTOR_16 = "\uFE0F";
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const SKIN_TONE = /\p{Emoji_Modifier}/u;
const KEYCAP_BASE = /^[#*0-9]$/;
const KEYCAP = "\u20E3";

/**
 * One spelling per emoji, so that "❤" and "❤️", or "👍" and "👍" + U+FE0F (as emoji pickers built on
 * emojibase write it), are one reaction and not two: every variation selector 16 (U+FE0F) is
 * dropped, then one is put back after each character that is shown as text unless asked otherwise
 * (Extended_Pictographic without Emoji_Presentation, not followed by a skin tone) and after a
 * keycap's base. That is the "fully-qualified" form of Unicode Technical Standard #51 (§1.4.6 and
 * emoji-test.txt) for the emoji Unicode lists, and what clients send back unchanged.
 */
export function canonicalEmoji(text: string): string {
  const points = [...text.replaceAll(VARIATION_SELECTOR_16, "")];
  let out = "";
  for (const [i, point] of points.entries()) {
    const next = points[i + 1];
    out += point;
    const keycap = KEYCAP_BASE.test(point) && next === KEYCAP;
    const textByDefault =
      PICTOGRAPHIC.test(point) && !EMOJI_PRESENTATION.test(point) && !(next && SKIN_TONE.test(next));
    if (keycap || textByDefault) out += VARIATION_SELECTOR_16;
  }
  return out;
}
