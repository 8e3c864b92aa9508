// A real SMTP server in the test's own process (smtp-server), on a free loopback port: what the app
// sends arrives here, parsed (mailparser). Used by the integration tests and the Playwright specs.
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export type Captured = {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  raw: string;
  /** The first link to /onboarding in the text part. */
  link: string | null;
};

export type SmtpCapture = {
  url: string;
  port: number;
  messages: Captured[];
  /** Every later message is refused with this SMTP status (e.g. 451 try later, 550 no such user), or accepted again (null). */
  refuseWith(status: number | null): void;
  waitFor(n: number, timeoutMs?: number): Promise<Captured[]>;
  close(): Promise<void>;
};

export async function startSmtpCapture(port = 0): Promise<SmtpCapture> {
  const messages: Captured[] = [];
  let refuse: number | null = null;
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback (the app allows clear text only to a loopback host).
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(_auth, _session, cb) {
      cb(null, { user: "test" });
    },
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if (refuse !== null) {
          const err = Object.assign(new Error("refused by the test"), { responseCode: refuse });
          return cb(err);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        const parsed = await simpleParser(raw);
        const text = parsed.text ?? "";
        const to = Array.isArray(parsed.to) ? parsed.to.map((t) => t.text).join(", ") : (parsed.to?.text ?? "");
        messages.push({
          to,
          from: parsed.from?.text ?? "",
          subject: parsed.subject ?? "",
          text,
          html: typeof parsed.html === "string" ? parsed.html : "",
          messageId: parsed.messageId ?? "",
          raw,
          link: /https?:\/\/\S+\/onboarding\?token=[A-Za-z0-9_-]+/.exec(text)?.[0] ?? null,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://mailer:mail-password@127.0.0.1:${actual}`,
    port: actual,
    messages,
    refuseWith(status) {
      refuse = status;
    },
    async waitFor(n, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > end) throw new Error(`expected ${n} message(s), got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
