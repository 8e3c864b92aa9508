import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import type { Locale } from "@/lib/i18n/locales";
import { MESSAGES } from "@/messages";
import { ACTION_CODES, actionLabel, auditSentence, normalizeEvent, type AuditEventView } from "./audit-sentence";

const admin = { id: "1", email: "admin@x" };
const bob = { id: "2", email: "bob@x" };
const ev = (action: string, extra: Partial<AuditEventView> = {}): AuditEventView => ({ id: "e", action, actor: admin, target: bob, created_at: "2030-01-01T00:00:00Z", ...extra });
const translator = (locale: Locale) => createTranslator({ locale, messages: MESSAGES[locale], namespace: "audit" });
const en = translator("en");
const de = translator("de");
const say = (e: AuditEventView) => auditSentence(e, en);

describe("auditSentence", () => {
  it("says who invited whom as what", () => {
    expect(say(ev("invitation.created", { details: { role: "member" } }))).toBe("admin@x invited bob@x as member");
  });

  it("names why a claim was rejected", () => {
    expect(say(ev("invitation.claim_rejected", { actor: null, target: null, details: { reason: "invitation_already_used" } }))).toBe("claim rejected: link already used");
  });

  it("reads resets and password changes as sentences", () => {
    expect(say(ev("invitation.reset_issued"))).toBe("admin@x issued a password reset link for bob@x");
    expect(say(ev("invitation.claimed", { details: { kind: "reset" } }))).toBe("bob@x reset their password with a reset link");
    expect(say(ev("user.password_changed", { target: admin }))).toBe("admin@x changed their password");
  });

  it("reads a role change", () => {
    expect(say(ev("user.role_changed", { details: { from: "member", to: "admin" } }))).toBe("admin@x changed bob@x's role from member to admin");
  });

  it("counts signed-out sessions", () => {
    expect(say(ev("user.sessions_revoked", { details: { revoked: 1 } }))).toBe("admin@x signed out 1 other session");
    expect(say(ev("user.sessions_revoked", { details: { revoked: 3 } }))).toBe("admin@x signed out 3 other sessions");
    expect(say(ev("user.sessions_revoked"))).toBe("admin@x signed out their other sessions");
  });

  it("keeps the older wording of emails, unknown reasons and unknown actions", () => {
    expect(say(ev("email.failed", { details: { kind: "invitation", reason: "smtp_refused" } }))).toBe("the invitation email to bob@x could not be delivered: smtp refused");
    expect(say(ev("user.session_revoked", { details: { user_agent: "Firefox on Linux" } }))).toBe("admin@x ended a session of bob@x (Firefox on Linux)");
    expect(say(ev("user.magic_thing"))).toBe("admin@x: user magic thing (bob@x)");
  });

  it("never shows a raw code, known or not, in either language", () => {
    for (const t of [en, de]) {
      for (const action of [...ACTION_CODES, "user.something_new"]) {
        const text = auditSentence(ev(action, { details: { reason: "rate_limited" } }), t);
        expect(text).not.toMatch(/[a-z]+\.[a-z_]+/);
        expect(text).not.toContain("_");
        expect(actionLabel(t, action)).not.toContain("_");
      }
    }
  });

  it("accepts actor and target as plain addresses", () => {
    const e = normalizeEvent({ id: "1", action: "user.disabled", actor: "admin@x", target: "bob@x", created_at: "2030-01-01T00:00:00Z" });
    expect(say(e)).toBe("admin@x disabled bob@x");
  });
});

describe("auditSentence in German", () => {
  it("reads each kind of event as a German sentence, roles and reasons translated", () => {
    expect(auditSentence(ev("invitation.created", { details: { role: "member" } }), de)).toBe("admin@x hat bob@x als Mitglied eingeladen");
    expect(auditSentence(ev("user.role_changed", { details: { from: "member", to: "admin" } }), de)).toBe("admin@x hat die Rolle von bob@x geändert: Mitglied → Admin");
    expect(auditSentence(ev("invitation.claim_rejected", { actor: null, target: null, details: { reason: "invitation_expired" } }), de)).toBe("Annahme abgelehnt: Link abgelaufen");
    expect(auditSentence(ev("email.sent", { details: { kind: "reset" } }), de)).toBe("die E-Mail zum Zurücksetzen des Passworts wurde an bob@x zugestellt");
    expect(auditSentence(ev("user.login_failed", { actor: null, target: null }), de)).toBe("fehlgeschlagene Anmeldung für eine Adresse ohne Konto");
    expect(auditSentence(ev("invitation.revoked", { actor: null }), de)).toBe("jemand hat die Einladung für bob@x widerrufen");
  });

  it("counts with German plurals", () => {
    expect(auditSentence(ev("user.sessions_revoked", { details: { revoked: 1 } }), de)).toBe("admin@x hat 1 andere eigene Sitzung beendet");
    expect(auditSentence(ev("user.sessions_revoked", { details: { revoked: 2 } }), de)).toBe("admin@x hat 2 andere eigene Sitzungen beendet");
  });

  it("labels the filter's actions in German", () => {
    expect(actionLabel(de, "user.login")).toBe("Angemeldet");
    expect(actionLabel(en, "user.login")).toBe("Signed in");
    expect(actionLabel(de, "user.something_new")).toBe("user something new");
  });
});
