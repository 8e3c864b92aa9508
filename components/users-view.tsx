"use client";

import { useState } from "react";
import { apiFetch } from "./api-client";
import { useConfirm } from "./confirm-dialog";
import { CopyLink } from "./copy-link";
import { resetEmailedText } from "./emailed-notice";
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

const STATUS_LABEL: Record<string, string> = { active: "active", pending: "invited", disabled: "disabled" };

/** `email`: whether the server mails links ("on": a reset link goes to the user, never to the admin). */
export function UsersView({ currentUserId, email }: { currentUserId: string; email?: "on" | "off" }) {
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
    setNotice(r.ok ? { kind: "success", text: success } : { kind: "error", text: `${failure}: ${r.message}` });
    setChanges((n) => n + 1);
    reload();
  }

  async function changeRole(u: UserRow, to: "admin" | "member") {
    if (to === u.role) return;
    const ok = await confirm({
      title: to === "admin" ? "Make this user an admin?" : "Remove admin rights?",
      body:
        to === "admin" ? (
          <p>
            <strong>{u.email}</strong> will be able to invite people, change roles, disable accounts and read the audit log.
          </p>
        ) : (
          <p>
            <strong>{u.email}</strong> becomes a member and loses access to the admin pages.
          </p>
        ),
      confirmLabel: to === "admin" ? "Make admin" : "Make member",
      danger: to === "member",
    });
    if (!ok) return;
    await run(u, apiFetch(`/api/users/${u.id}`, { method: "PATCH", body: { role: to } }), `${u.email} is now ${to === "admin" ? "an admin" : "a member"}.`, `Could not change the role of ${u.email}`);
  }

  async function toggleDisabled(u: UserRow) {
    const disable = u.status !== "disabled";
    if (disable) {
      const ok = await confirm({
        title: "Disable this account?",
        body: (
          <p>
            <strong>{u.email}</strong> is signed out everywhere and cannot sign in; any pending invitation link stops working. You can enable the account again.
          </p>
        ),
        confirmLabel: "Disable account",
        danger: true,
      });
      if (!ok) return;
    }
    await run(
      u,
      apiFetch(`/api/users/${u.id}`, { method: "PATCH", body: { disabled: disable } }),
      `${u.email} is ${disable ? "disabled" : "enabled again"}.`,
      `Could not ${disable ? "disable" : "enable"} ${u.email}`,
    );
  }

  async function resetAccess(u: UserRow) {
    const ok = await confirm({
      title: "Reset this user's access?",
      body:
        email === "on" ? (
          <p>
            A one-time link (valid for 24 hours) is emailed to <strong>{u.email}</strong> to choose a new password; you will not see it. When
            they use it, they are signed out everywhere. Their current password keeps working until then; an earlier reset link stops working now.
          </p>
        ) : (
          <p>
            You get a one-time link (valid for 24 hours) for <strong>{u.email}</strong> to choose a new password; send it to them yourself. When
            they use it, they are signed out everywhere. Their current password keeps working until then; an earlier reset link stops working now.
          </p>
        ),
      confirmLabel: email === "on" ? "Email reset link" : "Make reset link",
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
        setNotice({ kind: "success", text: `Made a reset link for ${u.email}. Copy it now: it will not be shown again.` });
      }
    } else setNotice({ kind: "error", text: `Could not reset access for ${u.email}: ${r.message}` });
    reload();
  }

  async function remove(u: UserRow) {
    const ok = await confirm({
      title: "Delete this invited user?",
      body: (
        <p>
          <strong>{u.email}</strong> never set a password. Deleting removes the account and its invitation; the audit log keeps the record.
        </p>
      ),
      confirmLabel: "Delete user",
      danger: true,
    });
    if (!ok) return;
    await run(u, apiFetch(`/api/users/${u.id}`, { method: "DELETE" }), `Deleted ${u.email}.`, `Could not delete ${u.email}`);
  }

  return (
    <>
      {dialog}
      <section className="card" aria-labelledby="users-title">
        <h1 id="users-title">Users</h1>
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: search.trim() || null });
          }}
        >
          <div className="wide">
            <label htmlFor="users-q">Search by email</label>
            <input id="users-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name or domain" />
          </div>
          <div>
            <label htmlFor="users-role">Role</label>
            <select id="users-role" value={role} onChange={(e) => set({ role: e.target.value || null })}>
              <option value="">All</option>
              <option value="admin">Admin</option>
              <option value="member">Member</option>
            </select>
          </div>
          <div>
            <label htmlFor="users-status">State</label>
            <select id="users-status" value={status} onChange={(e) => set({ status: e.target.value || null })}>
              <option value="">All</option>
              <option value="active">Active</option>
              <option value="pending">Invited</option>
              <option value="disabled">Disabled</option>
            </select>
          </div>
          <div className="filter-buttons">
            <button type="submit" className="secondary">
              Search
            </button>
          </div>
        </form>
        <ActionStatus notice={notice} testId="users-status" />
        {fresh ? <CopyLink key={fresh.id} email={fresh.email} url={fresh.url} kind="reset" /> : null}
        {sessionsOf ? <UserSessions key={`${sessionsOf.id}-${changes}`} user={sessionsOf} onClose={() => setSessionsOf(null)} /> : null}
        <ListBody state={state} reload={reload} isEmpty={(d) => d.users.length === 0} empty={q || role || status ? "No users match these filters." : "No users yet."}>
          {(data) => (
            <>
              <div className="table-wrap">
                <table className="stack" aria-label="Users">
                  <thead>
                    <tr>
                      <th>Email</th>
                      <th>Role</th>
                      <th>State</th>
                      <th>Last sign-in</th>
                      <th>Added</th>
                      <th>
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.users.map((u) => {
                      const self = u.id === currentUserId;
                      return (
                        <tr key={u.id} data-testid="user-row">
                          <td className="cell-primary" data-label="Email">
                            <EmailText email={u.email} />
                            {self ? <span className="muted"> (you)</span> : null}
                          </td>
                          <td data-label="Role">
                            {self || u.status === "disabled" ? (
                              <span className={`status ${u.role === "admin" ? "admin" : ""}`}>{u.role}</span>
                            ) : (
                              <select aria-label={`Role of ${u.email}`} value={u.role} disabled={busyId === u.id} onChange={(e) => changeRole(u, e.target.value as "admin" | "member")}>
                                <option value="member">member</option>
                                <option value="admin">admin</option>
                              </select>
                            )}
                          </td>
                          <td data-label="State">
                            <span className={`status ${u.status}`}>{STATUS_LABEL[u.status] ?? u.status}</span>
                          </td>
                          <td data-label="Last sign-in">{u.last_sign_in_at ? <RelativeTime iso={u.last_sign_in_at} /> : <span className="muted">never</span>}</td>
                          <td data-label="Added">
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
                                  aria-label={`${u.status === "disabled" ? "Enable" : "Disable"} ${u.email}`}
                                >
                                  {u.status === "disabled" ? "Enable" : "Disable"}
                                </button>
                                {u.status === "active" ? (
                                  <>
                                    <button type="button" className="secondary small" disabled={busyId === u.id} onClick={() => resetAccess(u)} aria-label={`Reset access for ${u.email}`}>
                                      Reset access
                                    </button>
                                    <button
                                      type="button"
                                      className="secondary small"
                                      aria-pressed={sessionsOf?.id === u.id}
                                      onClick={() => setSessionsOf(sessionsOf?.id === u.id ? null : { id: u.id, email: u.email })}
                                      aria-label={`Sessions of ${u.email}`}
                                    >
                                      Sessions
                                    </button>
                                  </>
                                ) : null}
                                {u.status === "pending" ? (
                                  <button type="button" className="danger small" disabled={busyId === u.id} onClick={() => remove(u)} aria-label={`Delete ${u.email}`}>
                                    Delete
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
