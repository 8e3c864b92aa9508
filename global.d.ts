import type { Locale } from "@/lib/i18n/locales";
import type { Messages } from "@/messages";

// next-intl's translators check every key against the English messages at compile time.
declare module "next-intl" {
  interface AppConfig {
    Locale: Locale;
    Messages: Messages;
  }
}
