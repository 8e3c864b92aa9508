// README's "## Configuration" table lists every environment variable the app reads at run time
// (issue 11), and lists nothing the app no longer reads. The sources are read as text and parsed
// with the TypeScript compiler (no module is imported, so nothing here depends on the environment).
//
// What counts as "the app" (the files scanned):
//   - app/, lib/, db/, components/ (every .ts/.tsx/.mts/.mjs/.js), proxy.ts, instrumentation.ts,
//     next.config.ts, drizzle.config.ts;
//   - scripts/*.ts and scripts/*.mjs that people run in production or operations: `npm start`/`npm run dev`
//     (scripts/server.mjs, with scripts/request-guards.mjs), db:migrate, db:prune, db:copy, db:backup,
//     db:restore, invite. Excluded: scripts/bench*.ts (benchmarks; their BENCH_* switches are listed in
//     README's benchmark section, not in the configuration table), scripts/screenshots*.ts (the README's
//     pictures, a developer tool with its own SCREENSHOTS_* switches) and scripts/summarize-results.mjs
//     (test-all.sh's reporter); shell scripts (test harness) are not scanned.
// Never scanned: test files (*.test.ts(x), *.spec.ts), lib/testing/ (test helpers), e2e/,
// playwright.config.ts, vitest.config.ts, bench/. Their variables are test or benchmark switches, not
// configuration: E2E_DATABASE_URL, E2E_SERVER_LOGS, CHROMIUM_PATH, CI, PG_VERSION, TEST_DB_NAME,
// E2E_DB_NAME, BENCH_*, SCREENSHOTS_*.
//
// What counts as a read:
//   - the keys of lib/env.ts's `envSchema = z.object({ … })` (env() parses all of them);
//   - `process.env.NAME`, `process.env["NAME"]`, `const { NAME } = process.env`, and the same through an
//     alias (`const E = process.env; E.NAME`), including `process.env.NAME ??= …` (it reads first);
//   - `process.env[`PREFIX${…}`]` reads a family, written PREFIX<NAME> (RATE_LIMIT_<NAME>); it is
//     documented when the Configuration section mentions `PREFIX<NAME>`.
//   Not reads: plain assignments (`process.env.NAME = …`), `delete process.env.NAME`, and passing the whole
//   object on (`{ ...process.env }`, `envSchema.safeParse(…process.env)` — covered by the schema keys).
//   Any other computed read (`process.env[someVariable]`) fails the test, since it cannot tell which
//   variable is meant, except lib/env.ts's `process.env[key]`, which loops over the schema's keys.
//
// Read but deliberately not documented (FRAMEWORK below): variables that Next.js itself owns.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

const FRAMEWORK: Record<string, string> = {
  // Set by Next for each runtime ("nodejs" | "edge"); instrumentation.ts only checks which one it runs in.
  NEXT_RUNTIME: "set by Next.js itself",
  // Next's own switch; scripts/server.mjs only defaults it to "1" (`??=`) and never interprets it.
  NEXT_TELEMETRY_DISABLED: "Next.js's telemetry switch, defaulted to 1 by scripts/server.mjs",
};

// Computed reads that are accounted for elsewhere: "file: expression".
const KNOWN_COMPUTED = new Set(["lib/env.ts: process.env[key]"]);

const SOURCE_EXT = /\.(ts|tsx|mts|mjs|js)$/;
const TEST_FILE = /\.(test|spec)\.(ts|tsx|mts|mjs|js)$/;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name === "node_modules" || rel === "lib/testing") continue;
      out.push(...walk(rel));
    } else if (SOURCE_EXT.test(entry.name) && !TEST_FILE.test(entry.name)) {
      out.push(rel);
    }
  }
  return out;
}

function appFiles(): string[] {
  const files = ["app", "lib", "db", "components"].flatMap(walk);
  for (const f of ["proxy.ts", "instrumentation.ts", "next.config.ts", "drizzle.config.ts"]) {
    if (fs.existsSync(path.join(root, f))) files.push(f);
  }
  for (const name of fs.readdirSync(path.join(root, "scripts"))) {
    if (!/\.(ts|mjs)$/.test(name) || TEST_FILE.test(name)) continue;
    if (name.startsWith("bench") || name.startsWith("screenshots") || name === "summarize-results.mjs") continue;
    files.push(`scripts/${name}`);
  }
  return files.sort();
}

function parse(file: string): ts.SourceFile {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : /\.(mjs|js)$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
}

function isProcessEnv(node: ts.Node, aliases: Set<string>): boolean {
  if (ts.isParenthesizedExpression(node)) return isProcessEnv(node.expression, aliases);
  if (ts.isIdentifier(node)) return aliases.has(node.text);
  return (
    ts.isPropertyAccessExpression(node) &&
    node.name.text === "env" &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === "process"
  );
}

/** True when node is only written (`x = …`) or deleted, not read. */
function isWriteOnly(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isDeleteExpression(parent)) return true;
  return ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
}

type Reads = {
  /** variable → files that read it */
  names: Map<string, Set<string>>;
  /** prefix families, e.g. "RATE_LIMIT_<NAME>" → files */
  families: Map<string, Set<string>>;
  /** computed reads this test cannot resolve: "file: expression" */
  unresolved: string[];
};

function collectReads(files: string[]): Reads {
  const reads: Reads = { names: new Map(), families: new Map(), unresolved: [] };
  const add = (map: Map<string, Set<string>>, key: string, file: string) => {
    if (!map.has(key)) map.set(key, new Set());
    map.get(key)!.add(file);
  };
  for (const file of files) {
    const source = parse(file);
    // Pass 1: aliases (`const E = process.env`).
    const aliases = new Set<string>();
    const findAliases = (node: ts.Node) => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isProcessEnv(node.initializer, new Set())) {
        aliases.add(node.name.text);
      }
      ts.forEachChild(node, findAliases);
    };
    findAliases(source);
    // Pass 2: reads.
    const visit = (node: ts.Node) => {
      if (ts.isPropertyAccessExpression(node) && isProcessEnv(node.expression, aliases) && !isWriteOnly(node)) {
        add(reads.names, node.name.text, file);
      } else if (ts.isElementAccessExpression(node) && isProcessEnv(node.expression, aliases) && !isWriteOnly(node)) {
        const arg = node.argumentExpression;
        if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) add(reads.names, arg.text, file);
        else if (ts.isTemplateExpression(arg) && /^[A-Z][A-Z0-9_]*_$/.test(arg.head.text)) add(reads.families, `${arg.head.text}<NAME>`, file);
        else {
          const key = `${file}: ${node.getText(source)}`;
          if (!KNOWN_COMPUTED.has(key)) reads.unresolved.push(key);
        }
      } else if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer && isProcessEnv(node.initializer, aliases)) {
        for (const element of node.name.elements) {
          if (element.dotDotDotToken) continue; // `...rest`: the remainder, not a read of a name
          const name = element.propertyName ?? element.name;
          if (ts.isIdentifier(name) || ts.isStringLiteral(name)) add(reads.names, name.text, file);
          else reads.unresolved.push(`${file}: ${element.getText(source)}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return reads;
}

/** The property names of lib/env.ts's `envSchema = z.object({ … })`. */
function schemaKeys(): string[] {
  const source = parse("lib/env.ts");
  let keys: string[] | null = null;
  const visit = (node: ts.Node) => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === "envSchema" &&
      node.initializer &&
      ts.isCallExpression(node.initializer) &&
      node.initializer.getText(source).startsWith("z.object(")
    ) {
      const arg = node.initializer.arguments[0];
      if (arg && ts.isObjectLiteralExpression(arg)) {
        keys = arg.properties.map((p) => {
          if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return p.name.text;
          throw new Error(`lib/env.ts: envSchema key not a plain name: ${p.getText(source)}`);
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!keys) throw new Error("lib/env.ts: `const envSchema = z.object({ … })` not found");
  return keys;
}

/** README's "## Configuration" section, up to the next "## " heading. */
function configurationSection(): string {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const match = /^## Configuration[ \t]*\n([\s\S]*?)(?=^## )/m.exec(readme);
  if (!match) throw new Error('README.md has no "## Configuration" section');
  return match[1];
}

/** The variables named in the first column of the section's first table. */
function documentedNames(section: string): string[] {
  const lines = section.split("\n");
  const start = lines.findIndex((l) => l.trimStart().startsWith("|"));
  if (start < 0) throw new Error("README.md's Configuration section has no table");
  const rows: string[] = [];
  for (let i = start; i < lines.length && lines[i].trimStart().startsWith("|"); i++) rows.push(lines[i]);
  const names: string[] = [];
  for (const row of rows.slice(2)) {
    // rows[0] is the header, rows[1] the --- separator
    const first = row.trim().slice(1).split("|")[0];
    for (const m of first.matchAll(/`([^`]+)`/g)) names.push(m[1]);
  }
  return names;
}

const files = appFiles();
const reads = collectReads(files);
const schema = schemaKeys();
for (const key of schema) {
  if (!reads.names.has(key)) reads.names.set(key, new Set());
  reads.names.get(key)!.add("lib/env.ts (envSchema)");
}
const section = configurationSection();
const documented = documentedNames(section);

const where = (name: string) => [...(reads.names.get(name) ?? [])].join(", ");

describe("README Configuration table (issue 11)", () => {
  it("scans the app's sources and finds the schema", () => {
    for (const f of ["lib/env.ts", "lib/logger.ts", "scripts/server.mjs", "scripts/request-guards.mjs", "proxy.ts", "instrumentation.ts"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => TEST_FILE.test(f) || f.startsWith("lib/testing/") || f.startsWith("e2e/"))).toEqual([]);
    expect(schema.length).toBeGreaterThan(10);
    expect(documented.length).toBeGreaterThan(10);
  });

  it("scripts/server.mjs reads HOST and TRUST_PROXY itself", () => {
    expect(reads.names.get("HOST")).toContain("scripts/server.mjs");
    expect(reads.names.get("TRUST_PROXY")).toContain("scripts/server.mjs");
  });

  it("every read of process.env names its variable", () => {
    expect(reads.unresolved, "computed process.env reads: name the variable, or list it in KNOWN_COMPUTED with why").toEqual([]);
  });

  it("documents every variable the app reads", () => {
    const missing = [...reads.names.keys()]
      .filter((name) => !(name in FRAMEWORK) && !documented.includes(name))
      .sort()
      .map((name) => `${name} (read in ${where(name)})`);
    expect(missing, "read but not in README's Configuration table").toEqual([]);
  });

  it("documents every family of variables the app reads (RATE_LIMIT_<NAME>)", () => {
    expect([...reads.families.keys()]).toContain("RATE_LIMIT_<NAME>");
    const missing = [...reads.families.keys()].filter((family) => !section.includes(`\`${family}`)).sort();
    expect(missing, "read but not mentioned in README's Configuration section").toEqual([]);
  });

  it("documents nothing the app does not read", () => {
    const extra = documented.filter((name) => !reads.names.has(name)).sort();
    expect(extra, "in README's Configuration table but never read").toEqual([]);
  });

  it("lists each documented variable once", () => {
    expect(documented.filter((name, i) => documented.indexOf(name) !== i)).toEqual([]);
  });

  it("FRAMEWORK lists only variables that are still read and not documented", () => {
    for (const name of Object.keys(FRAMEWORK)) {
      expect(reads.names.has(name), `${name} is no longer read: drop it from FRAMEWORK`).toBe(true);
      expect(documented, `${name} is documented: drop it from FRAMEWORK`).not.toContain(name);
    }
  });
});
