// Shared by the browser (the strength meter) and the server (the rule that is enforced). The
// zxcvbn dictionaries are large, so they are imported only when first needed.

export const MIN_PASSWORD_CHARS = 12;
export const MAX_PASSWORD_CHARS = 256;
export const MIN_SCORE = 3; // zxcvbn 0..4: 3 = "safely unguessable"

export type StrengthResult = { score: 0 | 1 | 2 | 3 | 4; warning: string | null; suggestions: string[] };

type Checker = { check(password: string, userInputs?: (string | number)[]): StrengthResult & Record<string, unknown> };
let checker: Promise<Checker> | undefined;

function loadChecker(): Promise<Checker> {
  checker ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import("@zxcvbn-ts/core"),
      import("@zxcvbn-ts/language-common"),
      import("@zxcvbn-ts/language-en"),
    ]);
    const factory = new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    return {
      check(password: string, userInputs: (string | number)[] = []) {
        const r = factory.check(password, userInputs);
        return {
          score: r.score as StrengthResult["score"],
          warning: r.feedback.warning || null,
          suggestions: r.feedback.suggestions ?? [],
        };
      },
    };
  })();
  return checker;
}

/** Characters as a person counts them: "👍🏽" is one, not four UTF-16 units. */
export function countCharacters(value: string): number {
  return Array.from(new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(value)).length;
}

/** Words a password must not be built from: the email, its local part and its domain's labels. */
export function emailWords(email: string): string[] {
  const lower = email.toLowerCase();
  const [local = "", domain = ""] = lower.split("@");
  const parts = [lower, local, ...local.split(/[._+-]+/), ...domain.split(".")];
  return [...new Set(parts.filter((p) => p.length >= 3))];
}

export type PolicyResult = { ok: true } | { ok: false; rule: "too_short" | "too_long" | "from_email" | "too_weak"; message: string };

/** Length rules only; cheap and synchronous (the form checks them on every keystroke). */
export function checkPasswordLength(password: string): PolicyResult {
  const n = countCharacters(password);
  if (n < MIN_PASSWORD_CHARS) {
    return { ok: false, rule: "too_short", message: `Use at least ${MIN_PASSWORD_CHARS} characters (this one has ${n}).` };
  }
  if (n > MAX_PASSWORD_CHARS) {
    return { ok: false, rule: "too_long", message: `Use at most ${MAX_PASSWORD_CHARS} characters.` };
  }
  return { ok: true };
}

export async function estimateStrength(password: string, email: string): Promise<StrengthResult> {
  return (await loadChecker()).check(password, emailWords(email));
}

/** The whole policy, as the server enforces it. */
export async function checkPasswordPolicy(password: string, email: string): Promise<PolicyResult> {
  const length = checkPasswordLength(password);
  if (!length.ok) return length;
  const lower = password.toLowerCase();
  const local = email.toLowerCase().split("@")[0] ?? "";
  if (local.length >= 3 && lower.includes(local)) {
    return { ok: false, rule: "from_email", message: "Don't build your password from your email address." };
  }
  const strength = await estimateStrength(password, email);
  if (strength.score < MIN_SCORE) {
    const hint = strength.warning ?? strength.suggestions[0] ?? "Add more unrelated words or characters.";
    return {
      ok: false,
      rule: "too_weak",
      message: `This password is too easy to guess. ${hint}`.trim(),
    };
  }
  return { ok: true };
}
