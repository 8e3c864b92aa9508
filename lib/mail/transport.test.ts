import os from "node:os";
import type { AddressInfo } from "node:net";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { env } from "../env";
import { describeSendError, isLoopbackHost, transportOptions } from "./transport";

describe("transportOptions: TLS is required except on a loopback host", () => {
  it("smtp:// to a remote host must upgrade with STARTTLS; smtps:// is TLS from the start", () => {
    expect(transportOptions("smtp://user:p%40ss@mail.example.com")).toMatchObject({
      host: "mail.example.com",
      port: 587,
      secure: false,
      requireTLS: true,
      auth: { user: "user", pass: "p@ss" },
      logger: false,
      debug: false,
    });
    expect(transportOptions("smtps://user:pass@mail.example.com")).toMatchObject({ port: 465, secure: true, requireTLS: false });
    expect(transportOptions("smtp://mail.example.com:2525")).toMatchObject({ port: 2525, requireTLS: true, auth: undefined });
  });

  it("only loopback hosts may be spoken to in clear", () => {
    for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "LOCALHOST"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["10.0.0.1", "mail.example.com", "localhost.example.com", "0.0.0.0", "[::ffff:7f00:1]"]) expect(isLoopbackHost(h), h).toBe(false);
    expect(transportOptions("smtp://u:p@127.0.0.1:2525").requireTLS).toBe(false);
    expect(transportOptions("smtp://u:p@[::1]:2525")).toMatchObject({ host: "::1", requireTLS: false });
  });
});

describe("a server that does not offer STARTTLS (stripped by a man in the middle)", () => {
  let server: SMTPServer | null = null;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

  it.skipIf(!address)("gets neither the SMTP password nor the message: the send fails before AUTH", async () => {
    let authTried = false;
    let dataSent = false;
    server = new SMTPServer({
      disabledCommands: ["STARTTLS"],
      logger: false,
      onAuth(_a, _s, cb) {
        authTried = true;
        cb(null, { user: "x" });
      },
      onData(stream, _s, cb) {
        dataSent = true;
        stream.resume();
        stream.on("end", () => cb());
      },
    });
    await new Promise<void>((r) => server!.listen(0, address, () => r()));
    const port = (server.server.address() as AddressInfo).port;
    const transport = nodemailer.createTransport(transportOptions(`smtp://mailer:very-secret-password@${address}:${port}`));
    const err = await transport.sendMail({ from: "a@example.com", to: "b@example.com", subject: "s", text: "t" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(authTried).toBe(false);
    expect(dataSent).toBe(false);
    const described = describeSendError(err);
    expect(described.permanent).toBe(false);
    expect(described.error).not.toContain("very-secret-password");
    transport.close();
  });
});

describe("describeSendError", () => {
  it("gives a short reason, never the server's words, and calls only 5xx permanent", () => {
    expect(describeSendError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ESOCKET" }))).toEqual({ error: "the mail server could not be reached", permanent: false });
    expect(describeSendError(Object.assign(new Error("Invalid login: 535 nope smtp://u:pw@h"), { code: "EAUTH", responseCode: 535 }))).toEqual({ error: "SMTP authentication failed", permanent: false });
    expect(describeSendError(Object.assign(new Error("550 no such user bob@x.test"), { code: "EENVELOPE", responseCode: 550 }))).toEqual({ error: "the mail server refused the message (550)", permanent: true });
    expect(describeSendError(Object.assign(new Error("451 later"), { code: "EMESSAGE", responseCode: 451 }))).toEqual({ error: "the mail server deferred the message (451)", permanent: false });
    expect(describeSendError("weird")).toEqual({ error: "sending failed", permanent: false });
  });
});

describe("configuration", () => {
  afterEach(() => {
    delete process.env.SMTP_URL;
    delete process.env.MAIL_RETRY_SECONDS;
  });
  it("SMTP_URL must be smtp:// or smtps://; MAIL_RETRY_SECONDS a list of whole seconds", () => {
    process.env.SMTP_URL = "http://mail.example.com";
    expect(() => env()).toThrow(/SMTP_URL/);
    process.env.SMTP_URL = "smtps://u:p@mail.example.com:465";
    expect(env().SMTP_URL).toBe("smtps://u:p@mail.example.com:465");
    process.env.MAIL_RETRY_SECONDS = "1, 2,3";
    expect(env().MAIL_RETRY_SECONDS).toEqual([1, 2, 3]);
    for (const bad of ["1,,2", "-1", "1.5", "x"]) {
      process.env.MAIL_RETRY_SECONDS = bad;
      expect(() => env(), bad).toThrow(/MAIL_RETRY_SECONDS/);
    }
    delete process.env.MAIL_RETRY_SECONDS;
    expect(env().MAIL_RETRY_SECONDS).toEqual([60, 300, 1800, 7200, 21600]);
  });
});
