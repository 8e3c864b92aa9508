"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { apiFetch } from "./api-client";
import { useConfirm } from "./confirm-dialog";
import { CopyLink } from "./copy-link";
import { useResetEmailedText } from "./emailed-notice";
import { ActionStatus, ListBody, Pager, type Notice } from "./list-parts";
import { RelativeTime } from "./relative-time";
import { apiUrl, useApiGet, useQueryParams } from "./use-list";
import { UserSessions } from "./user-sessions";
import { EmailText } from "./email-text";

export type UserRow = {
  id: string;
  email: string;
  role: "admin" | "member";
  status: "active" | "pending" | "disabled" | string;
  created_at: string;
  last_sign_in_at?: string | null;
};
type Page = { users: UserRow[]; next_cursor?: string | null };

const STATES = ["active", "pending", "disabled"] as const;

/** `email`: whether the server mails links ("on": a reset link goes to the user, never to the admin). */
export function UsersView({ currentUserId, email }: { currentUserId: string; email?: "on" | "off" }) {
  const t = useTranslations("admin.users");
  const tRoles = useTranslations("admin.roles");
  const resetEmailedText = useResetEmailedText();
  const stateText = (s: string) => ((STATES as readonly string[]).includes(s) ? t(`states.${s as (typeof STATES)[number]}`) : s);
  const { get, set } = useQueryParams();
  const q = get("q");
  const role = get("role");
  const status = get("status");
  const cursor = get("cursor");
  const { state, reload } = useApiGet<Page>(apiUrl("/api/users", { q, role, status, cursor, limit: "25" }));
  const { confirm, dialog } = useConfirm();
  const [notice, setNotice] = useState<Notice>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  // A reset link just made: shown once (only its hash is stored), until the next action.
  const [fresh, setFresh] = useState<{ id: string; email: string; url: string } | null>(null);
  // The user whose sessions are shown in the panel above the list.
  const [sessionsOf, setSessionsOf] = useState<{ id: string; email: string } | null>(null);
  // Bumped after any action, so the open sessions panel reloads (disabling ends every session).
  const [changes, setChanges] = useState(0);
  const [search, setSearch] = useState(q);
  const [shownQ, setShownQ] = useState(q);
  if (q !== shownQ) {
    setShownQ(q);
    setSearch(q);
  }

  async function run(u: UserRow, request: Promise<{ ok: boolean; message?: string }>, success: string, failure: string) {
    setFresh(null);
    setBusyId(u.id);
    const r = await request;
    setBusyId(null);
    setNotice(r.ok ? { kind: "success", text: success } : { kind: "error", text: t("failedWhy", { failure, message: r.message ?? "" }) });
    setChanges((n) => n + 1);
    reload();
  }

  async function changeRole(u: UserRow, to: "admin" | "member") {
    if (to === u.role) return;
    const ok = await confirm({
      title: to === "admin" ? t("makeAdminTitle") : t("makeMemberTitle"),
      body: <p>{t.rich(to === "admin" ? "makeAdminBody" : "makeMemberBody", { email: u.email, b: (chunks) => <strong>{chunks}</strong> })}</p>,
      confirmLabel: to === "admin" ? t("makeAdmin") : t("makeMember"),
      danger: to === "member",
    });
    if (!ok) return;
    await run(u, apiFetch(`/api/users/${u.id}`, { method: "PATCH", body: { role: to } }), t(to === "admin" ? "nowAdmin" : "nowMember", { email: u.email }), t("roleFailed", { email: u.email }));
  }

  async function toggleDisabled(u: UserRow) {
    const disable = u.status !== "disabled";
    if (disable) {
      const ok = await confirm({
        title: t("disableTitle"),
        body: <p>{t.rich("disableBody", { email: u.email, b: (chunks) => <strong>{chunks}</strong> })}</p>,
        confirmLabel: t("disableConfirm"),
        danger: true,
      });
      if (!ok) return;
    }
    await run(
      u,
      apiFetch(`/api/users/${u.id}`, { method: "PATCH", body: { disabled: disable } }),
      t(disable ? "disabled" : "enabled", { email: u.email }),
      t(disable ? "disableFailed" : "enableFailed", { email: u.email }),
    );
  }

  async function resetAccess(u: UserRow) {
    const ok = await confirm({
      title: t("resetTitle"),
      body: <p>{t.rich(email === "on" ? "resetBodyEmail" : "resetBodyLink", { email: u.email, b: (chunks) => <strong>{chunks}</strong> })}</p>,
      confirmLabel: email === "on" ? t("resetConfirmEmail") : t("resetConfirmLink"),
      danger: true,
    });
    if (!ok) return;
    setFresh(null);
    setBusyId(u.id);
    const r = await apiFetch<{ invitation: { id: string; email: string; url: string | null; expires_at: string; emailed?: boolean } }>(`/api/users/${u.id}/reset`, {
      method: "POST",
      body: {},
    });
    setBusyId(null);
    if (r.ok) {
      const inv = r.data.invitation;
      if (inv.url === null || inv.emailed) {
        // Mailed to the user only: there is no link to show here.
        setNotice({ kind: "success", text: resetEmailedText(inv.email ?? u.email, inv.expires_at) });
      } else {
        setFresh({ id: inv.id, email: inv.email, url: inv.url });
        setNotice({ kind: "success", text: t("resetMade", { email: u.email }) });
      }
    } else setNotice({ kind: "error", text: t("resetFailed", { email: u.email, message: r.message }) });
    reload();
  }

  async function remove(u: UserRow) {
    const ok = await confirm({
      title: t("deleteTitle"),
      body: <p>{t.rich("deleteBody", { email: u.email, b: (chunks) => <strong>{chunks}</strong> })}</p>,
      confirmLabel: t("deleteConfirm"),
      danger: true,
    });
    if (!ok) return;
    await run(u, apiFetch(`/api/users/${u.id}`, { method: "DELETE" }), t("deleted", { email: u.email }), t("deleteFailed", { email: u.email }));
  }

  return (
    <>
      {dialog}
      <section className="card" aria-labelledby="users-title">
        <h1 id="users-title">{t("title")}</h1>
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: search.trim() || null });
          }}
        >
          <div className="wide">
            <label htmlFor="users-q">{t("search")}</label>
            <input id="users-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t("searchPlaceholder")} />
          </div>
          <div>
            <label htmlFor="users-role">{t("role")}</label>
            <select id="users-role" value={role} onChange={(e) => set({ role: e.target.value || null })}>
              <option value="">{t("all")}</option>
              <option value="admin">{t("roleOptions.admin")}</option>
              <option value="member">{t("roleOptions.member")}</option>
            </select>
          </div>
          <div>
            <label htmlFor="users-status">{t("state")}</label>
            <select id="users-status" value={status} onChange={(e) => set({ status: e.target.value || null })}>
              <option value="">{t("all")}</option>
              <option value="active">{t("stateOptions.active")}</option>
              <option value="pending">{t("stateOptions.pending")}</option>
              <option value="disabled">{t("stateOptions.disabled")}</option>
            </select>
          </div>
          <div className="filter-buttons">
            <button type="submit" className="secondary">
              {t("searchButton")}
            </button>
          </div>
        </form>
        <ActionStatus notice={notice} testId="users-status" />
        {fresh ? <CopyLink key={fresh.id} email={fresh.email} url={fresh.url} kind="reset" /> : null}
        {sessionsOf ? <UserSessions key={`${sessionsOf.id}-${changes}`} user={sessionsOf} onClose={() => setSessionsOf(null)} /> : null}
        <ListBody state={state} reload={reload} isEmpty={(d) => d.users.length === 0} empty={q || role || status ? t("emptyFiltered") : t("empty")}>
          {(data) => (
            <>
              <div className="table-wrap">
                <table className="stack" aria-label={t("tableLabel")}>
                  <thead>
                    <tr>
                      <th>{t("col.email")}</th>
                      <th>{t("col.role")}</th>
                      <th>{t("col.state")}</th>
                      <th>{t("col.lastSignIn")}</th>
                      <th>{t("col.added")}</th>
                      <th>
                        <span className="sr-only">{t("col.actions")}</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.users.map((u) => {
                      const self = u.id === currentUserId;
                      return (
                        <tr key={u.id} data-testid="user-row">
                          <td className="cell-primary" data-label={t("col.email")}>
                            <EmailText email={u.email} />
                            {self ? <span className="muted"> {t("you")}</span> : null}
                          </td>
                          <td data-label={t("col.role")}>
                            {self || u.status === "disabled" ? (
                              <span className={`status ${u.role === "admin" ? "admin" : ""}`}>{u.role === "admin" || u.role === "member" ? tRoles(u.role) : u.role}</span>
                            ) : (
                              <select aria-label={t("roleOf", { email: u.email })} value={u.role} disabled={busyId === u.id} onChange={(e) => changeRole(u, e.target.value as "admin" | "member")}>
                                <option value="member">{tRoles("member")}</option>
                                <option value="admin">{tRoles("admin")}</option>
                              </select>
                            )}
                          </td>
                          <td data-label={t("col.state")}>
                            <span className={`status ${u.status}`}>{stateText(u.status)}</span>
                          </td>
                          <td data-label={t("col.lastSignIn")}>{u.last_sign_in_at ? <RelativeTime iso={u.last_sign_in_at} /> : <span className="muted">{t("never")}</span>}</td>
                          <td data-label={t("col.added")}>
                            <RelativeTime iso={u.created_at} />
                          </td>
                          <td className="cell-actions">
                            {self ? null : (
                              <>
                                <button
                                  type="button"
                                  className={u.status === "disabled" ? "secondary small" : "danger small"}
                                  disabled={busyId === u.id}
                                  onClick={() => toggleDisabled(u)}
                                  aria-label={t(u.status === "disabled" ? "enableFor" : "disableFor", { email: u.email })}
                                >
                                  {u.status === "disabled" ? t("enable") : t("disable")}
                                </button>
                                {u.status === "active" ? (
                                  <>
                                    <button type="button" className="secondary small" disabled={busyId === u.id} onClick={() => resetAccess(u)} aria-label={t("resetFor", { email: u.email })}>
                                      {t("reset")}
                                    </button>
                                    <button
                                      type="button"
                                      className="secondary small"
                                      aria-pressed={sessionsOf?.id === u.id}
                                      onClick={() => setSessionsOf(sessionsOf?.id === u.id ? null : { id: u.id, email: u.email })}
                                      aria-label={t("sessionsOf", { email: u.email })}
                                    >
                                      {t("sessions")}
                                    </button>
                                  </>
                                ) : null}
                                {u.status === "pending" ? (
                                  <button type="button" className="danger small" disabled={busyId === u.id} onClick={() => remove(u)} aria-label={t("deleteFor", { email: u.email })}>
                                    {t("delete")}
                                  </button>
                                ) : null}
                              </>
                            )}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              <Pager cursor={cursor} nextCursor={data.next_cursor} onNext={() => set({ cursor: data.next_cursor ?? null })} onFirst={() => set({ cursor: null })} />
            </>
          )}
        </ListBody>
      </section>
    </>
  );
}
