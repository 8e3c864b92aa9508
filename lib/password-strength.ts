// Shared by the browser (the strength meter) and the server (the rule that is enforced). The
// zxcvbn dictionaries are large, so they are imported only when first needed. Every sentence is in
// the `locale` the caller passes (messages/<locale>/password.json; zxcvbn's own feedback from its
// language package): the browser passes useLocale(), the server the request's language. Runs in the
// browser too, so it translates with lib/i18n/translate.ts, never the request-scoped helpers.
import { DEFAULT_LOCALE, LOCALES, type Locale } from "./i18n/locales";
import { translate } from "./i18n/translate";

export const MIN_PASSWORD_CHARS = 12;
export const MAX_PASSWORD_CHARS = 256;
export const MIN_SCORE = 3; // zxcvbn 0..4: 3 = "safely unguessable"
/**
 * zxcvbn's matchers grow badly with length (a 256-character repeat took 2.6 s), so it only ever
 * sees windows of this many code points: the first, and for a longer password the last as well.
 * The password is strong enough when either window is: a password that contains a strong part is
 * at least that strong, and the middle of a long password can only add to it. A long password
 * whose two ends are both weak is judged weak (its middle is not estimated): cautious, and cheap.
 */
export const ESTIMATE_WINDOW = 32;
// The l33t matcher's cost grows with the substitutions it tries; 3 still finds "p4$$w0rd".
const L33T_MAX_SUBSTITUTIONS = 3;

export type StrengthResult = { score: 0 | 1 | 2 | 3 | 4; warning: string | null; suggestions: string[] };

type Checker = { check(password: string, userInputs?: (string | number)[]): StrengthResult & Record<string, unknown> };
type Translations = import("@zxcvbn-ts/core").TranslationKeys;

/**
 * zxcvbn's feedback sentences per language. Only these differ between languages: every checker
 * uses the same dictionaries (common + English), so a password's score never depends on the
 * reader's language. German comes from its translations module alone, not the package's index,
 * which would also load (and bundle) its 800 KB of German word lists.
 */
const TRANSLATIONS: Record<Locale, () => Promise<Translations>> = {
  en: async () => (await import("@zxcvbn-ts/language-en")).translations,
  de: async () => (await import("@zxcvbn-ts/language-de/dist/translations.js")).default,
};

// On globalThis: Next's server bundles can hold more than one copy of this module (the startup
// hook's and the routes'), and the preload at startup must serve them all.
const g = globalThis as unknown as { __strengthCheckers?: Map<Locale, Promise<Checker>> };
const checkers = (g.__strengthCheckers ??= new Map<Locale, Promise<Checker>>());

/** One ZxcvbnFactory per language, made on first use. */
function loadChecker(locale: Locale): Promise<Checker> {
  let checker = checkers.get(locale);
  if (checker) return checker;
  checker = (async () => {
    const [{ ZxcvbnFactory }, common, en, translations] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common"),
      import("@zxcvbn-ts/language-en"),
      TRANSLATIONS[locale](),
    ]);
    const factory = new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations,
      maxLength: ESTIMATE_WINDOW,
      l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
    });
    return {
      check(password: string, userInputs: (string | number)[] = []) {
        const r = factory.check(password, userInputs);
        return {
          score: r.score as StrengthResult["score"],
          warning: r.feedback.warning || null,
          suggestions: r.feedback.suggestions ?? [],
        };
      },
    };
  })();
  // A failed load (a chunk that did not arrive) is tried again next time.
  checker.catch(() => checkers.delete(locale));
  checkers.set(locale, checker);
  return checker;
}

/**
 * Loads and indexes every language's checker now. The server calls it at startup (lib/startup.ts):
 * otherwise the first claim or password change after a start would build them on the request
 * thread, holding every other request for about half a second.
 */
export async function preloadStrengthCheckers(): Promise<void> {
  await Promise.all(LOCALES.map((locale) => loadChecker(locale)));
}

// Made once: building a segmenter took about as long as segmenting a 256-character password.
let graphemes: Intl.Segmenter | undefined;

/** Characters as a person counts them: "👍🏽" is one, not four UTF-16 units. */
export function countCharacters(value: string): number {
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let n = 0;
  for (const _ of graphemes.segment(value)) n++;
  return n;
}

/** Words a password must not be built from: the email, its local part and its domain's labels. */
export function emailWords(email: string): string[] {
  const lower = email.toLowerCase();
  const [local = "", domain = ""] = lower.split("@");
  const parts = [lower, local, ...local.split(/[._+-]+/), ...domain.split(".")];
  return [...new Set(parts.filter((p) => p.length >= 3))];
}

export type PolicyResult = { ok: true } | { ok: false; rule: "too_short" | "too_long" | "from_email" | "too_weak"; message: string };

/** Length rules only; cheap and synchronous (the form checks them on every keystroke). */
export function checkPasswordLength(password: string, locale: Locale = DEFAULT_LOCALE): PolicyResult {
  const n = countCharacters(password);
  if (n < MIN_PASSWORD_CHARS) {
    return { ok: false, rule: "too_short", message: translate(locale, "password.policy.tooShort", { min: MIN_PASSWORD_CHARS, count: n }) };
  }
  if (n > MAX_PASSWORD_CHARS) {
    return { ok: false, rule: "too_long", message: translate(locale, "password.policy.tooLong", { max: MAX_PASSWORD_CHARS }) };
  }
  return { ok: true };
}

/** The parts zxcvbn is shown: at most two windows of ESTIMATE_WINDOW code points. */
export function estimateWindows(password: string): string[] {
  const points = Array.from(password);
  if (points.length <= ESTIMATE_WINDOW) return [password];
  const first = points.slice(0, ESTIMATE_WINDOW).join("");
  const last = points.slice(-ESTIMATE_WINDOW).join("");
  // A repeated pattern often ends as it starts: one estimate then serves both.
  return last === first ? [first] : [first, last];
}

/**
 * The strength of a password, in bounded time whatever its length (see ESTIMATE_WINDOW). The
 * browser's meter and the server's policy both call this, so they always agree.
 */
export async function estimateStrength(password: string, email: string, locale: Locale = DEFAULT_LOCALE): Promise<StrengthResult> {
  const checker = await loadChecker(locale);
  const words = emailWords(email);
  let best: StrengthResult | undefined;
  for (const part of estimateWindows(password)) {
    const r = checker.check(part, words);
    if (!best || r.score > best.score) best = r;
    if (best.score >= MIN_SCORE) break;
  }
  const { score, warning, suggestions } = best!;
  return { score, warning, suggestions };
}

/** The whole policy, as the server enforces it; its refusal in `locale`. */
export async function checkPasswordPolicy(password: string, email: string, locale: Locale = DEFAULT_LOCALE): Promise<PolicyResult> {
  const length = checkPasswordLength(password, locale);
  if (!length.ok) return length;
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split("@")[0] ?? "";
  if (local.length >= 3 && lower.includes(local)) {
    return { ok: false, rule: "from_email", message: translate(locale, "password.policy.fromEmail") };
  }
  const strength = await estimateStrength(password, email, locale);
  if (strength.score < MIN_SCORE) {
    const hint = strength.warning ?? strength.suggestions[0] ?? translate(locale, "password.policy.tooWeakHint");
    return {
      ok: false,
      rule: "too_weak",
      message: translate(locale, "password.policy.tooWeak", { hint }).trim(),
    };
  }
  return { ok: true };
}
