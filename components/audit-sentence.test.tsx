import { describe, expect, it } from "vitest";
import { ACTION_LABELS, auditSentence, normalizeEvent, type AuditEventView } from "./audit-sentence";

const admin = { id: "1", email: "admin@x" };
const bob = { id: "2", email: "bob@x" };
const ev = (action: string, extra: Partial<AuditEventView> = {}): AuditEventView => ({ id: "e", action, actor: admin, target: bob, created_at: "2030-01-01T00:00:00Z", ...extra });

describe("auditSentence", () => {
  it("says who invited whom as what", () => {
    expect(auditSentence(ev("invitation.created", { details: { role: "member" } }))).toBe("admin@x invited bob@x as member");
  });

  it("names why a claim was rejected", () => {
    expect(auditSentence(ev("invitation.claim_rejected", { actor: null, target: null, details: { reason: "invitation_already_used" } }))).toBe("claim rejected: link already used");
  });

  it("reads resets and password changes as sentences", () => {
    expect(auditSentence(ev("invitation.reset_issued"))).toBe("admin@x issued a password reset link for bob@x");
    expect(auditSentence(ev("invitation.claimed", { details: { kind: "reset" } }))).toBe("bob@x reset their password with a reset link");
    expect(auditSentence(ev("user.password_changed", { target: admin }))).toBe("admin@x changed their password");
  });

  it("reads a role change", () => {
    expect(auditSentence(ev("user.role_changed", { details: { from: "member", to: "admin" } }))).toBe("admin@x changed bob@x's role from member to admin");
  });

  it("never shows a raw code, known or not", () => {
    for (const action of [...Object.keys(ACTION_LABELS), "user.something_new"]) {
      const text = auditSentence(ev(action, { details: { reason: "rate_limited" } }));
      expect(text).not.toMatch(/[a-z]+\.[a-z_]+/);
      expect(text).not.toContain("_");
    }
  });

  it("accepts actor and target as plain addresses", () => {
    const e = normalizeEvent({ id: "1", action: "user.disabled", actor: "admin@x", target: "bob@x", created_at: "2030-01-01T00:00:00Z" });
    expect(auditSentence(e)).toBe("admin@x disabled bob@x");
  });
});
