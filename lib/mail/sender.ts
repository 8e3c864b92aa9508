import type { Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { DB } from "../../db";
import { env, mailEnabled } from "../env";
import { decideForgotRequest } from "../forgot-password";
import { invitationUrl } from "../invitations";
import { logger } from "../logger";
import { renderMessage, type MessageData, type MessageKind } from "./messages";
import { cancelExpiredLinks, leaseDue, recordOutcome, type Leased } from "./outbox";
import { unseal } from "./seal";
import { describeSendError, mailTransport } from "./transport";

// The sender loop: in every instance, every MAIL_POLL_MS. Each round cancels links that expired in
// the queue, then leases due rows (lib/mail/outbox.ts leaseDue) and handles them one by one, each
// SMTP conversation outside any transaction, each outcome recorded on its lease.

export type RoundResult = { sent: number; retrying: number; failed: number; decided: number; cancelled: number };

type Send = (message: { from: string; to: string; subject: string; text: string; html: string; messageId: string }) => Promise<unknown>;

/** One round; returns what it did. `send` defaults to SMTP_URL's transport. */
export async function deliverDue(db: DB, send: Send = smtpSend(mailTransport())): Promise<RoundResult> {
  const result: RoundResult = { sent: 0, retrying: 0, failed: 0, decided: 0, cancelled: await cancelExpiredLinks(db) };
  for (;;) {
    const batch = await leaseDue(db);
    if (batch.length === 0) return result;
    for (const row of batch) {
      if (row.kind === "forgot_request") {
        await decideForgotRequest(db, row);
        result.decided++;
        continue;
      }
      const outcome = await sendOne(row, send);
      const state = await recordOutcome(db, row, outcome);
      if (state === "sent") result.sent++;
      else if (state === "retrying") result.retrying++;
      else if (state === "failed") result.failed++;
      if (state === "sent") logger.info({ outbox_id: row.id, kind: row.kind, attempts: row.attempts }, "email sent");
      else if (!outcome.sent) logger.warn({ outbox_id: row.id, kind: row.kind, attempts: row.attempts, state, reason: outcome.error }, "email not sent");
    }
  }
}

async function sendOne(row: Leased, send: Send): Promise<{ sent: true } | { sent: false; error: string; permanent: boolean }> {
  let url: string | null = null;
  if (row.kind === "invitation" || row.kind === "reset") {
    const secret = row.sealed ? unseal(row.sealed, row.id) : null;
    // AUTH_SECRET changed (and the old one is not AUTH_SECRET_PREVIOUS): the link cannot be rebuilt.
    if (secret === null) return { sent: false, error: "the link could not be decrypted (AUTH_SECRET changed?)", permanent: true };
    url = invitationUrl(secret);
  }
  const message = renderMessage(row.kind as MessageKind, row.data as MessageData, url);
  try {
    await send({ from: env().MAIL_FROM!, to: row.recipient!, messageId: row.messageId, ...message });
    return { sent: true };
  } catch (err) {
    return { sent: false, ...describeSendError(err) };
  }
}

function smtpSend(transport: Transporter<SMTPTransport.SentMessageInfo>): Send {
  return (m) => transport.sendMail({ ...m, disableFileAccess: true, disableUrlAccess: true });
}

const g = globalThis as unknown as { __mailSender?: { timer: NodeJS.Timeout; stop: () => Promise<void> } };

/** Starts this instance's loop (once); a round never overlaps the previous one. No-op while email is off. */
export function startMailSender(db: DB): void {
  if (!mailEnabled() || g.__mailSender) return;
  let running: Promise<void> | null = null;
  let stopped = false;
  const round = () => {
    if (running || stopped) return;
    running = deliverDue(db)
      .then(() => undefined)
      .catch((err) => logger.warn({ err: { message: (err as Error).message } }, "mail round failed; trying again shortly"))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(round, env().MAIL_POLL_MS);
  timer.unref();
  round();
  g.__mailSender = {
    timer,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

export async function stopMailSender(): Promise<void> {
  const s = g.__mailSender;
  g.__mailSender = undefined;
  await s?.stop();
}
