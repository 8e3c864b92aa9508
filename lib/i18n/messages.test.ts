import { IntlMessageFormat } from "intl-messageformat";
import { describe, expect, it } from "vitest";
import { MESSAGES } from "@/messages";
import { LOCALES } from "./locales";

// Every language has exactly English's keys, each message parses as ICU, and a translation uses the
// same {placeholders} as its English original — a missing or misspelled key fails here, not in front
// of a reader.

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

function placeholders(message: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: unknown[]) => {
    for (const node of nodes as { type: number; value?: string; options?: Record<string, { value: unknown[] }>; children?: unknown[] }[]) {
      if (node.type !== 0 && node.type !== 7 && node.value) names.add(node.value); // 0 literal, 7 pound
      for (const option of Object.values(node.options ?? {})) walk(option.value);
      if (node.children) walk(node.children);
    }
  };
  walk(new IntlMessageFormat(message, "en", undefined, { ignoreTag: false }).getAst() as unknown[]);
  return [...names].sort();
}

const english = flatten(MESSAGES.en as unknown as Tree);

describe("messages", () => {
  it("English has messages in every area", () => {
    expect(english.size).toBeGreaterThan(30);
  });

  for (const locale of LOCALES.filter((l) => l !== "en")) {
    const translated = flatten(MESSAGES[locale] as unknown as Tree);

    it(`${locale} has every English key and no other`, () => {
      expect([...english.keys()].filter((k) => !translated.has(k))).toEqual([]);
      expect([...translated.keys()].filter((k) => !english.has(k))).toEqual([]);
    });

    it(`${locale} uses the same placeholders as English`, () => {
      const differing = [...english].filter(([key, message]) => {
        const other = translated.get(key);
        return other !== undefined && placeholders(other).join() !== placeholders(message).join();
      });
      expect(differing.map(([key]) => key)).toEqual([]);
    });

    it(`${locale} has no message left empty`, () => {
      expect([...translated].filter(([, message]) => message.trim() === "").map(([key]) => key)).toEqual([]);
    });
  }

  it("every message is valid ICU in its language", () => {
    for (const locale of LOCALES) {
      for (const [key, message] of flatten(MESSAGES[locale] as unknown as Tree)) {
        expect(() => new IntlMessageFormat(message, locale), `${locale} ${key}`).not.toThrow();
      }
    }
  });
});
