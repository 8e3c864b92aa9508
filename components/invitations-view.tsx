"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { isLocale } from "@/lib/i18n/locales";
import { apiFetch } from "./api-client";
import { BulkInvite } from "./bulk-invite";
import { useConfirm } from "./confirm-dialog";
import { CopyLink } from "./copy-link";
import { DeliveryCell, type Delivery } from "./delivery-cell";
import { InvitationEmailed, useResetEmailedText } from "./emailed-notice";
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
  /** The language it is written in ("en", "de"); absent from older servers. */
  locale?: string | null;
};
type Page = { invitations: InvitationRow[]; next_cursor?: string | null; email?: "on" | "off" };

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
  const t = useTranslations("admin.invitations.when");
  if (i.status === "accepted") return <RelativeTime iso={i.accepted_at} label={(time) => t("accepted", { time })} />;
  if (i.status === "revoked")
    return i.revoked_at ? <RelativeTime iso={i.revoked_at} label={(time) => t("revoked", { time })} /> : <span className="muted">{t("revokedUnknown")}</span>;
  if (i.status === "expired") return <RelativeTime iso={i.expires_at} label={(time) => t("expired", { time })} />;
  return <RelativeTime iso={i.expires_at} label={(time) => t("expires", { time })} />;
}

/** A status in words ("pending"); one this page does not know is shown as the server sent it. */
function useStatusText(): (status: string) => string {
  const t = useTranslations("admin.invitations.statuses");
  return (status) => ((STATUSES as readonly string[]).includes(status) ? t(status as (typeof STATUSES)[number]) : status);
}

/** The language an invitation is written in, as a small badge ("DE") named in full on hover. */
function LanguageBadge({ locale }: { locale: string | null | undefined }) {
  const t = useTranslations("admin.languages");
  if (!isLocale(locale)) return null;
  return (
    <>
      {" "}
      <abbr className="lang-badge" title={t(locale)} data-testid="invitation-language">
        {locale.toUpperCase()}
      </abbr>
    </>
  );
}

export function InvitationsView() {
  const t = useTranslations("admin.invitations");
  const statusText = useStatusText();
  const resetEmailedText = useResetEmailedText();
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
      title: t("revokeTitle"),
      body: <p>{t.rich("revokeBody", { email: i.email, b: (chunks) => <strong>{chunks}</strong> })}</p>,
      confirmLabel: t("revokeConfirm"),
      danger: true,
    });
    if (!ok) return;
    setBusyId(i.id);
    const r = await apiFetch(`/api/invitations/${i.id}/revoke`, { body: {} });
    setBusyId(null);
    if (r.ok) {
      if (fresh?.id === i.id) setFresh(null);
      setNotice({ kind: "success", text: t("revoked", { email: i.email }) });
    } else setNotice({ kind: "error", text: t("revokeFailed", { email: i.email, message: r.message }) });
    reload();
  }

  async function reissue(i: InvitationRow) {
    if (emailOn) {
      const ok = await confirm({
        title: t("resendTitle"),
        body: (
          <p>
            {t.rich(i.status === "pending" ? "resendBodyPending" : "resendBody", { email: i.email, b: (chunks) => <strong>{chunks}</strong> })}
          </p>
        ),
        confirmLabel: t("resend"),
        danger: i.status === "pending",
      });
      if (!ok) return;
    } else if (i.status === "pending") {
      const ok = await confirm({
        title: t("reissueTitle"),
        body: <p>{t.rich("reissueBody", { email: i.email, b: (chunks) => <strong>{chunks}</strong> })}</p>,
        confirmLabel: t("reissueConfirm"),
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
        setNotice({ kind: "success", text: inv.emailed ? t("resent", { email }) : t("reissued", { email }) });
      }
    } else setNotice({ kind: "error", text: t(emailOn ? "resendFailed" : "reissueFailed", { email: i.email, message: r.message }) });
    reload();
  }

  const actions = (i: InvitationRow) => (
    <>
      {i.status === "pending" ? (
        <button type="button" className="danger small" disabled={busyId === i.id} onClick={() => revoke(i)} aria-label={t("revokeFor", { email: i.email })}>
          {t("revoke")}
        </button>
      ) : null}
      {i.status !== "accepted" ? (
        <button
          type="button"
          className="secondary small"
          disabled={busyId === i.id}
          onClick={() => reissue(i)}
          aria-label={emailOn ? t("resendTo", { email: i.email }) : t("reissueFor", { email: i.email })}
        >
          {emailOn ? t("resend") : t("reissue")}
        </button>
      ) : null}
    </>
  );

  return (
    <>
      {dialog}
      <section className="card" aria-labelledby="invite-title">
        <h2 id="invite-title">{t("inviteTitle")}</h2>
        <InviteForm onInvited={onInvited} />
        {fresh?.emailed ? (
          <InvitationEmailed key={fresh.id} email={fresh.email} url={fresh.url} action={fresh.action} />
        ) : fresh?.url ? (
          <CopyLink key={fresh.id} email={fresh.email} url={fresh.url} action={fresh.action} kind={fresh.kind} />
        ) : null}
      </section>

      <section className="card" aria-labelledby="list-title">
        <h2 id="list-title">{t("listTitle")}</h2>
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: search.trim() || null });
          }}
        >
          <div className="wide">
            <label htmlFor="inv-q">{t("search")}</label>
            <input id="inv-q" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t("searchPlaceholder")} />
          </div>
          <div>
            <label htmlFor="inv-status">{t("status")}</label>
            <select id="inv-status" value={status} onChange={(e) => set({ status: e.target.value || null })}>
              <option value="">{t("all")}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`statusOptions.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="filter-buttons">
            <button type="submit" className="secondary">
              {t("searchButton")}
            </button>
          </div>
        </form>
        <ActionStatus notice={notice} testId="invitations-status" />
        {state.status === "ok" && state.data.email === "off" ? (
          <p className="alert info" data-testid="email-off">
            {t("emailOff")}
          </p>
        ) : null}
        <ListBody
          state={state}
          reload={reload}
          isEmpty={(d) => d.invitations.length === 0}
          empty={q || status ? t("emptyFiltered") : t("empty")}
        >
          {(data) => (
            <>
              <div className="table-wrap">
                <table className="stack" aria-label={t("tableLabel")}>
                  <thead>
                    <tr>
                      <th>{t("col.email")}</th>
                      <th>{t("col.role")}</th>
                      <th>{t("col.status")}</th>
                      <th>{t("col.delivery")}</th>
                      <th>{t("col.invitedBy")}</th>
                      <th>{t("col.when")}</th>
                      <th>
                        <span className="sr-only">{t("col.actions")}</span>
                      </th>
                    </tr>
                  </thead>
                  {groupLatest(data.invitations).map((g) => (
                    <InvitationGroup key={g.latest.id} latest={g.latest} olderOnPage={g.older} actions={actions} email={data.email} statusText={statusText} />
                  ))}
                </table>
              </div>
              <Pager cursor={cursor} nextCursor={data.next_cursor} onNext={() => set({ cursor: data.next_cursor ?? null })} onFirst={() => set({ cursor: null })} />
            </>
          )}
        </ListBody>
      </section>

      <section className="card" aria-labelledby="bulk-title">
        <h2 id="bulk-title">{t("bulkTitle")}</h2>
        <BulkInvite onDone={reload} />
      </section>
    </>
  );
}

function Row({
  i,
  actions,
  history,
  email,
  statusText,
}: {
  i: InvitationRow;
  actions: React.ReactNode;
  history?: boolean;
  email?: string;
  statusText: (status: string) => string;
}) {
  const t = useTranslations("admin.invitations");
  const tRoles = useTranslations("admin.roles");
  const by = inviter(i);
  const role = i.role === "admin" || i.role === "member" ? tRoles(i.role) : i.role;
  return (
    <tr className={history ? "history" : undefined} data-testid={history ? "history-row" : "invitation-row"}>
      <td className="cell-primary" data-label={t("col.email")}>
        {history ? <span className="muted">{t("earlier")} </span> : null}
        <EmailText email={i.email} />
        <LanguageBadge locale={i.locale} />
      </td>
      <td data-label={t("col.role")}>{i.kind === "reset" ? t("roleReset", { role }) : role}</td>
      <td data-label={t("col.status")}>
        <span className={`status ${i.status}`}>{statusText(i.status)}</span>
      </td>
      <td data-label={t("col.delivery")}>
        <DeliveryCell delivery={i.delivery} email={email} />
      </td>
      <td data-label={t("col.invitedBy")}>{by ?? <span className="muted">—</span>}</td>
      <td data-label={t("col.when")}>
        <span className="stacked-times">
          <StateTime i={i} />
          <span className="muted">
            <RelativeTime iso={i.created_at} label={(time) => t("when.sent", { time })} />
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
  statusText,
}: {
  latest: InvitationRow;
  olderOnPage: InvitationRow[];
  actions: (i: InvitationRow) => React.ReactNode;
  email?: string;
  statusText: (status: string) => string;
}) {
  const t = useTranslations("admin.invitations");
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
        statusText={statusText}
        actions={
          <>
            {actions(latest)}
            <button type="button" className="link" aria-expanded={open} onClick={toggle} aria-label={t("historyOf", { email: latest.email })}>
              {open ? t("hideHistory") : t("history")}
            </button>
          </>
        }
      />
      {open && history?.status === "loading" ? (
        <tr className="history">
          <td colSpan={7} className="loading">
            {t("loadingHistory")}
          </td>
        </tr>
      ) : null}
      {open && history?.status === "error" ? (
        <tr className="history">
          <td colSpan={7} role="status">
            {t("historyFailed", { message: history.message })}
          </td>
        </tr>
      ) : null}
      {open && history?.status === "ok" && history.rows.length === 0 ? (
        <tr className="history">
          <td colSpan={7} className="muted" role="status">
            {t("noHistory", { email: latest.email })}
          </td>
        </tr>
      ) : null}
      {open && history?.status === "ok" ? history.rows.map((h) => <Row key={h.id} i={h} actions={null} history email={email} statusText={statusText} />) : null}
    </tbody>
  );
}
