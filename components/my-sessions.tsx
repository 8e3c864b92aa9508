"use client";

import { useLocale, useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/locales";
import { translate } from "@/lib/i18n/translate";
import { apiFetch } from "./api-client";
import { SessionsTable, type SessionRow } from "./sessions-table";

/** "1 day", "12 hours", "90 minutes": the largest unit that divides evenly, else minutes (in `locale`). */
export function duration(seconds: number, locale: Locale = DEFAULT_LOCALE): string {
  const units = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ] as const;
  const [unit, size] = units.find(([, size]) => seconds % size === 0) ?? units[2];
  const count = Math.max(1, Math.round(seconds / size));
  return translate(locale, `auth.sessions.duration.${unit}`, { count });
}

/** Fired on window after something here ended sessions (a password change): the list reloads. */
export const SESSIONS_CHANGED = "sessions-changed";

/** The signed-in user's sessions: sign out one, or everywhere else. */
export function MySessions({ idleSeconds, ttlSeconds }: { idleSeconds: number; ttlSeconds: number }) {
  const t = useTranslations("auth.sessions");
  const locale = useLocale();
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    const result = await apiFetch<{ sessions: SessionRow[] }>("/api/sessions", { locale });
    if (result.ok) {
      setSessions(result.data.sessions);
      setLoadError(null);
    } else setLoadError(result.message);
  }, [locale]);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading data on mount
    void load();
    const reload = () => void load();
    window.addEventListener(SESSIONS_CHANGED, reload);
    return () => window.removeEventListener(SESSIONS_CHANGED, reload);
  }, [load]);

  async function revokeOne(s: SessionRow) {
    setBusy(s.id);
    const result = await apiFetch<null>(`/api/sessions/${s.id}/revoke`, { body: {}, locale });
    const device = s.user_agent ?? t("thatSession");
    setMessage(
      result.ok
        ? { kind: "success", text: s.ip ? t("signedOutAt", { device, ip: s.ip }) : t("signedOut", { device }) }
        : { kind: "error", text: result.message },
    );
    await load();
    setBusy(null);
  }

  async function revokeOthers() {
    setBusy("others");
    const result = await apiFetch<{ revoked: number }>("/api/sessions/revoke_others", { body: {}, locale });
    setMessage(
      result.ok
        ? { kind: "success", text: t("signedOutOthers", { count: result.data.revoked }) }
        : { kind: "error", text: result.message },
    );
    await load();
    setBusy(null);
  }

  const others = sessions?.filter((s) => !s.current).length ?? 0;
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("heading")}</h2>
      <p className="hint">{t("hint", { idle: duration(idleSeconds, locale), ttl: duration(ttlSeconds, locale) })}</p>
      {loadError ? (
        <div className="alert error" role="alert">
          <p>{t("loadError", { error: loadError })}</p>
          <button type="button" className="secondary small" onClick={() => void load()}>
            {t("retry")}
          </button>
        </div>
      ) : sessions === null ? (
        <p className="loading">{t("loading")}</p>
      ) : sessions.length === 0 ? (
        <p className="empty">{t("empty")}</p>
      ) : (
        <SessionsTable sessions={sessions} label={t("tableLabel")} busyId={busy} onRevoke={(s) => void revokeOne(s)} />
      )}
      <div className="actions">
        <button type="button" className="secondary" disabled={busy !== null || others === 0} onClick={() => void revokeOthers()}>
          {t(busy === "others" ? "signingOut" : "signOutOthers")}
        </button>
      </div>
      <div role="status" aria-live="polite">
        {message ? <p className={`alert ${message.kind}`}>{message.text}</p> : null}
      </div>
    </section>
  );
}
