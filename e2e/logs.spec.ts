import { expect, test } from "@playwright/test";
import { runJourney } from "./support/journey";
import { startServer } from "./support/server";
import { startSmtpCapture } from "../lib/testing/smtp";

// The whole journey with request logging on, and email on (the invitation is mailed too); afterwards,
// no secret it used may appear anywhere in the server's output (the first-admin link is not part of
// this run: the admin has a password), nor the SMTP password, nor any mailed link.
test("no token, password or cookie reaches the server's output", async ({ browser }) => {
  test.setTimeout(180_000);
  const admin = { email: "admin@logs.test", password: "Saffron-Kettle-Bridge-53" };
  const smtp = await startSmtpCapture();
  const smtpPassword = "Smtp-Password-For-Logs-7";
  const server = await startServer({
    port: 3241,
    dataDir: ".data/e2e-logs",
    env: {
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: "debug",
      SMTP_URL: smtp.url.replace("mail-password", smtpPassword),
      MAIL_FROM: "no-reply@logs.test",
      MAIL_POLL_MS: "200",
    },
  });
  let output = "";
  let secrets: string[] = [];
  try {
    const result = await runJourney(browser, server.url, admin);
    secrets = result.secrets;
    // A failed login and a bad claim too: error paths log as well.
    await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify({ email: admin.email, password: "Wrong-Password-For-Logs-1" }),
    });
    secrets.push("Wrong-Password-For-Logs-1");
    // The invitation's email and the inviter's notice.
    const mails = await smtp.waitFor(2);
    for (const m of mails) if (m.link) secrets.push(new URL(m.link).searchParams.get("token")!);
    secrets.push(smtpPassword);
  } finally {
    await server.stop();
    await smtp.close();
    output = server.output();
  }
  expect(output).toContain("email sent");
  expect(secrets.length).toBeGreaterThanOrEqual(6);
  expect(output).toContain('"route":"/onboarding"');
  expect(output).toContain('"route":"/api/onboarding/claim_token"');
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThanOrEqual(12);
    expect(output.includes(secret), `a secret of length ${secret.length} appears in the server output`).toBe(false);
  }
  expect(output).not.toMatch(/token=/);
});
