// Vitest only: email on for every test of the file, against a fresh capture SMTP server each time.
import { afterEach, beforeEach } from "vitest";
import { startSmtpCapture, type SmtpCapture } from "./smtp";

/** `mail.smtp` is the current test's server; `MAIL_RETRY_SECONDS` is `retry` unless a test sets it. */
export function emailOnForEachTest(retry?: string): { smtp: SmtpCapture } {
  const mail = { smtp: null as unknown as SmtpCapture };
  beforeEach(async () => {
    mail.smtp = await startSmtpCapture();
    process.env.SMTP_URL = mail.smtp.url;
    process.env.MAIL_FROM = "Team dashboard <no-reply@example.com>";
    if (retry !== undefined) process.env.MAIL_RETRY_SECONDS = retry;
  });
  afterEach(async () => {
    await mail.smtp.close();
    delete process.env.SMTP_URL;
    delete process.env.MAIL_FROM;
    delete process.env.MAIL_RETRY_SECONDS;
  });
  return mail;
}
