import { describe, expect, it } from "vitest";
import { csvCell, toCsv } from "./csv";

describe("csvCell", () => {
  it("quotes every cell and doubles quotes", () => {
    expect(csvCell("a@x.io")).toBe('"a@x.io"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });

  it.each(["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])("neutralizes a formula-looking %j with a leading '", (v) => {
    expect(csvCell(v)).toBe(`"'${v}"`);
  });

  it("leaves ordinary values alone", () => {
    expect(csvCell("http://localhost/onboarding?token=abc-_")).toBe('"http://localhost/onboarding?token=abc-_"');
  });
});

describe("toCsv", () => {
  it("writes a header and rows with CRLF", () => {
    expect(toCsv(["email", "link"], [["=a@x.io", "http://l/1"]])).toBe('"email","link"\r\n"\'=a@x.io","http://l/1"\r\n');
  });
});
