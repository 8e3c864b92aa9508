"use client";

import { useTranslations } from "next-intl";

export default function DashboardError({ reset }: { error: Error; reset: () => void }) {
  const t = useTranslations("common.error");
  return (
    <section className="card">
      <div className="alert error" role="alert">
        <p className="alert-title">{t("title")}</p>
        <p>{t("body")}</p>
      </div>
      <div className="actions">
        <button type="button" onClick={reset}>
          {t("retry")}
        </button>
        <a href="/dashboard">{t("back")}</a>
      </div>
    </section>
  );
}
