"use client";

import { useLocale, useTranslations } from "next-intl";
import { useId, useState } from "react";
import { LOCALE_NAMES, LOCALES, type Locale } from "@/lib/i18n/locales";
import { apiFetch } from "./api-client";
import { useConfirm } from "./confirm-dialog";

/** `emailed`: queued to be mailed to the invitee (email on). `url` is null for a reset link that was mailed. */
export type CreatedInvitation = { id: string; email: string; role: string; kind?: string; url: string | null; expires_at: string; emailed?: boolean };
type Created = { invitation: CreatedInvitation };

/** How long a new link works; each is shown as "{days} days" in the reader's language. */
export const LIFETIMES = [1, 7, 30].map((days) => ({ days, seconds: days * 86400 }));

/**
 * The language an invitation is written in (its email and the invitee's first page), sent as
 * `locale`: one option per language, each in its own name, the admin's own language first chosen.
 */
export function LanguageSelect({ id, value, onChange, disabled }: { id: string; value: Locale; onChange: (locale: Locale) => void; disabled?: boolean }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as Locale)} disabled={disabled}>
      {LOCALES.map((l) => (
        <option key={l} value={l} lang={l}>
          {LOCALE_NAMES[l]}
        </option>
      ))}
    </select>
  );
}

// Refusals that are about the address itself: shown next to the email field.
const EMAIL_ERRORS = new Set(["invalid_email", "domain_not_allowed", "user_exists"]);

/**
 * Invite one address. The link is not shown here: the page shows it once, in one place (`onInvited`).
 * A live pending invitation for the address is only replaced after the admin confirms.
 */
export function InviteForm({ onInvited }: { onInvited?: (invitation: CreatedInvitation) => void }) {
  const ids = useId();
  const t = useTranslations("admin.invite");
  const { confirm, dialog } = useConfirm();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  // The admin's own language until they pick another (useLocale is always a supported Locale).
  const uiLocale = useLocale();
  const [locale, setLocale] = useState<Locale>(uiLocale);
  const [seconds, setSeconds] = useState(7 * 86400);
  const [busy, setBusy] = useState(false);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function send(address: string, replace: boolean): Promise<void> {
    const body = { email: address, role, expires_in_seconds: seconds, locale, ...(replace ? { replace: true } : {}) };
    const result = await apiFetch<Created>("/api/invitations", { body });
    if (result.ok) {
      setEmail("");
      setRole("member");
      onInvited?.(result.data.invitation);
      return;
    }
    if (result.code === "invitation_pending" && !replace) {
      setBusy(false);
      const ok = await confirm({
        title: t("replaceTitle"),
        body: <p>{t.rich("replaceBody", { email: address, b: (chunks) => <strong>{chunks}</strong> })}</p>,
        confirmLabel: t("replaceConfirm"),
        danger: true,
      });
      if (!ok) {
        setError(t("replaceCancelled", { email: address }));
        return;
      }
      setBusy(true);
      return send(address, true);
    }
    if (EMAIL_ERRORS.has(result.code)) setEmailError(result.message);
    else setError(result.message);
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setEmailError(null);
    const address = email.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      setEmailError(t("invalidEmail"));
      return;
    }
    setBusy(true);
    try {
      await send(address, false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
    {dialog}
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      <div className="row">
        <div className="grow3">
          <label htmlFor={`${ids}-email`}>{t("email")}</label>
          <input
            id={`${ids}-email`}
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            disabled={busy}
            placeholder={t("emailPlaceholder")}
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? `${ids}-email-error` : undefined}
          />
        </div>
        <div>
          <label htmlFor={`${ids}-role`}>{t("role")}</label>
          <select id={`${ids}-role`} value={role} onChange={(e) => setRole(e.target.value as "member" | "admin")} disabled={busy}>
            <option value="member">{t("roleMember")}</option>
            <option value="admin">{t("roleAdmin")}</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${ids}-locale`}>{t("language")}</label>
          <LanguageSelect id={`${ids}-locale`} value={locale} onChange={setLocale} disabled={busy} />
        </div>
        <div>
          <label htmlFor={`${ids}-expires`}>{t("validFor")}</label>
          <select id={`${ids}-expires`} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} disabled={busy}>
            {LIFETIMES.map((l) => (
              <option key={l.seconds} value={l.seconds}>
                {t("days", { count: l.days })}
              </option>
            ))}
          </select>
        </div>
        <div className="shrink">
          <button type="submit" disabled={busy}>
            {busy ? t("inviting") : t("submit")}
          </button>
        </div>
      </div>
      {emailError ? (
        <p id={`${ids}-email-error`} className="field-error" role="alert">
          {emailError}
        </p>
      ) : null}
      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
    </>
  );
}
