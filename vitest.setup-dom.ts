import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";

// Components read their strings through next-intl's hooks, which need the provider the root layout
// renders. Under test the hooks translate with the real messages (messages/) in the test's language
// (lib/testing/intl.ts setTestLocale; English by default), so a missing key shows as it would live.
vi.mock("next-intl", async (importOriginal) => {
  const actual = await importOriginal<typeof import("next-intl")>();
  const { MESSAGES } = await import("@/messages");
  const { testLocale } = await import("@/lib/testing/intl");
  return {
    ...actual,
    useLocale: () => testLocale(),
    useTranslations: (namespace?: string) =>
      actual.createTranslator({ locale: testLocale(), messages: MESSAGES[testLocale()], namespace: namespace as never }),
    useFormatter: () => actual.createFormatter({ locale: testLocale(), timeZone: "UTC" }),
  };
});

afterEach(() => {
  cleanup();
  setTestLocale("en");
});
