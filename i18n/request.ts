import { headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { isLocale, pickLocale } from "@/lib/i18n/locales";
import { MESSAGES } from "@/messages";

// next-intl's per-request configuration, without locale prefixes in URLs: the language comes from
// the switcher's cookie, else Accept-Language (lib/i18n/locales.ts pickLocale). A page may ask for
// another one explicitly (the onboarding page uses its invitation's language unless the reader chose).
export default getRequestConfig(async ({ locale: requested }) => {
  const h = await headers();
  const locale = isLocale(requested) ? requested : pickLocale(h.get("cookie"), h.get("accept-language"));
  return { locale, messages: MESSAGES[locale] };
});
