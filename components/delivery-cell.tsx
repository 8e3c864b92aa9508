"use client";

import { useTranslations } from "next-intl";
import { RelativeTime } from "./relative-time";

/** An invitation's email as GET /api/invitations reports it (lib/mail/outbox.ts deliveryOf). */
export type Delivery = {
  state: "queued" | "sending" | "sent" | "retrying" | "failed" | "cancelled" | string;
  attempts: number;
  next_attempt_at?: string | null;
  sent_at?: string | null;
  error?: string | null;
};

/**
 * What happened to an invitation's email, in a few words; `email` is the list's "on" | "off". The
 * error text comes from the mail server and is shown as it is.
 */
export function DeliveryCell({ delivery, email }: { delivery: Delivery | null | undefined; email?: string }) {
  const t = useTranslations("admin.delivery");
  if (!delivery) return <span className="delivery muted">{email === "off" ? t("emailOff") : t("linkOnly")}</span>;
  const error = delivery.error?.trim() || null;
  switch (delivery.state) {
    case "sent":
      return (
        <span className="delivery sent">
          {delivery.sent_at ? <RelativeTime iso={delivery.sent_at} label={(time) => t("sentAt", { time })} /> : t("sent")}
        </span>
      );
    case "queued":
      return <span className="delivery">{t("queued")}</span>;
    case "sending":
      return <span className="delivery">{t("sending")}</span>;
    case "retrying": {
      const next = delivery.next_attempt_at ? (
        <RelativeTime iso={delivery.next_attempt_at} soon={t("underAMinute")} label={(time) => t("nextTry", { time })} />
      ) : null;
      return (
        <span className="delivery retrying">
          {t("retrying")}
          {next ? <> {next}</> : null}
          {error ? ` ${t("reasonInParentheses", { error })}` : null}
        </span>
      );
    }
    case "failed":
      return (
        <span className="delivery failed">
          <strong>{t("failed")}</strong>
          {error ? t("reasonAfterColon", { error }) : ""}
        </span>
      );
    case "cancelled":
      return <span className="delivery cancelled muted">{error ? t("cancelledWhy", { error }) : t("cancelled")}</span>;
    default:
      return <span className="delivery muted">{delivery.state}</span>;
  }
}
