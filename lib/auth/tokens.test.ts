import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { constantTimeEqual, randomSecret, SECRET_PATTERN, sha256Hex } from "./tokens";

describe("randomSecret", () => {
  it("returns at least 43 base64url characters (32 bytes) with no padding", () => {
    const s = randomSecret();
    expect(s.length).toBeGreaterThanOrEqual(43);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(s).not.toContain("=");
    expect(Buffer.from(s, "base64url")).toHaveLength(32);
    expect(SECRET_PATTERN.test(s)).toBe(true);
  });

  it("scales with the requested byte count", () => {
    const s = randomSecret(48);
    expect(s).toHaveLength(64);
    expect(Buffer.from(s, "base64url")).toHaveLength(48);
  });

  it("refuses fewer than 32 bytes", () => {
    expect(() => randomSecret(16)).toThrow(/at least 32 bytes/);
    expect(() => randomSecret(31)).toThrow();
  });

  it("never repeats", () => {
    const seen = new Set(Array.from({ length: 1000 }, () => randomSecret()));
    expect(seen.size).toBe(1000);
  });
});

describe("sha256Hex", () => {
  it("matches known SHA-256 vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashes the UTF-8 bytes of the string", () => {
    expect(sha256Hex("é")).toBe(createHash("sha256").update(Buffer.from([0xc3, 0xa9])).digest("hex"));
    expect(sha256Hex("é")).not.toBe(sha256Hex("e\u0301"));
  });

  it("returns 64 lowercase hex characters", () => {
    expect(sha256Hex(randomSecret())).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("constantTimeEqual", () => {
  it("is true for equal strings", () => {
    const s = randomSecret();
    expect(constantTimeEqual(s, `${s}`)).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("héllo", "héllo")).toBe(true);
  });

  it("is false for strings of equal length that differ", () => {
    expect(constantTimeEqual("abcdef", "abcdeg")).toBe(false);
    expect(constantTimeEqual("Abcdef", "abcdef")).toBe(false);
  });

  it("is false (and does not throw) for strings of different lengths", () => {
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
    expect(constantTimeEqual("", "a")).toBe(false);
  });

  it("compares bytes, not UTF-16 units: same length in JS but different UTF-8 bytes", () => {
    // "é" (2 UTF-8 bytes) vs "e" (1): same .length, different byte length.
    expect(constantTimeEqual("é", "e")).toBe(false);
  });
});
