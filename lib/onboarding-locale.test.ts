import { describe, expect, it } from "vitest";
import { onboardingPageLocale } from "./onboarding-locale";

describe("onboardingPageLocale", () => {
  it("speaks the invitation's language to a reader who chose none", () => {
    expect(onboardingPageLocale(null, "en-US,en;q=0.9", { locale: "de" })).toBe("de");
    expect(onboardingPageLocale("theme=dark", "de-DE", { locale: "en" })).toBe("en");
  });

  it("lets the reader's switcher choice win over the invitation's language", () => {
    expect(onboardingPageLocale("locale=en", "de-DE", { locale: "de" })).toBe("en");
    expect(onboardingPageLocale("a=1; locale=de", "en", { locale: "en" })).toBe("de");
  });

  it("falls back to Accept-Language when the link's language is unknown (an unknown link), then English", () => {
    expect(onboardingPageLocale(null, "de-CH,de;q=0.9", {})).toBe("de");
    expect(onboardingPageLocale(null, "fr-FR", { locale: null })).toBe("en");
    expect(onboardingPageLocale("locale=xx", null, {})).toBe("en");
  });
});
