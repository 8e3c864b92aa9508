import { AsyncLocalStorage } from "node:async_hooks";
import { DEFAULT_LOCALE, type Locale } from "./locales";
import { translate, type MessageKey, type MessageValues } from "./translate";

// The language of the API request being answered. route() in lib/http.ts reads it from the Request
// (lib/i18n/locales.ts localeOfRequest) and runs the handler inside it, so an error message written
// anywhere below — apiError, a zod message, a domain function's explanation — follows the request's
// language without every function taking a locale. Outside a request it is English.

const storage = new AsyncLocalStorage<Locale>();

export function withLocale<T>(locale: Locale, fn: () => T): T {
  return storage.run(locale, fn);
}

export function currentLocale(): Locale {
  return storage.getStore() ?? DEFAULT_LOCALE;
}

/** A message in the current request's language. */
export function tr(key: MessageKey, values?: MessageValues): string {
  return translate(currentLocale(), key, values);
}

/**
 * A zod error message in the request's language, worked out when the check fails:
 * `z.string().min(1, msg("api.token_required"))`.
 */
export function msg(key: MessageKey, values?: MessageValues): { error: () => string } {
  return { error: () => tr(key, values) };
}
