import { describe, expect, it } from "vitest";
import { renderMessage, utcTime, type MessageData, type MessageKind } from "./messages";

// Every kind of email in every language: whole sentences from messages/<locale>/email.json, never a
// key left over, dates in UTC in the reader's conventions.

const AT = "2026-11-30T14:05:00.000Z";
const base: MessageData = { app: "Team dashboard", email: "ana@example.com", role: "admin", by: "boss@example.com", requested: "admin", expires_at: AT, invitee: "neu@example.com", at: AT };
const KINDS: MessageKind[] = ["invitation", "reset", "invitation_accepted", "password_changed", "reset_claimed"];

describe("utcTime", () => {
  it("is absolute, in UTC, in each language's form", () => {
    expect(utcTime(AT)).toBe("Monday, 30 November 2026, 14:05 UTC");
    expect(utcTime(AT, "en")).toBe("Monday, 30 November 2026, 14:05 UTC");
    expect(utcTime(AT, "de")).toBe("Montag, 30. November 2026, 14:05 Uhr (UTC)");
    expect(utcTime("2026-01-05T00:07:00Z", "de")).toBe("Montag, 5. Januar 2026, 00:07 Uhr (UTC)");
  });
});

describe("renderMessage", () => {
  for (const locale of ["en", "de"] as const) {
    it.each(KINDS)(`${locale}: %s has a subject, a greeting and no message key left`, (kind) => {
      const m = renderMessage(kind, { ...base, locale }, "http://localhost:3000/onboarding?token=x");
      expect(m.subject.length).toBeGreaterThan(5);
      expect(m.text).toMatch(locale === "de" ? /^Guten Tag,/ : /^Hello,/);
      expect(`${m.subject} ${m.text} ${m.html}`).not.toMatch(/\bemail\.[a-z_]+\.[a-z_]+|\{[a-z_]+\}/);
      expect(m.html).toContain(`<html lang="${locale}">`);
    });
  }

  it("German: the invitation in German, the role and the expiry in German words", () => {
    const m = renderMessage("invitation", { ...base, locale: "de" }, "http://x/onboarding?token=t");
    expect(m.subject).toBe("Ihre Einladung zu Team dashboard");
    expect(m.text).toContain("boss@example.com hat Sie eingeladen, Team dashboard als Administrator beizutreten, mit der E-Mail-Adresse ana@example.com.");
    expect(m.text).toContain("Dieser Link funktioniert nur einmal und läuft am Montag, 30. November 2026, 14:05 Uhr (UTC) ab.");
    expect(m.text).toContain("Einladung annehmen und Passwort festlegen:\nhttp://x/onboarding?token=t");
  });

  it("English stays as it was, and a row without a locale (queued before languages) is English", () => {
    const m = renderMessage("invitation", { ...base, role: "member", by: null }, "http://x/");
    expect(m.subject).toBe("You're invited to Team dashboard");
    expect(m.text).toContain("You have been invited to join Team dashboard as a member, with the address ana@example.com.");
    expect(m.text).toContain("This link works once and expires on Monday, 30 November 2026, 14:05 UTC.");
    expect(m.html).toContain("Or paste this address into your browser:");
    const reset = renderMessage("reset", { ...base, by: null, locale: "xx" as never }, "http://x/");
    expect(reset.text).toContain("An admin has sent you a link to reset the password of your Team dashboard account, ana@example.com.");
  });

  it("escapes the HTML part in every language", () => {
    const m = renderMessage("invitation_accepted", { ...base, invitee: "<b>x</b>@example.com", locale: "de" }, null);
    expect(m.html).toContain("&lt;b&gt;x&lt;/b&gt;@example.com");
    expect(m.html).not.toContain("<b>x</b>");
  });
});
