"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { ensureRecentPassword } from "./api-client";
import { ACTION_CODES, actionLabel, auditSentence, normalizeEvent } from "./audit-sentence";
import { ListBody, Pager } from "./list-parts";
import { RelativeTime } from "./relative-time";
import { apiUrl, useApiGet, useQueryParams } from "./use-list";

type Page = { events: Record<string, unknown>[]; next_cursor?: string | null };
const FILTERS = ["action", "actor", "target", "from", "to"] as const;

export function AuditView() {
  const t = useTranslations("audit");
  const { get, set } = useQueryParams();
  const values = Object.fromEntries(FILTERS.map((k) => [k, get(k)])) as Record<(typeof FILTERS)[number], string>;
  const cursor = get("cursor");
  const { state, reload } = useApiGet<Page>(apiUrl("/api/audit", { ...values, cursor, limit: "50" }));
  const [draft, setDraft] = useState(values);
  const [shown, setShown] = useState(JSON.stringify(values));
  if (JSON.stringify(values) !== shown) {
    setShown(JSON.stringify(values));
    setDraft(values);
  }
  const exportHref = apiUrl("/api/audit/export", values);
  const filtered = FILTERS.some((k) => values[k]);

  return (
    <section className="card" aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">{t("page.title")}</h1>
        <a
          className="button secondary"
          href={exportHref}
          download
          onClick={async (e) => {
            // The export needs a recent password (lib/authz.ts REAUTH): ask first if this session has
            // not proven it lately, then start the same download.
            if (e.currentTarget.dataset.confirmed === "1") {
              delete e.currentTarget.dataset.confirmed;
              return;
            }
            e.preventDefault();
            const link = e.currentTarget;
            if (await ensureRecentPassword()) {
              link.dataset.confirmed = "1";
              link.click();
            }
          }}
        >
          {t("page.export")}
        </a>
      </div>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          set(Object.fromEntries(FILTERS.map((k) => [k, draft[k].trim() || null])));
        }}
      >
        <div>
          <label htmlFor="audit-action">{t("page.what")}</label>
          <select id="audit-action" value={draft.action} onChange={(e) => set({ action: e.target.value || null })}>
            <option value="">{t("page.everything")}</option>
            {ACTION_CODES.map((code) => (
              <option key={code} value={code}>
                {actionLabel(t, code)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-actor">{t("page.actor")}</label>
          <input id="audit-actor" type="search" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} />
        </div>
        <div>
          <label htmlFor="audit-target">{t("page.target")}</label>
          <input id="audit-target" type="search" value={draft.target} onChange={(e) => setDraft({ ...draft, target: e.target.value })} />
        </div>
        <div>
          <label htmlFor="audit-from">{t("page.from")}</label>
          <input id="audit-from" type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div>
          <label htmlFor="audit-to">{t("page.to")}</label>
          <input id="audit-to" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <div className="filter-buttons">
          <button type="submit" className="secondary">
            {t("page.apply")}
          </button>
          {filtered ? (
            <button type="button" className="link" onClick={() => set(Object.fromEntries(FILTERS.map((k) => [k, null])))}>
              {t("page.clear")}
            </button>
          ) : null}
        </div>
      </form>
      <ListBody state={state} reload={reload} isEmpty={(d) => d.events.length === 0} empty={filtered ? t("page.emptyFiltered") : t("page.empty")}>
        {(data) => (
          <>
            <div className="table-wrap">
              <table className="stack" aria-label={t("page.tableLabel")}>
                <thead>
                  <tr>
                    <th>{t("page.colWhen")}</th>
                    <th>{t("page.colWhat")}</th>
                    <th>{t("page.colFrom")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.events.map((raw) => {
                    const e = normalizeEvent(raw);
                    return (
                      <tr key={e.id}>
                        <td data-label={t("page.colWhen")}>
                          <RelativeTime iso={e.created_at} exact />
                        </td>
                        <td className="cell-primary" data-label={t("page.colWhatShort")}>
                          {auditSentence(e, t)}
                        </td>
                        <td data-label={t("page.colFrom")} title={e.user_agent ?? undefined}>
                          {e.ip ?? <span className="muted">—</span>}
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
  );
}
