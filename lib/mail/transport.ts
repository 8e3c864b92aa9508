import nodemailer, { type Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { env } from "../env";

// SMTP through nodemailer. TLS is required: smtps:// speaks TLS from the first byte; smtp:// must
// upgrade with STARTTLS (requireTLS), so a server (or a man in the middle) that hides STARTTLS gets
// neither the SMTP password nor a link. Only a loopback host may be spoken to in clear.

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

export function transportOptions(smtpUrl: string): SMTPTransport.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  const loopback = isLoopbackHost(url.hostname);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && !loopback,
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // Never log the conversation: it carries the password (AUTH) and the links (DATA).
    logger: false,
    debug: false,
  };
}

const g = globalThis as unknown as { __mailTransport?: { url: string; transport: Transporter<SMTPTransport.SentMessageInfo> } };

/** One transport per SMTP_URL (tests change it at run time). */
export function mailTransport(): Transporter<SMTPTransport.SentMessageInfo> {
  const url = env().SMTP_URL;
  if (!url) throw new Error("email is off (SMTP_URL is not set)");
  if (g.__mailTransport?.url !== url) {
    g.__mailTransport?.transport.close();
    g.__mailTransport = { url, transport: nodemailer.createTransport(transportOptions(url)) };
  }
  return g.__mailTransport.transport;
}

/**
 * A short reason an admin can act on, never the server's own words (which could quote an address or
 * a line of the message) nor anything from SMTP_URL. Permanent: the server refused the message or the
 * recipient for good (5xx); anything else is retried.
 */
export function describeSendError(err: unknown): { error: string; permanent: boolean } {
  const e = err as { code?: string; responseCode?: number; command?: string };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const status = typeof e?.responseCode === "number" ? e.responseCode : undefined;
  if (code === "EAUTH") return { error: "SMTP authentication failed", permanent: false };
  if (code === "ETLS" || code === "ESOCKET" && /tls|ssl|certificate/i.test(String((err as Error)?.message))) return { error: "TLS could not be established", permanent: false };
  if (code === "ETIMEDOUT") return { error: "the mail server timed out", permanent: false };
  if (code === "ECONNECTION" || code === "ESOCKET" || code === "EDNS") return { error: "the mail server could not be reached", permanent: false };
  if (status !== undefined) {
    return status >= 500
      ? { error: `the mail server refused the message (${status})`, permanent: true }
      : { error: `the mail server deferred the message (${status})`, permanent: false };
  }
  return { error: `sending failed${code ? ` (${code})` : ""}`, permanent: false };
}
