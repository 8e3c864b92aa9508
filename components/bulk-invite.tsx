"use client";

import { useLocale, useTranslations } from "next-intl";
import { useId, useState } from "react";
import type { Locale } from "@/lib/i18n/locales";
import { apiFetch } from "./api-client";
import { CopyButton } from "./copy-link";
import { downloadText, toCsv } from "./csv";
import { LanguageSelect, LIFETIMES } from "./invite-form";
import { parseEmailList } from "./parse-emails";
import { EmailText } from "./email-text";

export type BulkOutcome = "invited" | "replaced" | "invitation_pending" | "user_exists" | "invalid_email" | "domain_not_allowed" | "duplicate" | "rate_limited";
export type BulkResult = { email: string; outcome: BulkOutcome | string; invitation?: { id: string; url: string; expires_at: string; emailed?: boolean } };

export const MAX_BULK = 500;

// Each outcome's badge; its words are messages/<l>/admin.json bulk.outcomes.<outcome>.
const OUTCOME_BADGES: Record<BulkOutcome, string> = {
  invited: "invited",
  replaced: "replaced",
  invitation_pending: "pending",
  user_exists: "neutral",
  invalid_email: "revoked",
  domain_not_allowed: "revoked",
  duplicate: "neutral",
  rate_limited: "expired",
};

function isKnownOutcome(outcome: string): outcome is BulkOutcome {
  return Object.hasOwn(OUTCOME_BADGES, outcome);
}

/** An outcome in words of the reader's language; one this page does not know is shown as words, not a code. */
export function useOutcomeText(): (outcome: string) => string {
  const t = useTranslations("admin.bulk.outcomes");
  return (outcome) => (isKnownOutcome(outcome) ? t(outcome) : outcome.replace(/[._]+/g, " "));
}

/** Paste a list, invite them all, see each outcome; the new links can be saved as one CSV file. */
export function BulkInvite({ onDone }: { onDone?: () => void }) {
  const ids = useId();
  const t = useTranslations("admin.bulk");
  const tInvite = useTranslations("admin.invite");
  const outcomeText = useOutcomeText();
  const [text, setText] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  // The admin's own language until they pick another: every invitation of the list is written in it.
  const uiLocale = useLocale();
  const [locale, setLocale] = useState<Locale>(uiLocale);
  const [seconds, setSeconds] = useState(7 * 86400);
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [results, setResults] = useState<BulkResult[] | null>(null);

  const emails = parseEmailList(text);
  const links = (results ?? []).filter((r) => r.invitation?.url);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setResults(null);
    if (emails.length === 0) return setError(t("noAddresses"));
    if (emails.length > MAX_BULK) return setError(t("tooMany", { count: emails.length, max: MAX_BULK }));
    setBusy(true);
    try {
      const result = await apiFetch<{ results: BulkResult[] }>("/api/invitations/bulk", {
        body: { emails, role, expires_in_seconds: seconds, locale, ...(replace ? { replace: true } : {}) },
      });
      if (!result.ok) {
        setError(result.status === 404 || result.status === 405 ? t("notAvailable") : result.message);
        return;
      }
      setResults(result.data.results);
      setText("");
      setRole("member");
      onDone?.();
    } finally {
      setBusy(false);
    }
  }

  const made = links.length;
  const emailed = links.filter((r) => r.invitation?.emailed).length;
  return (
    <>
      <form onSubmit={onSubmit} noValidate aria-busy={busy}>
        <label htmlFor={`${ids}-list`}>{t("addresses")}</label>
        <textarea
          id={`${ids}-list`}
          value={text}
          onChange={(e) => setText(e.target.value)}
          disabled={busy}
          aria-describedby={`${ids}-hint`}
          placeholder={"ada@example.com\nGrace Hopper <grace@example.com>; alan@example.com"}
        />
        <p id={`${ids}-hint`} className="hint">
          {t.rich("hint", { max: MAX_BULK, code: (chunks) => <code>{chunks}</code> })}
          {text.trim() ? ` ${t("found", { count: emails.length })}` : ""}
        </p>
        <div className="row">
          <div>
            <label htmlFor={`${ids}-role`}>{t("role")}</label>
            <select id={`${ids}-role`} value={role} onChange={(e) => setRole(e.target.value as "member" | "admin")} disabled={busy}>
              <option value="member">{tInvite("roleMember")}</option>
              <option value="admin">{tInvite("roleAdmin")}</option>
            </select>
          </div>
          <div>
            <label htmlFor={`${ids}-locale`}>{tInvite("language")}</label>
            <LanguageSelect id={`${ids}-locale`} value={locale} onChange={setLocale} disabled={busy} />
          </div>
          <div>
            <label htmlFor={`${ids}-expires`}>{t("validFor")}</label>
            <select id={`${ids}-expires`} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} disabled={busy}>
              {LIFETIMES.map((l) => (
                <option key={l.seconds} value={l.seconds}>
                  {tInvite("days", { count: l.days })}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} disabled={busy} /> {t("replace")}
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? tInvite("inviting") : t("submit")}
          </button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {error ? <p className="alert error">{error}</p> : null}
        {results ? (
          <p className="alert success">
            {emailed === 0
              ? t("doneLinks", { made, notInvited: results.length - made })
              : made > emailed
                ? t("doneEmailedAndLinks", { emailed, links: made - emailed, notInvited: results.length - made })
                : t("doneEmailed", { emailed, notInvited: results.length - made })}
          </p>
        ) : null}
      </div>
      {results ? (
        <>
          {made > 0 ? (
            <div className="actions">
              <button
                type="button"
                onClick={() =>
                  downloadText(
                    `invitation-links-${new Date().toISOString().slice(0, 10)}.csv`,
                    toCsv(
                      ["email", "link"],
                      links.map((r) => [r.email, r.invitation!.url]),
                    ),
                  )
                }
              >
                {t("download", { count: made })}
              </button>
            </div>
          ) : null}
          <div className="table-wrap">
            <table className="stack" aria-label={t("resultsLabel")}>
              <thead>
                <tr>
                  <th>{t("colEmail")}</th>
                  <th>{t("colOutcome")}</th>
                  <th>{t("colLink")}</th>
                </tr>
              </thead>
              <tbody>
                {results.map((r, i) => (
                  <tr key={`${i}-${r.email}`}>
                    <td className="cell-primary" data-label={t("colEmail")}>
                      <EmailText email={r.email} />
                    </td>
                    <td data-label={t("colOutcome")}>
                      <span className="outcome">
                        <span className={`status ${isKnownOutcome(r.outcome) ? OUTCOME_BADGES[r.outcome] : ""}`}>{outcomeText(r.outcome)}</span>
                        {r.invitation?.emailed ? <span className="emailed-to">{t("emailedTo", { email: r.email })}</span> : null}
                      </span>
                    </td>
                    <td data-label={t("colLink")}>
                      {r.invitation?.url ? (
                        <span className="link-cell">
                          <code data-testid="bulk-link">{r.invitation.url}</code>
                          <CopyButton text={r.invitation.url} label={t("copyLinkFor", { email: r.email })} />
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </>
  );
}
