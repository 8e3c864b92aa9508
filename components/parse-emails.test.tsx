// A .tsx name so the dom project (components/**/*.test.tsx) runs it; the parser needs no DOM.
import { describe, expect, it } from "vitest";
import { parseEmailList } from "./parse-emails";

describe("parseEmailList", () => {
  it("splits on new lines, commas and semicolons and trims", () => {
    expect(parseEmailList("a@x.io\nb@x.io, c@x.io;d@x.io\r\n  e@x.io  ")).toEqual(["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"]);
  });

  it("takes the address out of Name <addr>", () => {
    expect(parseEmailList("Grace Hopper <grace@x.io>; Alan <alan@x.io>")).toEqual(["grace@x.io", "alan@x.io"]);
  });

  it("does not split inside quotes or angle brackets", () => {
    expect(parseEmailList('"Hopper, Grace" <grace@x.io>, "Turing; Alan" <alan@x.io>')).toEqual(["grace@x.io", "alan@x.io"]);
  });

  it("drops empty entries and blank lines", () => {
    expect(parseEmailList(",,;\n\n a@x.io ,\n;")).toEqual(["a@x.io"]);
    expect(parseEmailList("")).toEqual([]);
    expect(parseEmailList("   \n  ")).toEqual([]);
  });

  it("strips quotes and mailto:", () => {
    expect(parseEmailList("'a@x.io', \"b@x.io\", mailto:c@x.io, <d@x.io>")).toEqual(["a@x.io", "b@x.io", "c@x.io", "d@x.io"]);
  });

  it("keeps order and duplicates (the server reports duplicates) and passes junk through for the server to refuse", () => {
    expect(parseEmailList("a@x.io\nA@x.io\nnot an address")).toEqual(["a@x.io", "A@x.io", "not an address"]);
  });

  it("keeps Unicode addresses as typed", () => {
    expect(parseEmailList("Οδός <ΟΔΟΣ@παράδειγμα.ελ>")).toEqual(["ΟΔΟΣ@παράδειγμα.ελ"]);
  });
});
