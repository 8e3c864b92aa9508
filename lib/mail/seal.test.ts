import { afterEach, describe, expect, it } from "vitest";
import { addressHash, seal, unseal } from "./seal";

describe("seal / unseal (AES-256-GCM, key derived from AUTH_SECRET, the row id as associated data)", () => {
  const saved = { current: process.env.AUTH_SECRET, previous: process.env.AUTH_SECRET_PREVIOUS };
  afterEach(() => {
    process.env.AUTH_SECRET = saved.current;
    if (saved.previous === undefined) delete process.env.AUTH_SECRET_PREVIOUS;
    else process.env.AUTH_SECRET_PREVIOUS = saved.previous;
  });

  it("opens for its own row only, never shows the plain text, and differs every time", () => {
    const secret = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5";
    const a = seal(secret, "row-1");
    expect(a).not.toContain(secret);
    expect(a).not.toBe(seal(secret, "row-1"));
    expect(unseal(a, "row-1")).toBe(secret);
    expect(unseal(a, "row-2")).toBeNull();
    const [v, iv, body, tag] = a.split(".");
    const flipped = body.slice(0, -2) + (body.at(-2) === "A" ? "B" : "A") + body.at(-1);
    expect(unseal([v, iv, flipped, tag].join("."), "row-1")).toBeNull();
    expect(unseal("garbage", "row-1")).toBeNull();
  });

  it("still opens after a rotation (AUTH_SECRET_PREVIOUS), not after the key is gone", () => {
    const old = process.env.AUTH_SECRET!;
    const sealed = seal("link-secret", "row");
    process.env.AUTH_SECRET = "a-brand-new-secret-a-brand-new-secret-0000";
    expect(unseal(sealed, "row")).toBeNull();
    process.env.AUTH_SECRET_PREVIOUS = old;
    expect(unseal(sealed, "row")).toBe("link-secret");
  });

  it("hashes an address canonically (any case or Unicode form), keyed: not a plain sha-256", () => {
    expect(addressHash("Alice@Example.com")).toBe(addressHash("alice@example.com"));
    expect(addressHash("alice@example.com")).toMatch(/^[0-9a-f]{64}$/);
    expect(addressHash("alice@example.com")).not.toBe(addressHash("bob@example.com"));
  });
});
