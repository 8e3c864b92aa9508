#!/usr/bin/env node
// Summarizes a `scripts/test-all.sh` run. Usage: node scripts/summarize-results.mjs [results dir]
// (default: .data/test-results next to this repo's package.json).
//
// Reads from the results dir:
//   steps.txt            one line per step written by test-all.sh: "<step> <passed|failed|skipped> [notes…]"
//   vitest-pglite.json   vitest --reporter=json output (PGlite run)
//   vitest-postgres.json vitest --reporter=json output (Postgres run)
//   playwright.json      Playwright JSON reporter output
//
// Counting rules:
//   - vitest: numPassedTests passed, numFailedTests failed, numPendingTests + numTodoTests skipped;
//     a test file that failed to load (no failed test inside it) counts as 1 failed.
//   - playwright: stats.expected + stats.flaky (passed on retry) passed, stats.unexpected failed,
//     stats.skipped skipped; top-level errors (e.g. the web server did not start) count as 1 failed
//     when no test failed.
//   - a suite that ran but whose JSON is missing or unreadable counts as 1 failed; a suite whose
//     step exited non-zero although its JSON shows no failure also counts as 1 failed.
//   - lint, typecheck and build count as one test each (passed or failed).
//   - any other step (npm-ci, chromium, postgres) counts as 1 failed when it failed, nothing otherwise.
// Prints one line per suite, then exactly one final line "N passed, N failed, N skipped".
// Exit status: 1 if anything failed, else 0.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = path.resolve(process.argv[2] ?? path.join(repoRoot, ".data", "test-results"));

const SUITES = [
  { step: "vitest-pglite", file: "vitest-pglite.json", kind: "vitest" },
  { step: "vitest-postgres", file: "vitest-postgres.json", kind: "vitest" },
  { step: "playwright", file: "playwright.json", kind: "playwright" },
];
const SINGLE_TEST_STEPS = new Set(["lint", "typecheck", "build"]);

/** @returns {Map<string, {status: string, notes: string}>} in file order; later lines win. */
function readSteps() {
  const steps = new Map();
  let text;
  try {
    text = fs.readFileSync(path.join(dir, "steps.txt"), "utf8");
  } catch {
    return null;
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [name, status = "failed", ...rest] = line.split(/\s+/);
    steps.delete(name);
    steps.set(name, { status: status.toLowerCase(), notes: rest.join(" ") });
  }
  return steps;
}

function readJson(file) {
  try {
    return { data: JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) };
  } catch (err) {
    const reason = err && err.code === "ENOENT" ? "missing" : `unreadable (${err && err.message ? err.message.split("\n")[0] : err})`;
    return { error: reason };
  }
}

const num = (v) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Math.floor(Number(v)) : 0);

function countVitest(data) {
  let passed = num(data.numPassedTests);
  let failed = num(data.numFailedTests);
  const skipped = num(data.numPendingTests) + num(data.numTodoTests);
  const notes = [];
  // Files that crashed before running any test (syntax error, failing import, hook error).
  let brokenFiles = 0;
  for (const file of Array.isArray(data.testResults) ? data.testResults : []) {
    const assertions = Array.isArray(file.assertionResults) ? file.assertionResults : [];
    if (file.status === "failed" && !assertions.some((a) => a.status === "failed")) brokenFiles++;
  }
  if (brokenFiles) {
    failed += brokenFiles;
    notes.push(`${brokenFiles} file(s) failed outside any test`);
  }
  if (data.success === false && failed === 0) {
    failed = 1;
    notes.push("vitest reported success=false");
  }
  if (typeof data.numTotalTests !== "number" && passed + failed + skipped === 0) {
    failed = 1;
    passed = 0;
    notes.push("not a vitest JSON report");
  }
  return { passed, failed, skipped, notes };
}

function countPlaywright(data) {
  const stats = data && typeof data.stats === "object" && data.stats ? data.stats : null;
  if (!stats) return { passed: 0, failed: 1, skipped: 0, notes: ["no stats in Playwright JSON"] };
  const passed = num(stats.expected) + num(stats.flaky);
  let failed = num(stats.unexpected);
  const skipped = num(stats.skipped);
  const notes = [];
  if (num(stats.flaky)) notes.push(`${num(stats.flaky)} flaky (passed on retry)`);
  const errors = Array.isArray(data.errors) ? data.errors : [];
  if (errors.length) {
    const first = String(errors[0]?.message ?? errors[0]?.value ?? "").split("\n")[0].slice(0, 160);
    notes.push(`${errors.length} top-level error(s)${first ? `: ${first}` : ""}`);
    if (failed === 0) failed = 1;
  }
  return { passed, failed, skipped, notes };
}

const steps = readSteps();
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
const add = (label, r) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
  const extra = r.notes && r.notes.length ? ` (${r.notes.join("; ")})` : "";
  lines.push(`  ${label.padEnd(16)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${extra}`);
};

function addSuite(suite, step) {
  const json = readJson(suite.file);
  // Without a steps file, a suite "ran" if its JSON file exists (even if unreadable).
  const ran = steps ? Boolean(step) && step.status !== "skipped" : json.error !== "missing";
  if (!ran) {
    if (step) lines.push(`  ${suite.step.padEnd(16)} skipped${step.notes ? ` (${step.notes})` : ""}`);
    return;
  }
  let r;
  if (json.error) {
    r = { passed: 0, failed: 1, skipped: 0, notes: [`${suite.file} ${json.error}`] };
  } else {
    r = suite.kind === "vitest" ? countVitest(json.data) : countPlaywright(json.data);
  }
  if (step && step.status !== "passed" && r.failed === 0) {
    r.failed = 1;
    r.notes.push(`step ${step.status}${step.notes ? ` (${step.notes})` : ""} but its report shows no failed test`);
  }
  add(suite.step, r);
}

function addStep(name, { status, notes }) {
  const suite = SUITES.find((s) => s.step === name);
  if (suite) return addSuite(suite, { status, notes });
  const n = notes ? [notes] : [];
  if (SINGLE_TEST_STEPS.has(name)) {
    if (status === "passed") add(name, { passed: 1, failed: 0, skipped: 0, notes: n });
    else if (status === "skipped") add(name, { passed: 0, failed: 0, skipped: 1, notes: n });
    else add(name, { passed: 0, failed: 1, skipped: 0, notes: n });
  } else if (status === "passed" || status === "skipped") {
    lines.push(`  ${name.padEnd(16)} ${status}${notes ? ` (${notes})` : ""}`);
  } else {
    add(name, { passed: 0, failed: 1, skipped: 0, notes: [`setup step ${status}${notes ? `: ${notes}` : ""}`] });
  }
}

if (steps) {
  for (const [name, step] of steps) addStep(name, step);
} else {
  for (const suite of SUITES) addSuite(suite, undefined);
}

const shown = path.relative(process.cwd(), dir);
console.log(`Test summary (${!shown ? "." : shown.startsWith("..") ? dir : shown}):`);
for (const line of lines) console.log(line);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = totals.failed > 0 ? 1 : 0;
