// The languages the product speaks and how a request picks one. No Next imports: route handlers,
// the next-intl request config (i18n/request.ts) and tests all use these.

export const LOCALES = ["en", "de"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** The cookie the language switcher sets (a preference, not a secret: readable by the page). */
export const LOCALE_COOKIE = "locale";
export const LOCALE_COOKIE_MAX_AGE = 365 * 86400;

/** Each language's own name, as the switcher shows it. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", de: "Deutsch" };

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * The best supported language in an Accept-Language header ("de-CH,de;q=0.9,en;q=0.8" → de), by
 * quality then order; a region falls back to its language. Null when none is supported.
 */
export function negotiateLocale(header: string | null | undefined): Locale | null {
  if (!header) return null;
  const ranges = header
    .slice(0, 512)
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q[1]) : 1, index };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranges) {
    const language = tag.split("-")[0];
    if (isLocale(language)) return language;
  }
  return null;
}

/** The value of one cookie in a Cookie header (the last one wins; a preference, not a credential). */
export function cookieValue(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  let value: string | null = null;
  for (const part of header.split(";")) {
    const eqAt = part.indexOf("=");
    if (eqAt !== -1 && part.slice(0, eqAt).trim() === name) value = part.slice(eqAt + 1).trim();
  }
  return value;
}

/** The language the reader picked with the switcher, if any. */
export function chosenLocale(cookieHeader: string | null | undefined): Locale | null {
  const chosen = cookieValue(cookieHeader, LOCALE_COOKIE);
  return isLocale(chosen) ? chosen : null;
}

/**
 * The reader's language: the switcher's cookie, else `preferred` (an invitation's page uses the
 * language its admin chose), else Accept-Language, else English.
 */
export function pickLocale(
  cookieHeader: string | null | undefined,
  acceptLanguage: string | null | undefined,
  preferred?: Locale | null,
): Locale {
  return chosenLocale(cookieHeader) ?? preferred ?? negotiateLocale(acceptLanguage) ?? DEFAULT_LOCALE;
}

/** The language of an API request, for its error messages. */
export function localeOfRequest(request: Request): Locale {
  return pickLocale(request.headers.get("cookie"), request.headers.get("accept-language"));
}
