// Email addresses: the ONE place that decides whether an address is acceptable and which account it
// names. Every lookup (invite, bulk invite, login, the first admin, the CLI) compares canonical forms,
// stored in users.email_canonical (unique); the address shown stays as the admin typed it.
//
// Canonical form: NFKC, then full case folding, then NFKC again (Unicode's NFKC_Casefold, less its
// removal of default-ignorable characters, which we refuse instead). JavaScript has no casefold(),
// and toLowerCase() is not one: "ΟΔΟΣ".toLowerCase() is "οδος" (final sigma) while "οδοσ" is the same
// word, and Postgres lower() disagrees with both. Folding = lower-case, then per code point
// upper-case and lower-case again, context-free: that maps ς→σ, ß/ẞ→ss, ŉ→ʼn, ᾀ→ἀι as
// CaseFolding.txt does; Cherokee folds to its capitals; dotless ı is kept apart from i, as the full
// (non-Turkic) folding keeps it. lib/email.test.ts checks the pairs against Python's casefold().

import { tr } from "./i18n/request-locale";

export type EmailCheck =
  | { ok: true; email: string; canonical: string }
  | { ok: false; reason: "malformed" | "invisible_character" | "mixed_scripts"; message: string };

const MAX_EMAIL_LENGTH = 254;
// One "@", no spaces or control characters, something on each side (zod's z.email() refuses
// admin@localhost and non-ASCII addresses, which are real).
const SHAPE = /^[^\s@\u0000-\u001f\u007f]+@[^\s@\u0000-\u001f\u007f]+$/u;
// Invisible or format characters (zero-width space, bidi controls, soft hyphen, BOM, …) and code
// points that have no business in an address: unassigned, private use, lone surrogates.
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;
const NOT_A_CHARACTER = /[\p{Cn}\p{Co}\p{Cs}]/u;

const CHEROKEE = /\p{Script=Cherokee}/u;

/** The form two addresses share exactly when they name the same account (give it a trimmed address). */
export function canonicalEmail(address: string): string {
  const lowered = address.normalize("NFKC").toLowerCase();
  let folded = "";
  for (const ch of lowered) {
    if (ch === "ı") folded += ch;
    else if (CHEROKEE.test(ch)) folded += ch.toUpperCase(); // Cherokee folds to its capitals
    else folded += ch.toUpperCase().toLowerCase();
  }
  return folded.normalize("NFKC");
}

/** The shape of an address (one "@", no spaces or control characters); request schemas use it. */
export function hasEmailShape(input: string): boolean {
  const email = input.trim();
  return email.length >= 3 && email.length <= MAX_EMAIL_LENGTH && SHAPE.test(email);
}

/**
 * The canonical form to look an account up by (sign-in, forgot password), or null when no stored
 * address can have this shape. Invisible characters and mixed scripts are refused when an address
 * is invited, not here: an account made before that rule still signs in.
 */
export function lookupEmail(input: string): string | null {
  return hasEmailShape(input) ? canonicalEmail(input.trim()) : null;
}

/**
 * Whether an address may name an account, and its canonical form. The explanation is in the current
 * API request's language (lib/i18n/request-locale.ts; English outside a request: the CLI, startup).
 * Server code only: no browser code imports this module.
 */
export function checkEmail(input: string): EmailCheck {
  const email = input.trim();
  if (email.length < 3 || !SHAPE.test(email)) {
    return { ok: false, reason: "malformed", message: tr("api.email.malformed") };
  }
  if (email.length > MAX_EMAIL_LENGTH) {
    return { ok: false, reason: "malformed", message: tr("api.email.too_long") };
  }
  // The untrimmed input: trim() would quietly drop a leading U+FEFF.
  const invisible = INVISIBLE.exec(input) ?? NOT_A_CHARACTER.exec(input);
  if (invisible) {
    const code = invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    return {
      ok: false,
      reason: "invisible_character",
      message: tr("api.email.invisible_character", { code }),
    };
  }
  const canonical = canonicalEmail(email);
  const mixed = canonical.split(/[@.]/).find((label) => !isHighlyRestrictive(label));
  if (mixed !== undefined) {
    return {
      ok: false,
      reason: "mixed_scripts",
      message: tr("api.email.mixed_scripts", { label: mixed }),
    };
  }
  return { ok: true, email, canonical };
}

// ---- UTS #39 restriction level "highly restrictive" ----
// A label passes when one script covers all its characters, or one of the combinations CJK writing
// uses. Characters of no particular script (digits, "-", "_", combining marks) fit any script.

const SCRIPTS = `Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali
Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham
Cherokee Chorasmian Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra
Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Garay Georgian Glagolitic Gothic Grantha Greek Gujarati
Gunjala_Gondi Gurmukhi Gurung_Khema Han Hangul Hanifi_Rohingya Hanunoo Hatran Hebrew Hiragana Imperial_Aramaic
Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi
Khitan_Small_Script Khmer Khojki Khudawadi Kirat_Rai Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian
Mahajani Makasar Malayalam Mandaic Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui
Meroitic_Cursive Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari
New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Ol_Onal Old_Hungarian Old_Italic
Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage
Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan
Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese Sunuwar
Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut Telugu Thaana Thai
Tibetan Tifinagh Tirhuta Todhri Toto Tulu_Tigalari Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi
Zanabazar_Square`
  .split(/\s+/)
  .flatMap((name) => {
    try {
      return [{ name, re: new RegExp(`\\p{Script_Extensions=${name}}`, "u") }];
    } catch {
      return []; // a script newer than this runtime's Unicode tables
    }
  });

const ANY_SCRIPT = /^[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]$/u;
const CJK_COMBINATIONS = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Bopomofo"]),
  new Set(["Latin", "Han", "Hangul"]),
];

function scriptsOf(ch: string): string[] {
  return SCRIPTS.filter((s) => s.re.test(ch)).map((s) => s.name);
}

export function isHighlyRestrictive(label: string): boolean {
  const sets = Array.from(new Set(label))
    .filter((ch) => !ANY_SCRIPT.test(ch))
    .map(scriptsOf);
  if (sets.length === 0) return true;
  if (sets.some((s) => s.length === 0)) return false;
  // Single script: one script every character belongs to.
  if (sets[0].some((script) => sets.every((s) => s.includes(script)))) return true;
  return CJK_COMBINATIONS.some((allowed) => sets.every((s) => s.some((script) => allowed.has(script))));
}
