import { describe, expect, it } from "vitest";
import { localeOfRequest, negotiateLocale, pickLocale } from "./locales";
import { translate } from "./translate";

describe("negotiateLocale", () => {
  it.each([
    ["de", "de"],
    ["de-CH,de;q=0.9,en;q=0.8", "de"],
    ["en-US,en;q=0.9,de;q=0.8", "en"],
    ["fr-FR,fr;q=0.9,de;q=0.7,en;q=0.5", "de"],
    ["en;q=0.5,de;q=0.9", "de"],
    ["DE-at", "de"],
    ["de;q=0", null],
    ["fr, it", null],
    ["", null],
    ["*", null],
  ])("%j → %s", (header, expected) => {
    expect(negotiateLocale(header)).toBe(expected);
  });
});

describe("pickLocale", () => {
  it("prefers the switcher's cookie, then the preferred language, then Accept-Language, then English", () => {
    expect(pickLocale("locale=de", "en")).toBe("de");
    expect(pickLocale("a=1; locale=en", "de")).toBe("en");
    expect(pickLocale("locale=xx", "de")).toBe("de");
    expect(pickLocale(null, "en", "de")).toBe("de");
    expect(pickLocale("locale=en", "de", "de")).toBe("en");
    expect(pickLocale(null, null)).toBe("en");
  });

  it("reads a Request", () => {
    expect(localeOfRequest(new Request("http://x/", { headers: { "accept-language": "de-DE" } }))).toBe("de");
    expect(localeOfRequest(new Request("http://x/", { headers: { cookie: "locale=de", "accept-language": "en" } }))).toBe("de");
    expect(localeOfRequest(new Request("http://x/"))).toBe("en");
  });
});

describe("translate", () => {
  it("formats a message in each language", () => {
    expect(translate("en", "errors.not_found")).toBe("Not found.");
    expect(translate("de", "errors.not_found")).toBe("Nicht gefunden.");
  });
});
