/**
 * The one rule by which Parley decides that two names are the same name: usernames, e-mail
 * addresses and room names are compared by `foldName(x)`, stored beside each name in a key column
 * (`users.username_key`, `users.email_key`, `rooms.name_key`) with the unique indexes on the keys.
 * Nothing else compares identities: no SQL `lower()`, no `toLowerCase()`, which disagree with each
 * other on letters such as İ, ς and ß.
 *
 * The rule is Unicode's NFKC_Casefold (UAX #44 DerivedNormalizationProps; UAX #31 §5), built from
 * `String.prototype.normalize` and the default full case folding of CaseFolding.txt (statuses C
 * and F, never the Turkic T):
 * 1. NFKD (UAX #15): compatibility forms become plain ones (ｆｕｌｌｗｉｄｔｈ, ﬁ, ſ, µ, ϐ, ẛ, ligatures),
 *    and accented letters decompose, so composed é and e + U+0301 are alike;
 * 2. default-ignorable code points (zero-width spaces and joiners, soft hyphens,
 *    variation selectors) are removed;
 * 3. each code point is case folded on its own, so no context rule applies (JavaScript's
 *    `toLowerCase` turns a word-final Σ into ς; folding gives σ for Σ, σ and ς alike). Full
 *    folding is the lowercase mapping with the few differences CaseFolding.txt makes that step 1
 *    has not already: ß and ẞ fold to "ss", ς to σ, U+0345 (ypogegrammeni, as ᾳ decomposes) to ι,
 *    the old Cyrillic variants U+1C80..1C88 to their plain letters, and Cherokee folds to its
 *    capital letters. (Checked against Python's `str.casefold`, the full default folding, for
 *    every code point Unicode 14 assigns: the same key for each.);
 * 4. NFKC, which composes the result again (the stored key is NFC-shaped and short).
 *
 * Dotted capital İ folds to "i̇" (i + U+0307), as CaseFolding.txt's default F mapping says, and
 * dotless ı stays ı: "İnci", "i̇nci" and "İNCİ" are one name, "Inci" and "inci" another, and "ınci" a
 * third. That is the language-independent choice; Turkish users may see İnci and Inci as different
 * names, which they are.
 *
 * Migrations that backfill keys for existing rows use SQL `lower(normalize(x, NFKC))`, an
 * approximation (it misses ß, ς and default-ignorables); rows written since are keyed by this
 * function, on every write.
 */
export function foldName(name: string): string {
  let folded = "";
  for (const char of name.normalize("NFKD").replace(DEFAULT_IGNORABLE, "")) folded += foldChar(char);
  return folded.normalize("NFKC");
}

/** Keeps the name as typed, in its composed (NFC) spelling: what Parley stores and shows. */
export function storedName(name: string): string {
  return name.normalize("NFC");
}

const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** Where CaseFolding.txt's full folding differs from the lowercase mapping, after NFKD. */
const FOLD_EXCEPTIONS: Record<string, string> = {
  "\u00df": "ss", // ß
  "\u1e9e": "ss", // ẞ
  "\u03c2": "\u03c3", // ς → σ
  "\u0345": "\u03b9", // combining ypogegrammeni → ι
  // Old Cyrillic letter variants fold to the plain letters.
  "\u1c80": "\u0432",
  "\u1c81": "\u0434",
  "\u1c82": "\u043e",
  "\u1c83": "\u0441",
  "\u1c84": "\u0442",
  "\u1c85": "\u0442",
  "\u1c86": "\u044a",
  "\u1c87": "\u0463",
  "\u1c88": "\ua64b",
};

function foldChar(char: string): string {
  const exception = FOLD_EXCEPTIONS[char];
  if (exception !== undefined) return exception;
  const code = char.codePointAt(0) ?? 0;
  // Cherokee is the one script whose folding goes to the capitals (CaseFolding.txt: 13F8..13FD, AB70..ABBF).
  if ((code >= 0x13a0 && code <= 0x13f5) || (code >= 0x13f8 && code <= 0x13fd) || (code >= 0xab70 && code <= 0xabbf)) {
    return char.toUpperCase();
  }
  return char.toLowerCase();
}
