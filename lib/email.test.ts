import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalEmail, checkEmail, isHighlyRestrictive } from "./email";

describe("canonicalEmail: one form per account", () => {
  it.each([
    // Greek final sigma: toLowerCase and Postgres lower() disagree; folding does not.
    ["ΟΔΟΣ@example.com", "οδος@example.com", "οδοσ@example.com"],
    ["STRASSE@example.com", "straße@example.com", "STRAẞE@example.com"],
    ["ÉVE@example.com", "e\u0301ve@example.com", "\u00e9ve@example.com"],
    ["Alice@Example.COM", "alice@example.com", "ＡＬＩＣＥ@example.com"], // fullwidth (NFKC)
    ["\u212Aelvin@example.com", "kelvin@example.com", "KELVIN@EXAMPLE.COM"], // KELVIN SIGN
    ["ﬁle@example.com", "FILE@example.com", "file@example.com"], // ligature
    ["Ꭰ@example.com", "ꭰ@example.com", "Ꭰ@EXAMPLE.COM"], // Cherokee folds to capitals
  ])("%s, %s and %s are one address", (a, b, c) => {
    expect(canonicalEmail(b)).toBe(canonicalEmail(a));
    expect(canonicalEmail(c)).toBe(canonicalEmail(a));
  });

  it("keeps dotless ı apart from i, as full (non-Turkic) case folding does", () => {
    expect(canonicalEmail("ı@example.com")).not.toBe(canonicalEmail("i@example.com"));
    expect(canonicalEmail("İ@example.com")).toBe("i\u0307@example.com");
  });

  it("is idempotent and blind to case, for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 20 }), (s) => {
        const c = canonicalEmail(s);
        expect(canonicalEmail(c)).toBe(c);
        expect(canonicalEmail(s.toUpperCase())).toBe(canonicalEmail(s.toLowerCase()));
      }),
      { numRuns: 2000, seed: 12 },
    );
  });
});

describe("checkEmail", () => {
  it("accepts ordinary, international and single-script addresses, keeping what was typed", () => {
    expect(checkEmail("  Alice@Example.com ")).toEqual({ ok: true, email: "Alice@Example.com", canonical: "alice@example.com" });
    for (const ok of ["admin@localhost", "корень@пример.рф", "οδος@παράδειγμα.ελ", "山田@例え.jp", "やまだ.太郎@example.jp", "ivan.иванов@example.com", "user_1-2@sub.example.org"]) {
      expect(checkEmail(ok), ok).toMatchObject({ ok: true });
    }
  });

  it.each([
    ["root@example.com\u200b", "U+200B"], // zero-width space
    ["ro\u00adot@example.com", "U+00AD"], // soft hyphen
    ["\u202eroot@example.com", "U+202E"], // right-to-left override
    ["root\u2066@example.com", "U+2066"], // bidi isolate
    ["\ufeffroot@example.com", "U+FEFF"], // BOM
  ])("refuses %j: an invisible character (%s)", (email, code) => {
    const r = checkEmail(email);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe("invisible_character");
    expect(!r.ok && r.message).toContain(code);
  });

  it.each([
    "r\u043e\u043et@example.com", // Cyrillic о in a Latin word
    "root@ex\u0430mple.com", // Cyrillic а in the domain
    "p\u03b1ypal@example.com", // Greek α
  ])("refuses %j: a label mixing scripts", (email) => {
    const r = checkEmail(email);
    expect(!r.ok && r.reason).toBe("mixed_scripts");
    expect(!r.ok && r.message).toMatch(/mixes letters of different scripts/);
  });

  it("refuses malformed addresses", () => {
    for (const bad of ["", "a", "no-at-sign", "two@@example.com", "sp ace@example.com", "ctl\u0001@example.com", `${"a".repeat(250)}@example.com`]) {
      expect(checkEmail(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("isHighlyRestrictive (UTS #39)", () => {
  it("allows one script, or the CJK combinations; digits and marks fit any script", () => {
    expect(isHighlyRestrictive("abc123")).toBe(true);
    expect(isHighlyRestrictive("привет")).toBe(true);
    expect(isHighlyRestrictive("tokyo東京とうきょうトウキョウ")).toBe(true);
    expect(isHighlyRestrictive("seoul서울")).toBe(true);
    expect(isHighlyRestrictive("123-_")).toBe(true);
    expect(isHighlyRestrictive("abcпривет")).toBe(false);
    expect(isHighlyRestrictive("서울とうきょう")).toBe(false); // Hangul with Hiragana
  });
});
