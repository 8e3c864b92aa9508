import { describe, expect, it, vi } from "vitest";
import { ADVERSARIAL_PASSWORDS } from "./testing/adversarial-passwords";

// Every string zxcvbn is asked to judge, in code points: the estimator's work is bounded only if
// none is longer than ESTIMATE_WINDOW, whatever the password.
const seen = vi.hoisted(() => [] as number[]);
vi.mock("@zxcvbn-ts/core", async (importOriginal) => {
  const real = await importOriginal<typeof import("@zxcvbn-ts/core")>();
  class CountingFactory extends real.ZxcvbnFactory {
    check(password: string, userInputs?: (string | number)[]) {
      seen.push(Array.from(password).length);
      return super.check(password, userInputs);
    }
  }
  return { ...real, ZxcvbnFactory: CountingFactory };
});

const { checkPasswordPolicy, estimateStrength, estimateWindows, ESTIMATE_WINDOW, MIN_SCORE } = await import("./password-strength");

describe("the strength estimate is bounded whatever the password", () => {
  it.each(ADVERSARIAL_PASSWORDS)("$name: zxcvbn sees at most two windows of 32 code points", async ({ password }) => {
    seen.length = 0;
    await estimateStrength(password, "alice@example.com");
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(2);
    expect(Math.max(...seen)).toBeLessThanOrEqual(ESTIMATE_WINDOW);
  });

  it.each(ADVERSARIAL_PASSWORDS)("$name: the policy reaches the expected verdict", async ({ password, strong }) => {
    const policy = await checkPasswordPolicy(password, "alice@example.com");
    const meter = await estimateStrength(password, "alice@example.com");
    // The meter and the policy agree (for inputs the length rule lets through).
    if (policy.ok || policy.rule === "too_weak") expect(meter.score >= MIN_SCORE).toBe(policy.ok);
    expect(policy.ok).toBe(strong);
  });

  it("splits on code points, never inside a surrogate pair", () => {
    const [first, last] = estimateWindows("👍".repeat(20) + "🎉".repeat(20));
    expect(first).toBe("👍".repeat(20) + "🎉".repeat(12));
    expect(last).toBe("👍".repeat(12) + "🎉".repeat(20));
    expect(estimateWindows("👍".repeat(40))).toEqual(["👍".repeat(32)]); // both ends alike: estimated once
    expect(estimateWindows("short one")).toEqual(["short one"]);
  });

  it("a password whose first window is strong is strong, whatever follows", async () => {
    const r = await checkPasswordPolicy("tundra-lilac-cobalt-fjord-93-Qz" + "a".repeat(200), "alice@example.com");
    expect(r).toEqual({ ok: true });
  });
});
