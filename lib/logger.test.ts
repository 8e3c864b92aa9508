import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  process.env.LOG_LEVEL = "info";
  const log = createLogger(stream);
  delete process.env.LOG_LEVEL;
  return { log, text: () => lines.join("") };
}

describe("logger", () => {
  it("redacts passwords, tokens, cookies and Authorization headers wherever a careless call puts them", () => {
    const { log, text } = capture();
    log.info({ password: "hunter2-hunter2", token: "link-secret-abc", onboarding_token: "eyJhbGciOi.jwt" }, "top level");
    log.info({ body: { password: "pw-in-body-123", token: "tok-in-body-456" } }, "nested");
    log.info({ req: { headers: { authorization: "Bearer secret-bearer", cookie: "session=secret-cookie" } } }, "headers");
    const out = text();
    for (const secret of ["hunter2-hunter2", "link-secret-abc", "eyJhbGciOi.jwt", "pw-in-body-123", "tok-in-body-456", "secret-bearer", "secret-cookie"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("[redacted]");
    expect(out.trim().split("\n")).toHaveLength(3);
  });
});
