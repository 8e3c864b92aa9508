"use client";

import { useTranslations } from "next-intl";
import { RelativeTime } from "./relative-time";

/** A session as GET /api/sessions and GET /api/users/:id/sessions answer it. */
export type SessionRow = {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_used_at: string;
  authenticated_at: string;
  expires_at: string;
  current: boolean;
};

/**
 * Live sessions: where each was signed in from, when, when last used and when it ends, with one
 * "Sign out" button each (none for the session in use when `keepCurrent`: the header's Sign out is
 * that one). The same table on the Account page and on the Users page.
 */
export function SessionsTable({
  sessions,
  label,
  busyId,
  onRevoke,
  keepCurrent = true,
}: {
  sessions: SessionRow[];
  label: string;
  busyId: string | null;
  onRevoke: (s: SessionRow) => void;
  keepCurrent?: boolean;
}) {
  const t = useTranslations("auth.sessionsTable");
  return (
    <div className="table-wrap">
      <table className="stack" aria-label={label}>
        <thead>
          <tr>
            <th>{t("device")}</th>
            <th>{t("ip")}</th>
            <th>{t("signedIn")}</th>
            <th>{t("lastUsed")}</th>
            <th>{t("ends")}</th>
            <th>
              <span className="sr-only">{t("actions")}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-testid="session-row">
              <td data-label={t("device")}>
                {s.user_agent ?? <span className="muted">{t("unknownDevice")}</span>}
                {s.current ? (
                  <>
                    {" "}
                    <span className="status active">{t("thisBrowser")}</span>
                  </>
                ) : null}
              </td>
              <td data-label={t("ip")}>{s.ip ?? <span className="muted">—</span>}</td>
              <td data-label={t("signedIn")}>
                <RelativeTime iso={s.created_at} />
              </td>
              <td data-label={t("lastUsed")}>
                <RelativeTime iso={s.last_used_at} />
              </td>
              <td data-label={t("ends")}>
                <RelativeTime iso={s.expires_at} />
              </td>
              <td className="cell-actions">
                {s.current && keepCurrent ? null : (
                  <button
                    type="button"
                    className="secondary small"
                    disabled={busyId !== null}
                    onClick={() => onRevoke(s)}
                    aria-label={
                      s.ip
                        ? t("signOutLabelAt", { device: s.user_agent ?? t("thisSession"), ip: s.ip })
                        : t("signOutLabel", { device: s.user_agent ?? t("thisSession") })
                    }
                  >
                    {t(busyId === s.id ? "signingOut" : "signOut")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
