import bcrypt from "bcryptjs";
import { afterEach, describe, expect, it } from "vitest";
import { bcryptCost, dummyHash, hashPassword, verifyPassword } from "./password";

const savedCost = process.env.BCRYPT_COST;
afterEach(() => {
  if (savedCost === undefined) delete process.env.BCRYPT_COST;
  else process.env.BCRYPT_COST = savedCost;
});

describe("hashPassword / verifyPassword", () => {
  it("round-trips, and rejects another password", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/);
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", hash)).toBe(false);
    expect(await verifyPassword("Correct horse battery staple", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("salts: the same password hashes differently each time, and both verify", async () => {
    const [a, b] = await Promise.all([hashPassword("same password here"), hashPassword("same password here")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password here", a)).toBe(true);
    expect(await verifyPassword("same password here", b)).toBe(true);
  });

  it("does not store the password in the hash", async () => {
    const hash = await hashPassword("PlainTextShouldNotAppear");
    expect(hash).not.toContain("PlainTextShouldNotAppear");
  });

  it("tells apart two passwords longer than 72 bytes that share their first 72 bytes", async () => {
    const prefix = "p".repeat(72);
    const a = `${prefix}-first-tail`;
    const b = `${prefix}-second-tail`;
    expect(Buffer.byteLength(a)).toBeGreaterThan(72);
    // The premise: raw bcrypt truncates at 72 bytes, so without the pre-hash these would collide.
    const raw = await bcrypt.hash(a, 4);
    expect(await bcrypt.compare(b, raw)).toBe(true);

    const hash = await hashPassword(a);
    expect(await verifyPassword(a, hash)).toBe(true);
    expect(await verifyPassword(b, hash)).toBe(false);
    expect(await verifyPassword(prefix, hash)).toBe(false);
  });

  it("tells apart multi-byte passwords that share their first 72 UTF-8 bytes", async () => {
    const prefix = "é".repeat(36); // 72 bytes
    expect(Buffer.byteLength(prefix)).toBe(72);
    const hash = await hashPassword(`${prefix}a`);
    expect(await verifyPassword(`${prefix}a`, hash)).toBe(true);
    expect(await verifyPassword(`${prefix}b`, hash)).toBe(false);
  });

  it("treats NFC and NFD spellings of the same text as the same password", async () => {
    const nfc = "caf\u00e9-Velvet-Harbor"; // é as one code point
    const nfd = "cafe\u0301-Velvet-Harbor"; // e + combining acute
    expect(nfc).not.toBe(nfd);
    expect(nfc.normalize("NFC")).toBe(nfd.normalize("NFC"));
    const fromNfc = await hashPassword(nfc);
    const fromNfd = await hashPassword(nfd);
    expect(await verifyPassword(nfd, fromNfc)).toBe(true);
    expect(await verifyPassword(nfc, fromNfd)).toBe(true);
    expect(await verifyPassword("cafe-Velvet-Harbor", fromNfc)).toBe(false);
  });

  it("returns false (does not throw) for a malformed hash", async () => {
    await expect(verifyPassword("whatever", "not-a-bcrypt-hash")).resolves.toBe(false);
  });
});

describe("BCRYPT_COST", () => {
  it("defaults to 4 in tests", async () => {
    expect(bcryptCost()).toBe(4);
    expect(await hashPassword("cost check password")).toMatch(/^\$2b\$04\$/);
  });

  it("sets the cost recorded in the hash", async () => {
    process.env.BCRYPT_COST = "5";
    expect(bcryptCost()).toBe(5);
    const h5 = await hashPassword("cost check password");
    expect(h5).toMatch(/^\$2b\$05\$/);
    expect(bcrypt.getRounds(h5)).toBe(5);
    process.env.BCRYPT_COST = "6";
    expect(await hashPassword("cost check password")).toMatch(/^\$2b\$06\$/);
    // A hash keeps verifying whatever the current cost is.
    expect(await verifyPassword("cost check password", h5)).toBe(true);
  });

  it("an explicit cost argument wins over the environment", async () => {
    process.env.BCRYPT_COST = "6";
    expect(await hashPassword("cost check password", 4)).toMatch(/^\$2b\$04\$/);
  });

  it("rejects an out-of-range BCRYPT_COST", () => {
    process.env.BCRYPT_COST = "3";
    expect(() => bcryptCost()).toThrow(/BCRYPT_COST/);
    process.env.BCRYPT_COST = "16";
    expect(() => bcryptCost()).toThrow(/BCRYPT_COST/);
  });
});

describe("dummyHash", () => {
  it("is a real bcrypt hash at the current cost that matches no ordinary password", async () => {
    const h = await dummyHash();
    expect(h).toMatch(/^\$2b\$04\$/);
    expect(await dummyHash()).toBe(h); // cached per cost
    expect(await verifyPassword("", h)).toBe(false);
    expect(await verifyPassword("not-a-real-password-", h)).toBe(false);
    expect(await dummyHash(5)).toMatch(/^\$2b\$05\$/);
  });
});
