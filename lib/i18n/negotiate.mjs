// How a request picks its language, in plain JavaScript: lib/i18n/locales.ts (the app, typed) and
// scripts/request-guards.mjs (the answers scripts/server.mjs writes before Next; Node 20 runs no
// TypeScript) share this one definition.

export const LOCALES = /** @type {const} */ (["en", "de"]);
export const DEFAULT_LOCALE = "en";
/** The cookie the language switcher sets (a preference, not a secret: readable by the page). */
export const LOCALE_COOKIE = "locale";

/**
 * @param {unknown} value
 * @returns {value is (typeof LOCALES)[number]}
 */
export function isLocale(value) {
  return typeof value === "string" && /** @type {readonly string[]} */ (LOCALES).includes(value);
}

/**
 * The best supported language in an Accept-Language header ("de-CH,de;q=0.9,en;q=0.8" → de), by
 * quality then order; a region falls back to its language. Null when none is supported.
 * @param {string | null | undefined} header
 * @returns {(typeof LOCALES)[number] | null}
 */
export function negotiateLocale(header) {
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

/**
 * The value of one cookie in a Cookie header (the last one wins; a preference, not a credential).
 * @param {string | null | undefined} header
 * @param {string} name
 * @returns {string | null}
 */
export function cookieValue(header, name) {
  if (!header) return null;
  let value = null;
  for (const part of header.split(";")) {
    const eqAt = part.indexOf("=");
    if (eqAt !== -1 && part.slice(0, eqAt).trim() === name) value = part.slice(eqAt + 1).trim();
  }
  return value;
}

/**
 * The language the reader picked with the switcher, if any.
 * @param {string | null | undefined} cookieHeader
 */
export function chosenLocale(cookieHeader) {
  const chosen = cookieValue(cookieHeader, LOCALE_COOKIE);
  return isLocale(chosen) ? chosen : null;
}
