// What each email says: plain text and HTML, no remote images, no tracking. Built from an outbox
// row's `data` (never a secret) and, for a link, the URL opened from its sealed secret at send time.
// Every sentence comes from messages/<locale>/email.json, in the row's `locale` (lib/mail/outbox.ts
// enqueueMail decides it when the row is written; a row queued before languages existed has none and
// is English).

import { DEFAULT_LOCALE, isLocale, type Locale } from "../i18n/locales";
import { translate, type MessageKey, type MessageValues } from "../i18n/translate";

export type MessageKind = "invitation" | "reset" | "invitation_accepted" | "password_changed" | "reset_claimed";

export type MessageData = {
  app: string;
  /** The recipient's address as shown. */
  email: string;
  /** The language it is written in (absent on rows queued before there was a choice: English). */
  locale?: Locale;
  role?: "admin" | "member";
  /** The inviting (or resetting) admin's address; null: the command line, or the sign-in page. */
  by?: string | null;
  /** For a reset: who asked. */
  requested?: "admin" | "self_service";
  expires_at?: string;
  /** For a notice: whose invitation was accepted, and when things happened. */
  invitee?: string;
  at?: string;
};

export type RenderedMessage = { subject: string; text: string; html: string };

// The conventions each language's dates follow (British English: "Monday, 30 November 2026").
const DATE_LOCALE: Record<Locale, string> = { en: "en-GB", de: "de-DE" };

/**
 * "Monday, 30 November 2026, 14:05 UTC" / "Montag, 30. November 2026, 14:05 Uhr (UTC)": absolute,
 * in UTC, the same for every reader of a language.
 */
export function utcTime(iso: string, locale: Locale = DEFAULT_LOCALE): string {
  const d = new Date(iso);
  const tag = DATE_LOCALE[locale];
  const date = new Intl.DateTimeFormat(tag, { timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(d);
  const time = new Intl.DateTimeFormat(tag, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
  return translate(locale, "email.time", { date, time });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

type Block = { p: string } | { link: string; label: string } | { small: string };

function render(locale: Locale, subject: string, blocks: Block[]): RenderedMessage {
  const text = blocks
    .map((b) => ("p" in b ? b.p : "link" in b ? `${b.label}:\n${b.link}` : b.small))
    .join("\n\n");
  const html = [
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="margin:0;padding:24px;background:#f6f7f9;color:#111827;font:16px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif">`,
    `<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:24px">`,
    ...blocks.map((b) =>
      "p" in b
        ? `<p style="margin:0 0 16px">${escapeHtml(b.p)}</p>`
        : "link" in b
          ? `<p style="margin:0 0 16px"><a href="${escapeHtml(b.link)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(b.label)}</a></p>` +
            `<p style="margin:0 0 16px;font-size:13px;color:#4b5563">${escapeHtml(translate(locale, "email.paste_link"))}<br><span style="word-break:break-all">${escapeHtml(b.link)}</span></p>`
          : `<p style="margin:0 0 16px;font-size:13px;color:#4b5563">${escapeHtml(b.small)}</p>`,
    ),
    `</div></body></html>`,
  ].join("");
  return { subject, text: `${text}\n`, html };
}

/** The language of a row's data: its `locale`, else English. */
export function messageLocale(d: Pick<MessageData, "locale">): Locale {
  return isLocale(d.locale) ? d.locale : DEFAULT_LOCALE;
}

export function renderMessage(kind: MessageKind, d: MessageData, url: string | null): RenderedMessage {
  const locale = messageLocale(d);
  const t = (key: MessageKey, values?: MessageValues) => translate(locale, key, values);
  const when = (iso: string) => utcTime(iso, locale);
  const role = t(d.role === "admin" ? "email.role.admin" : "email.role.member");
  const hello = { p: t("email.greeting") };
  switch (kind) {
    case "invitation":
      return render(locale, t("email.invitation.subject", { app: d.app }), [
        hello,
        { p: d.by ? t("email.invitation.invited_by", { by: d.by, app: d.app, role, email: d.email }) : t("email.invitation.invited", { app: d.app, role, email: d.email }) },
        { link: url!, label: t("email.invitation.action") },
        { p: t("email.invitation.expiry", { expires: when(d.expires_at!) }) },
        { small: t("email.invitation.unexpected") },
      ]);
    case "reset": {
      const account = { app: d.app, email: d.email };
      const who =
        d.requested === "self_service"
          ? t("email.reset.self_service", account)
          : d.by
            ? t("email.reset.by_admin", { ...account, by: d.by })
            : t("email.reset.by_unknown_admin", account);
      return render(locale, t("email.reset.subject", { app: d.app }), [
        hello,
        { p: who },
        { link: url!, label: t("email.reset.action") },
        { p: t("email.reset.expiry", { expires: when(d.expires_at!) }) },
        { small: t("email.reset.unexpected") },
      ]);
    }
    case "invitation_accepted":
      return render(locale, t("email.invitation_accepted.subject", { invitee: d.invitee!, app: d.app }), [
        hello,
        { p: t("email.invitation_accepted.body", { invitee: d.invitee!, app: d.app, role, at: when(d.at!) }) },
        { small: t("email.invitation_accepted.why") },
      ]);
    case "password_changed":
      return render(locale, t("email.password_changed.subject", { app: d.app }), [
        hello,
        { p: t("email.password_changed.body", { app: d.app, email: d.email, at: when(d.at!) }) },
        { p: t("email.password_changed.not_you") },
      ]);
    case "reset_claimed":
      return render(locale, t("email.reset_claimed.subject", { app: d.app }), [
        hello,
        { p: t("email.reset_claimed.body", { app: d.app, email: d.email, at: when(d.at!) }) },
        { p: t("email.reset_claimed.not_you") },
      ]);
  }
}
