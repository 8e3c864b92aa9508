"use client";

import { useTranslations } from "next-intl";
import type { ListState } from "./use-list";

export type Notice = { kind: "success" | "error"; text: string } | null;

/** The announced outcome of an action, shown where the action was taken. */
export function ActionStatus({ notice, testId }: { notice: Notice; testId?: string }) {
  return (
    <div role="status" aria-live="polite" data-testid={testId}>
      {notice ? <p className={`alert ${notice.kind}`}>{notice.text}</p> : null}
    </div>
  );
}

/** Loading, error (with a retry) and empty states for a list; renders `children` when there is data. */
export function ListBody<T>({
  state,
  isEmpty,
  empty,
  reload,
  children,
}: {
  state: ListState<T>;
  isEmpty: (data: T) => boolean;
  empty: React.ReactNode;
  reload: () => void;
  children: (data: T) => React.ReactNode;
}) {
  const t = useTranslations("admin.list");
  if (state.status === "loading")
    return (
      <p className="loading" aria-busy="true">
        {t("loading")}
      </p>
    );
  if (state.status === "error")
    return (
      <div className="alert error" role="alert">
        <p className="alert-title">{t("loadFailed")}</p>
        <p>{state.unavailable ? t("notAvailable") : state.message}</p>
        <button type="button" className="secondary small" onClick={reload}>
          {t("retry")}
        </button>
      </div>
    );
  if (isEmpty(state.data)) return <p className="empty">{empty}</p>;
  return <>{children(state.data)}</>;
}

export function Pager({ cursor, nextCursor, onNext, onFirst }: { cursor: string; nextCursor: string | null | undefined; onNext: () => void; onFirst: () => void }) {
  const t = useTranslations("admin.list");
  if (!cursor && !nextCursor) return null;
  return (
    <nav className="pager" aria-label={t("pages")}>
      {cursor ? (
        <button type="button" className="secondary small" onClick={onFirst}>
          {t("firstPage")}
        </button>
      ) : (
        <span />
      )}
      {nextCursor ? (
        <button type="button" className="secondary small" onClick={onNext}>
          {t("nextPage")}
        </button>
      ) : null}
    </nav>
  );
}
