"use client";

import { useState } from "react";
import { apiFetch } from "./api-client";
import { BulkInvite } from "./bulk-invite";
import { useConfirm } from "./confirm-dialog";
import { CopyLink } from "./copy-link";
import { DeliveryCell, type Delivery } from "./delivery-cell";
import { InvitationEmailed, resetEmailedText } from "./emailed-notice";
import { InviteForm, type CreatedInvitation } from "./invite-form";
import { ActionStatus, ListBody, Pager, type Notice } from "./list-parts";
import { RelativeTime } from "./relative-time";
import { apiUrl, useApiGet, useQueryParams } from "./use-list";
import { EmailText } from "./email-text";

export type InvitationRow = {
  id: string;
  email: string;
  role: string;
  kind?: string;
  status: "pending" | "accepted" | "expired" | "revoked" | string;
  invited_by?: { id: string; email: string } | string | null;
  created_at: string;
  expires_at: string;
  accepted_at?: string | null;
  revoked_at?: string | null;
  /** Its email, or null: never mailed. Absent from servers without email. */
  delivery?: Delivery | null;
};
type Page = { invitations: InvitationRow[]; next_cursor?: string | null; email?: "on" | "off" };

/** The one notice above the list while email is off. */
export const EMAIL_OFF_NOTICE = "Email is off: copy each link and send it yourself. Set SMTP_URL and MAIL_FROM to email invitations.";

const STATUSES = ["pending", "accepted", "expired", "revoked"] as const;
const PAGE_SIZE = "25";

const inviter = (i: InvitationRow) => (i.invited_by ? (typeof i.invited_by === "string" ? i.invited_by : i.invited_by.email) : null);

/** One row per address: the newest invitation on the page; the older ones are its history. */
export function groupLatest(rows: InvitationRow[]): { latest: InvitationRow; older: InvitationRow[] }[] {
  const groups = new Map<string, { latest: InvitationRow; older: InvitationRow[] }>();
  for (const row of rows) {
    const key = row.email.toLowerCase();
    const g = groups.get(key);
    if (g) g.older.push(row);
    else groups.set(key, { latest: row, older: [] });
  }
  return [...groups.values()];
}

function StateTime({ i }: { i: InvitationRow }) {
  if (i.status === "accepted") return <RelativeTime iso={i.accepted_at} prefix="accepted" />;
  if (i.status === "revoked") return i.revoked_at ? <RelativeTime iso={i.revoked_at} prefix="revoked" /> : <span className="muted">revoked</span>;
  if (i.status === "expired") return <RelativeTime iso={i.expires_at} prefix="expired" />;
  return <RelativeTime iso={i.expires_at} prefix="expires" />;
}

export function InvitationsView() {
  const { get, set } = useQueryParams();
  const status = get("status");
  const q = get("q");
  const cursor = get("cursor");
  const { state, reload } = useApiGet<Page>(apiUrl("/api/invitations", { status, q, cursor, limit: PAGE_SIZE }));
  const { confirm, dialog } = useConfirm();
  // The link just made, shown once; `emailed`: it was also queued to be mailed to the invitee.
  const [fresh, setFresh] = useState<{ id: string; email: string; url: string | null; action: "made" | "re-issued"; kind?: "invite" | "reset"; emailed?: boolean } | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [search, setSearch] = useState(q);
  const [shownQ, setShownQ] = useState(q);
  if (q !== shownQ) {
    // The URL changed (Back, a shared link): the search box follows it.
    setShownQ(q);
    setSearch(q);
  }

  const emailOn = state.status === "ok" && state.data.email === "on";

  function onInvited(inv: CreatedInvitation) {
    setFresh({ id: inv.id, email: inv.email, url: inv.url, action: "made", emailed: inv.emailed === true });
    setNotice(null);
    reload();
  }

  async function revoke(i: InvitationRow) {
    const ok = await confirm({
      title: "Revoke this invitation?",
      body: (
        <p>
          The link sent to <strong>{i.email}</strong> stops working at once. You can invite them again later.
        </p>
      ),
      confirmLabel: "Revoke invitation",
      danger: true,
    });
    if (!ok) return;
    setBusyId(i.id);
    const r = await apiFetch(`/api/invitations/${i.id}/revoke`, { body: {} });
    setBusyId(null);
    if (r.ok) {
      if (fresh?.id === i.id) setFresh(null);
      setNotice({ kind: "success", text: `Revoked the invitation for ${i.email}.` });
    } else setNotice({ kind: "error", text: `Could not revoke the invitation for ${i.email}: ${r.message}` });
    reload();
  }

  async function reissue(i: InvitationRow) {
    if (emailOn) {
      const ok = await confirm({
        title: "Resend the invitation?",
        body: (
          <p>
            A fresh link is made and emailed to <strong>{i.email}</strong>.{" "}
            {i.status === "pending" ? "The link sent before stops working at once." : "Any earlier link stays unusable."}
          </p>
        ),
        confirmLabel: "Resend",
        danger: i.status === "pending",
      });
      if (!ok) return;
    } else if (i.status === "pending") {
      const ok = await confirm({
        title: "Re-issue the link?",
        body: (
          <p>
            A new link is made for <strong>{i.email}</strong>; the current one stops working.
          </p>
        ),
        confirmLabel: "Re-issue link",
        danger: true,
      });
      if (!ok) return;
    }
    setBusyId(i.id);
    const r = await apiFetch<{ invitation: CreatedInvitation }>(`/api/invitations/${i.id}/reissue`, { body: {} });
    setBusyId(null);
    if (r.ok) {
      const inv = r.data.invitation;
      const email = inv.email ?? i.email;
      const kind = inv.kind === "reset" ? "reset" : "invite";
      if (kind === "reset" && (inv.url === null || inv.emailed)) {
        // A reset link mailed to its user is never shown to the admin.
        setFresh(null);
        setNotice({ kind: "success", text: resetEmailedText(email, inv.expires_at) });
      } else {
        setFresh({ id: inv.id, email, url: inv.url, action: "re-issued", kind, emailed: inv.emailed === true });
        setNotice({ kind: "success", text: inv.emailed ? `Sent a fresh link to ${email}; the old one no longer works.` : `Made a new link for ${email}; the old one no longer works.` });
      }
    } else setNotice({ kind: "error", text: `Could not ${emailOn ? "resend the invitation to" : "re-issue the link for"} ${i.email}: ${r.message}` });
    reload();
  }

  const actions = (i: InvitationRow) => (
    <>
      {i.status === "pending" ? (
        <button type="button" className="danger small" disabled={busyId === i.id} onClick={() => revoke(i)} aria-label={`Revoke invitation for ${i.email}`}>
          Revoke
        </button>
      ) : null}
      {i.status !== "accepted" ? (
        <button
          type="button"
          className="secondary small"
          disabled={busyId === i.id}
          onClick={() => reissue(i)}
          aria-label={emailOn ? `Resend invitation to ${i.email}` : `Re-issue link for ${i.email}`}
        >
          {emailOn ? "Resend" : "Re-issue"}
        </button>
      ) : null}
    </>
  );

  return (
    <>
      {dialog}
      <section className="card" aria-labelledby="invite-title">
        <h2 id="invite-title">Invite a teammate</h2>
        <InviteForm onInvited={onInvited} />
        {fresh?.emailed ? (
          <InvitationEmailed key={fresh.id} email={fresh.email} url={fresh.url} action={fresh.action} />
        ) : fresh?.url ? (
          <CopyLink key={fresh.id} email={fresh.email} url={fresh.url} action={fresh.action} kind={fresh.kind} />
        ) : null}
      </section>

      <section className="card" aria-labelledby="list-title">
        <h2 id="list-title">Sent invitations</h2>
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: search.trim() || null });
          }}
        >
          <div className="wide">
            <label htmlFor="inv-q">Search by email</label>
            <input id="inv-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name or domain" />
          </div>
          <div>
            <label htmlFor="inv-status">Status</label>
            <select id="inv-status" value={status} onChange={(e) => set({ status: e.target.value || null })}>
              <option value="">All</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s[0].toUpperCase() + s.slice(1)}
                </option>
              ))}
            </select>
          </div>
          <div className="filter-buttons">
            <button type="submit" className="secondary">
              Search
            </button>
          </div>
        </form>
        <ActionStatus notice={notice} testId="invitations-status" />
        {state.status === "ok" && state.data.email === "off" ? (
          <p className="alert info" data-testid="email-off">
            {EMAIL_OFF_NOTICE}
          </p>
        ) : null}
        <ListBody
          state={state}
          reload={reload}
          isEmpty={(d) => d.invitations.length === 0}
          empty={q || status ? "No invitations match these filters." : "No invitations yet. Invite someone above."}
        >
          {(data) => (
            <>
              <div className="table-wrap">
                <table className="stack" aria-label="Invitations">
                  <thead>
                    <tr>
                      <th>Email</th>
                      <th>Role</th>
                      <th>Status</th>
                      <th>Delivery</th>
                      <th>Invited by</th>
                      <th>When</th>
                      <th>
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  {groupLatest(data.invitations).map((g) => (
                    <InvitationGroup key={g.latest.id} latest={g.latest} olderOnPage={g.older} actions={actions} email={data.email} />
                  ))}
                </table>
              </div>
              <Pager cursor={cursor} nextCursor={data.next_cursor} onNext={() => set({ cursor: data.next_cursor ?? null })} onFirst={() => set({ cursor: null })} />
            </>
          )}
        </ListBody>
      </section>

      <section className="card" aria-labelledby="bulk-title">
        <h2 id="bulk-title">Invite many at once</h2>
        <BulkInvite onDone={reload} />
      </section>
    </>
  );
}

function Row({ i, actions, history, email }: { i: InvitationRow; actions: React.ReactNode; history?: boolean; email?: string }) {
  const by = inviter(i);
  return (
    <tr className={history ? "history" : undefined} data-testid={history ? "history-row" : "invitation-row"}>
      <td className="cell-primary" data-label="Email">
        {history ? <span className="muted">earlier: </span> : null}
        <EmailText email={i.email} />
      </td>
      <td data-label="Role">{i.kind === "reset" ? `${i.role} (reset)` : i.role}</td>
      <td data-label="Status">
        <span className={`status ${i.status}`}>{i.status}</span>
      </td>
      <td data-label="Delivery">
        <DeliveryCell delivery={i.delivery} email={email} />
      </td>
      <td data-label="Invited by">{by ?? <span className="muted">—</span>}</td>
      <td data-label="When">
        <span className="stacked-times">
          <StateTime i={i} />
          <span className="muted">
            <RelativeTime iso={i.created_at} prefix="sent" />
          </span>
        </span>
      </td>
      <td className="cell-actions">{actions}</td>
    </tr>
  );
}

function InvitationGroup({
  latest,
  olderOnPage,
  actions,
  email,
}: {
  latest: InvitationRow;
  olderOnPage: InvitationRow[];
  actions: (i: InvitationRow) => React.ReactNode;
  email?: string;
}) {
  const [open, setOpen] = useState(false);
  const [history, setHistory] = useState<{ status: "loading" } | { status: "error"; message: string } | { status: "ok"; rows: InvitationRow[] } | null>(null);

  async function toggle() {
    if (open) return setOpen(false);
    setOpen(true);
    setHistory({ status: "loading" });
    // Every invitation of this address, not only those on this page.
    const r = await apiFetch<Page>(apiUrl("/api/invitations", { q: latest.email, limit: "100" }));
    if (!r.ok) return setHistory({ status: "error", message: r.message });
    const mine = r.data.invitations.filter((x) => x.email.toLowerCase() === latest.email.toLowerCase() && x.id !== latest.id);
    const known = new Map([...olderOnPage, ...mine].map((x) => [x.id, x]));
    setHistory({ status: "ok", rows: [...known.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)) });
  }

  return (
    <tbody>
      <Row
        i={latest}
        email={email}
        actions={
          <>
            {actions(latest)}
            <button type="button" className="link" aria-expanded={open} onClick={toggle} aria-label={`History of ${latest.email}`}>
              {open ? "Hide history" : "History"}
            </button>
          </>
        }
      />
      {open && history?.status === "loading" ? (
        <tr className="history">
          <td colSpan={7} className="loading">
            Loading history…
          </td>
        </tr>
      ) : null}
      {open && history?.status === "error" ? (
        <tr className="history">
          <td colSpan={7} role="status">
            Could not load the history: {history.message}
          </td>
        </tr>
      ) : null}
      {open && history?.status === "ok" && history.rows.length === 0 ? (
        <tr className="history">
          <td colSpan={7} className="muted" role="status">
            No earlier invitations for {latest.email}.
          </td>
        </tr>
      ) : null}
      {open && history?.status === "ok" ? history.rows.map((h) => <Row key={h.id} i={h} actions={null} history email={email} />) : null}
    </tbody>
  );
}
