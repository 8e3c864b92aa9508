"use client";

import { useState } from "react";
import { ensureRecentPassword } from "./api-client";
import { ACTION_LABELS, auditSentence, normalizeEvent } from "./audit-sentence";
import { ListBody, Pager } from "./list-parts";
import { RelativeTime } from "./relative-time";
import { apiUrl, useApiGet, useQueryParams } from "./use-list";

type Page = { events: Record<string, unknown>[]; next_cursor?: string | null };
const FILTERS = ["action", "actor", "target", "from", "to"] as const;

export function AuditView() {
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
        <h1 id="audit-title">Audit log</h1>
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
          Export CSV
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
          <label htmlFor="audit-action">What</label>
          <select id="audit-action" value={draft.action} onChange={(e) => set({ action: e.target.value || null })}>
            <option value="">Everything</option>
            {Object.entries(ACTION_LABELS).map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-actor">Done by (email)</label>
          <input id="audit-actor" type="search" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} />
        </div>
        <div>
          <label htmlFor="audit-target">Done to (email)</label>
          <input id="audit-target" type="search" value={draft.target} onChange={(e) => setDraft({ ...draft, target: e.target.value })} />
        </div>
        <div>
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div>
          <label htmlFor="audit-to">To</label>
          <input id="audit-to" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <div className="filter-buttons">
          <button type="submit" className="secondary">
            Apply
          </button>
          {filtered ? (
            <button type="button" className="link" onClick={() => set(Object.fromEntries(FILTERS.map((k) => [k, null])))}>
              Clear
            </button>
          ) : null}
        </div>
      </form>
      <ListBody state={state} reload={reload} isEmpty={(d) => d.events.length === 0} empty={filtered ? "No events match these filters." : "Nothing has happened yet."}>
        {(data) => (
          <>
            <div className="table-wrap">
              <table className="stack" aria-label="Audit log">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>What happened</th>
                    <th>From</th>
                  </tr>
                </thead>
                <tbody>
                  {data.events.map((raw) => {
                    const e = normalizeEvent(raw);
                    return (
                      <tr key={e.id}>
                        <td data-label="When">
                          <RelativeTime iso={e.created_at} />
                        </td>
                        <td className="cell-primary" data-label="What">
                          {auditSentence(e)}
                        </td>
                        <td data-label="From" title={e.user_agent ?? undefined}>
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
