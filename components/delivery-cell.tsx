import { exactTime, relativeTime } from "./relative-time";

/** An invitation's email as GET /api/invitations reports it (lib/mail/outbox.ts deliveryOf). */
export type Delivery = {
  state: "queued" | "sending" | "sent" | "retrying" | "failed" | "cancelled" | string;
  attempts: number;
  next_attempt_at?: string | null;
  sent_at?: string | null;
  error?: string | null;
};

function When({ iso, soon }: { iso: string; soon?: string }) {
  const text = relativeTime(iso);
  // A retry due within the minute reads "just now" otherwise, which sounds like the past.
  return (
    <time dateTime={iso} title={exactTime(iso)} suppressHydrationWarning>
      {soon && text === "just now" ? soon : text}
    </time>
  );
}

/** What happened to an invitation's email, in a few words; `email` is the list's "on" | "off". */
export function DeliveryCell({ delivery, email }: { delivery: Delivery | null | undefined; email?: string }) {
  if (!delivery) return <span className="delivery muted">{email === "off" ? "Email off" : "Link only"}</span>;
  const error = delivery.error?.trim() || null;
  switch (delivery.state) {
    case "sent":
      return (
        <span className="delivery sent">
          Emailed{delivery.sent_at ? (
            <>
              {" "}
              <When iso={delivery.sent_at} />
            </>
          ) : null}
        </span>
      );
    case "queued":
      return <span className="delivery">Queued</span>;
    case "sending":
      return <span className="delivery">Sending…</span>;
    case "retrying":
      return (
        <span className="delivery retrying">
          Retrying{delivery.next_attempt_at ? (
            <>
              {" — next try "}
              <When iso={delivery.next_attempt_at} soon="in under a minute" />
            </>
          ) : null}
          {error ? ` (${error})` : null}
        </span>
      );
    case "failed":
      return (
        <span className="delivery failed">
          <strong>Not delivered</strong>
          {error ? `: ${error}` : ""}
        </span>
      );
    case "cancelled":
      return <span className="delivery cancelled muted">Not sent{error ? `: ${error}` : ""}</span>;
    default:
      return <span className="delivery muted">{delivery.state}</span>;
  }
}
