import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { env, freezeEnv, inviteDomains, rateLimitOverride } from "./env";
import { hit, LIMITS } from "./rate-limit";

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

describe("env", () => {
  it("derives APP_URL from PORT when APP_URL is unset", () => {
    delete process.env.APP_URL;
    process.env.PORT = "4123";
    expect(env().APP_URL).toBe("http://localhost:4123");
    process.env.APP_URL = "https://dash.example.com";
    expect(env().APP_URL).toBe("https://dash.example.com");
  });

  it("once frozen (the production server, at startup), keeps what it read and reads process.env no more", () => {
    process.env.APP_URL = "https://before.example.com";
    expect(env().APP_URL).toBe("https://before.example.com");
    freezeEnv();
    try {
      process.env.APP_URL = "https://after.example.com";
      expect(env().APP_URL).toBe("https://before.example.com");
    } finally {
      delete (globalThis as { __envFrozen?: boolean }).__envFrozen;
    }
    expect(env().APP_URL).toBe("https://after.example.com");
  });

  it("rejects an invalid BCRYPT_COST with a message naming the variable", () => {
    process.env.BCRYPT_COST = "99";
    expect(() => env()).toThrow(/BCRYPT_COST/);
  });
});

describe("rate limit overrides", () => {
  it("reads RATE_LIMIT_<NAME>=max/seconds and ignores malformed values", () => {
    process.env.RATE_LIMIT_LOGIN_IP = "200/900";
    expect(rateLimitOverride("login:ip")).toEqual({ max: 200, windowSeconds: 900 });
    process.env.RATE_LIMIT_LOGIN_IP = "lots";
    expect(rateLimitOverride("login:ip")).toBeNull();
    process.env.RATE_LIMIT_LOGIN_IP = "0/900";
    expect(rateLimitOverride("login:ip")).toBeNull();
  });

  it("applies an override to the limit in force", async () => {
    const db = await getDb();
    const subject = randomUUID();
    process.env.RATE_LIMIT_CLAIM_LINK = "2/600";
    expect((await hit(db, LIMITS.claimPerLink, subject)).ok).toBe(true);
    expect((await hit(db, LIMITS.claimPerLink, subject)).ok).toBe(true);
    const third = await hit(db, LIMITS.claimPerLink, subject);
    expect(third.ok).toBe(false);
    // Without the override the default (10) applies to the same counter.
    delete process.env.RATE_LIMIT_CLAIM_LINK;
    expect((await hit(db, LIMITS.claimPerLink, subject)).ok).toBe(true);
  });
});

describe("INVITE_DOMAINS", () => {
  it("unset or empty: every domain; set: canonical domains, trimmed, without a leading @ or trailing dot", () => {
    delete process.env.INVITE_DOMAINS;
    expect(inviteDomains()).toBeNull();
    process.env.INVITE_DOMAINS = "";
    expect(inviteDomains()).toBeNull();
    process.env.INVITE_DOMAINS = " Example.COM, @example.org ,ＥＸＡＭＰＬＥ.net., example.com";
    expect(inviteDomains()).toEqual(["example.com", "example.org", "example.net"]);
  });

  it("refuses a list with no domain or with an address in it, naming the variable", () => {
    for (const bad of [",", " , ", "a@example.com", "example.com,with space.org"]) {
      process.env.INVITE_DOMAINS = bad;
      expect(() => env(), bad).toThrow(/INVITE_DOMAINS/);
    }
  });
});

describe("env() is parsed again only when a variable it knows changes", () => {
  it("returns the same frozen object until then, and sees every change at once", () => {
    const saved = process.env.BCRYPT_COST;
    try {
      process.env.BCRYPT_COST = "5";
      const a = env();
      expect(env()).toBe(a);
      expect(Object.isFrozen(a)).toBe(true);
      process.env.BCRYPT_COST = "6";
      expect(env().BCRYPT_COST).toBe(6);
      process.env.BCRYPT_COST = "";
      expect(env().BCRYPT_COST).toBe(12);
      delete process.env.BCRYPT_COST;
      expect(env().BCRYPT_COST).toBe(12);
      process.env.BCRYPT_COST = "99";
      expect(() => env()).toThrow(/BCRYPT_COST/);
      expect(() => env()).toThrow(/BCRYPT_COST/);
    } finally {
      if (saved === undefined) delete process.env.BCRYPT_COST;
      else process.env.BCRYPT_COST = saved;
    }
  });
});
