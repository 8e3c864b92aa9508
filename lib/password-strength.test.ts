import { describe, expect, it } from "vitest";
import {
  checkPasswordLength,
  checkPasswordPolicy,
  countCharacters,
  emailWords,
  estimateStrength,
  MAX_PASSWORD_CHARS,
  MIN_PASSWORD_CHARS,
} from "./password-strength";

describe("countCharacters", () => {
  it("counts graphemes, not UTF-16 units or code points", () => {
    expect("👍🏽".length).toBe(4);
    expect(countCharacters("👍🏽")).toBe(1);
    expect(countCharacters("e\u0301")).toBe(1); // NFD é
    expect(countCharacters("\u00e9")).toBe(1); // NFC é
    expect(countCharacters("👨‍👩‍👧‍👦")).toBe(1); // ZWJ family
    expect(countCharacters("🇫🇷")).toBe(1); // flag
    expect(countCharacters("abc")).toBe(3);
    expect(countCharacters("")).toBe(0);
  });
});

describe("checkPasswordLength", () => {
  it("rejects fewer than 12 characters, saying how many are needed and how many there are", () => {
    const r = checkPasswordLength("short");
    expect(r).toEqual({ ok: false, rule: "too_short", message: "Use at least 12 characters (this one has 5)." });
  });

  it("counts an 11-emoji password as 11 characters, not 44 units", () => {
    const r = checkPasswordLength("👍🏽".repeat(11));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.rule).toBe("too_short");
    expect(!r.ok && r.message).toContain("this one has 11");
    expect(checkPasswordLength("👍🏽".repeat(12))).toEqual({ ok: true });
  });

  it("accepts exactly the bounds", () => {
    expect(MIN_PASSWORD_CHARS).toBe(12);
    expect(checkPasswordLength("a".repeat(12))).toEqual({ ok: true });
    expect(checkPasswordLength("a".repeat(MAX_PASSWORD_CHARS))).toEqual({ ok: true });
  });

  it("rejects more than 256 characters, saying the maximum", () => {
    const r = checkPasswordLength("a".repeat(MAX_PASSWORD_CHARS + 1));
    expect(r).toEqual({ ok: false, rule: "too_long", message: "Use at most 256 characters." });
  });
});

describe("emailWords", () => {
  it("includes the address, its local part, its pieces and domain labels of 3+ chars", () => {
    const words = emailWords("Jean.Dupont+news@Example.org");
    expect(words).toEqual(expect.arrayContaining(["jean.dupont+news@example.org", "jean.dupont+news", "jean", "dupont", "news", "example", "org"]));
    expect(emailWords("ab@x.io")).not.toContain("ab");
  });
});

describe("checkPasswordPolicy", () => {
  it("rejects a short password before anything else", async () => {
    const r = await checkPasswordPolicy("abc", "someone@example.com");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.rule).toBe("too_short");
  });

  it("rejects password1234 as too weak, with a message saying what to change", async () => {
    const r = await checkPasswordPolicy("password1234", "someone@example.com");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rule).toBe("too_weak");
    expect(r.message).toMatch(/^This password is too easy to guess\. \S/);
    expect(r.message.length).toBeGreaterThan("This password is too easy to guess. ".length);
  });

  it("rejects a password containing the email's local part, whatever the case", async () => {
    const r = await checkPasswordPolicy("Xq7!Marguerite-Lantern-Orbit", "marguerite@example.com");
    expect(r).toEqual({ ok: false, rule: "from_email", message: "Don't build your password from your email address." });
    const r2 = await checkPasswordPolicy("zz-MARGUERITE-zz-lantern-9", "Marguerite@Example.com");
    expect(!r2.ok && r2.rule).toBe("from_email");
  });

  it("does not apply the local-part rule to a local part shorter than 3 characters", async () => {
    const r = await checkPasswordPolicy("jo-Velvet-Harbor-8271-Quartz!", "jo@example.com");
    expect(r).toEqual({ ok: true });
  });

  it("accepts a long random passphrase", async () => {
    expect(await checkPasswordPolicy("tundra-lilac-cobalt-fjord-93", "someone@example.com")).toEqual({ ok: true });
    expect(await checkPasswordPolicy("Velvet-Harbor-1f3a9c2e-Quartz!", "user-abc@example.com")).toEqual({ ok: true });
  });

  it("rejects a 12-character repetition as too weak", async () => {
    const r = await checkPasswordPolicy("aaaaaaaaaaaa", "someone@example.com");
    expect(!r.ok && r.rule).toBe("too_weak");
  });
});

describe("in German (locale de)", () => {
  it("says the length rules in German", () => {
    expect(checkPasswordLength("short", "de")).toEqual({
      ok: false,
      rule: "too_short",
      message: "Verwenden Sie mindestens 12 Zeichen (dieses Passwort hat 5).",
    });
    expect(checkPasswordLength("a".repeat(MAX_PASSWORD_CHARS + 1), "de")).toEqual({
      ok: false,
      rule: "too_long",
      message: "Verwenden Sie höchstens 256 Zeichen.",
    });
  });

  it("refuses an address-based password in German", async () => {
    expect(await checkPasswordPolicy("Xq7!Marguerite-Lantern-Orbit", "marguerite@example.com", "de")).toEqual({
      ok: false,
      rule: "from_email",
      message: "Bilden Sie Ihr Passwort nicht aus Ihrer E-Mail-Adresse.",
    });
  });

  it("gives zxcvbn's feedback in German, with the same verdicts and scores as in English", async () => {
    const de = await checkPasswordPolicy("password1234", "someone@example.com", "de");
    expect(!de.ok && de.rule).toBe("too_weak");
    expect(!de.ok && de.message).toMatch(/^Dieses Passwort ist zu leicht zu erraten\. \S/);
    // zxcvbn's own sentence, from @zxcvbn-ts/language-de (not the English one).
    expect(!de.ok && de.message).toMatch(/Passwort/);
    expect(!de.ok && de.message).not.toMatch(/password/i);
    for (const password of ["password1234", "aaaaaaaaaaaa", "tundra-lilac-cobalt-fjord-93", "Velvet-Harbor-1f3a9c2e-Quartz!", "Sommerferien2024"]) {
      const [en, deStrength] = await Promise.all([estimateStrength(password, "someone@example.com", "en"), estimateStrength(password, "someone@example.com", "de")]);
      expect(deStrength.score, password).toBe(en.score);
    }
    expect(await checkPasswordPolicy("tundra-lilac-cobalt-fjord-93", "someone@example.com", "de")).toEqual({ ok: true });
  });
});
