"use client";

import { useId, useState } from "react";
import { apiFetch } from "./api-client";
import { CopyButton } from "./copy-link";
import { downloadText, toCsv } from "./csv";
import { LIFETIMES } from "./invite-form";
import { parseEmailList } from "./parse-emails";
import { EmailText } from "./email-text";

export type BulkOutcome = "invited" | "replaced" | "invitation_pending" | "user_exists" | "invalid_email" | "domain_not_allowed" | "duplicate" | "rate_limited";
export type BulkResult = { email: string; outcome: BulkOutcome | string; invitation?: { id: string; url: string; expires_at: string; emailed?: boolean } };

export const MAX_BULK = 500;

const OUTCOMES: Record<string, { text: string; badge: string }> = {
  invited: { text: "Invited", badge: "invited" },
  replaced: { text: "Replaced (old link stopped working)", badge: "replaced" },
  invitation_pending: { text: "Already has a pending invitation", badge: "pending" },
  user_exists: { text: "Already has an account", badge: "neutral" },
  invalid_email: { text: "Not a usable address", badge: "revoked" },
  domain_not_allowed: { text: "Domain not allowed", badge: "revoked" },
  duplicate: { text: "Listed twice (invited once)", badge: "neutral" },
  rate_limited: { text: "Too many invitations for now; try later", badge: "expired" },
};

export function outcomeText(outcome: string): string {
  return OUTCOMES[outcome]?.text ?? outcome.replace(/[._]+/g, " ");
}

/** Paste a list, invite them all, see each outcome; the new links can be saved as one CSV file. */
export function BulkInvite({ onDone }: { onDone?: () => void }) {
  const ids = useId();
  const [text, setText] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
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
    if (emails.length === 0) return setError("Paste at least one email address.");
    if (emails.length > MAX_BULK) return setError(`That is ${emails.length} addresses; invite at most ${MAX_BULK} at once.`);
    setBusy(true);
    try {
      const result = await apiFetch<{ results: BulkResult[] }>("/api/invitations/bulk", {
        body: { emails, role, expires_in_seconds: seconds, ...(replace ? { replace: true } : {}) },
      });
      if (!result.ok) {
        setError(result.status === 404 || result.status === 405 ? "Bulk invitations are not available on this server yet." : result.message);
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
        <label htmlFor={`${ids}-list`}>Email addresses</label>
        <textarea
          id={`${ids}-list`}
          value={text}
          onChange={(e) => setText(e.target.value)}
          disabled={busy}
          aria-describedby={`${ids}-hint`}
          placeholder={"ada@example.com\nGrace Hopper <grace@example.com>; alan@example.com"}
        />
        <p id={`${ids}-hint`} className="hint">
          One per line, or separated by commas or semicolons; <code>Name &lt;address&gt;</code> works too. Up to {MAX_BULK}.
          {text.trim() ? ` ${emails.length} address${emails.length === 1 ? "" : "es"} found.` : ""}
        </p>
        <div className="row">
          <div>
            <label htmlFor={`${ids}-role`}>Role for all</label>
            <select id={`${ids}-role`} value={role} onChange={(e) => setRole(e.target.value as "member" | "admin")} disabled={busy}>
              <option value="member">Member</option>
              <option value="admin">Admin</option>
            </select>
          </div>
          <div>
            <label htmlFor={`${ids}-expires`}>Links valid for</label>
            <select id={`${ids}-expires`} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} disabled={busy}>
              {LIFETIMES.map((l) => (
                <option key={l.seconds} value={l.seconds}>
                  {l.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} disabled={busy} /> Replace pending invitations (their old
          links stop working)
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? "Inviting…" : "Invite all"}
          </button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {error ? <p className="alert error">{error}</p> : null}
        {results ? (
          <p className="alert success">
            {emailed > 0
              ? `Done: ${emailed} invitation${emailed === 1 ? "" : "s"} emailed${made > emailed ? `, ${made - emailed} link${made - emailed === 1 ? "" : "s"} to send yourself` : ""}, ${results.length - made} not invited. The list above shows each delivery; the links are shown only here and now.`
              : `Done: ${made} new link${made === 1 ? "" : "s"} made, ${results.length - made} not invited. The links are shown only here and now.`}
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
                Download {made} link{made === 1 ? "" : "s"} (CSV)
              </button>
            </div>
          ) : null}
          <div className="table-wrap">
            <table className="stack" aria-label="Bulk invitation results">
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Outcome</th>
                  <th>Link</th>
                </tr>
              </thead>
              <tbody>
                {results.map((r, i) => (
                  <tr key={`${i}-${r.email}`}>
                    <td className="cell-primary" data-label="Email">
                      <EmailText email={r.email} />
                    </td>
                    <td data-label="Outcome">
                      <span className="outcome">
                        <span className={`status ${OUTCOMES[r.outcome]?.badge ?? ""}`}>{outcomeText(r.outcome)}</span>
                        {r.invitation?.emailed ? <span className="emailed-to">Invitation emailed to {r.email}</span> : null}
                      </span>
                    </td>
                    <td data-label="Link">
                      {r.invitation?.url ? (
                        <span className="link-cell">
                          <code data-testid="bulk-link">{r.invitation.url}</code>
                          <CopyButton text={r.invitation.url} label={`Copy link for ${r.email}`} />
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
