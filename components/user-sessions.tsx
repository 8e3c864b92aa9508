"use client";

import { useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "./api-client";
import { SessionsTable, type SessionRow } from "./sessions-table";

/**
 * The Users page's panel for one user's live sessions (GET /api/users/:id/sessions), each with a
 * "Sign out" (POST /api/sessions/:id/revoke): that browser's next request is signed out, on every
 * app instance.
 */
export function UserSessions({ user, onClose }: { user: { id: string; email: string }; onClose: () => void }) {
  const t = useTranslations("admin.userSessions");
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    const result = await apiFetch<{ sessions: SessionRow[] }>(`/api/users/${user.id}/sessions`);
    if (result.ok) {
      setSessions(result.data.sessions);
      setLoadError(null);
    } else setLoadError(result.message);
  }, [user.id]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading data on mount
    void load();
  }, [load]);

  async function revoke(s: SessionRow) {
    setBusy(s.id);
    const result = await apiFetch<null>(`/api/sessions/${s.id}/revoke`, { body: {} });
    setMessage(
      result.ok
        ? {
            kind: "success",
            text: s.user_agent
              ? t(s.ip ? "signedOutOfDeviceAt" : "signedOutOfDevice", { email: user.email, device: s.user_agent, ip: s.ip ?? "" })
              : t(s.ip ? "signedOutOfSessionAt" : "signedOutOfSession", { email: user.email, ip: s.ip ?? "" }),
          }
        : { kind: "error", text: result.message },
    );
    await load();
    setBusy(null);
  }

  return (
    <section className="panel" aria-labelledby={`sessions-of-${user.id}`} data-testid="user-sessions">
      <div className="page-head">
        <h2 id={`sessions-of-${user.id}`}>{t("title", { email: user.email })}</h2>
        <button type="button" className="secondary small" onClick={onClose}>
          {t("close")}
        </button>
      </div>
      {loadError ? (
        <div className="alert error" role="alert">
          <p>{t("loadFailed", { message: loadError })}</p>
          <button type="button" className="secondary small" onClick={() => void load()}>
            {t("retry")}
          </button>
        </div>
      ) : sessions === null ? (
        <p className="loading">{t("loading")}</p>
      ) : sessions.length === 0 ? (
        <p className="empty">{t("none", { email: user.email })}</p>
      ) : (
        <SessionsTable sessions={sessions} label={t("title", { email: user.email })} busyId={busy} onRevoke={(s) => void revoke(s)} keepCurrent={false} />
      )}
      <div role="status" aria-live="polite">
        {message ? <p className={`alert ${message.kind}`}>{message.text}</p> : null}
      </div>
    </section>
  );
}
