import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next";

describe("safeNextPath", () => {
  it("keeps a same-site path with its query and hash", () => {
    expect(safeNextPath("/x?y=1")).toBe("/x?y=1");
    expect(safeNextPath("/settings/profile")).toBe("/settings/profile");
    expect(safeNextPath("/a?b=c#d")).toBe("/a?b=c#d");
    expect(safeNextPath("/")).toBe("/");
  });

  it.each([
    ["protocol-relative", "//evil.com"],
    ["protocol-relative with path", "//evil.com/dashboard"],
    ["absolute https", "https://evil.com"],
    ["absolute http", "http://localhost:3000/x"],
    ["backslash", "/\\evil.com"],
    ["backslash later in the path", "/foo\\..\\\\evil.com"],
    ["javascript: URL", "javascript:alert(1)"],
    ["data: URL", "data:text/html,<script>alert(1)</script>"],
    ["relative path", "dashboard"],
    ["empty string", ""],
    ["newline", "/x\n/evil"],
    ["carriage return", "/x\r\nLocation: https://evil.com"],
    ["tab before a second slash", "/\t/evil.com"],
    ["NUL", "/x\u0000"],
    ["too long", "/" + "a".repeat(600)],
  ])("rejects %s", (_label, value) => {
    expect(safeNextPath(value)).toBe("/dashboard");
  });

  it.each([[undefined], [null], [42], [{}], [["/x"]], [true]])("rejects the non-string %j", (value) => {
    expect(safeNextPath(value)).toBe("/dashboard");
  });

  it("returns the given fallback when rejecting", () => {
    expect(safeNextPath("//evil.com", "/home")).toBe("/home");
    expect(safeNextPath("/ok", "/home")).toBe("/ok");
  });

  it("never returns a value that leaves the site", () => {
    for (const v of ["/%2F%2Fevil.com", "/.//evil.com", "/..//evil.com", "/%5Cevil.com"]) {
      const out = safeNextPath(v);
      expect(out.startsWith("/")).toBe(true);
      expect(out.startsWith("//")).toBe(false);
      expect(new URL(out, "http://localhost:3000").origin).toBe("http://localhost:3000");
    }
  });
});
