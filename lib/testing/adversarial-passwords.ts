// Long passwords built to make a strength estimator work hard (repeats, keyboard walks, sequences,
// l33t, dictionary words glued together), each with the verdict the policy must reach. Shared by
// the server test (lib/password-strength.bounded.test.ts), the browser meter's test
// (components/onboarding-form.test.tsx) and `npm run bench`, so all three judge the same inputs.
const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join("");

export const ADVERSARIAL_PASSWORDS: Array<{ name: string; password: string; strong: boolean }> = [
  { name: "p4$$w0rd × 32", password: "p4$$w0rd".repeat(32), strong: false },
  { name: "keyboard rows repeated", password: "1qaz2wsx3edc4rfv".repeat(16), strong: false },
  { name: "ascending ASCII sequence", password: range(256, (i) => String.fromCharCode(33 + (i % 90))), strong: false },
  { name: "digits repeated", password: "1234567890".repeat(26).slice(0, 256), strong: false },
  // zxcvbn's own verdict (the default l33t table gives the same): a 9-character base repeated.
  { name: "l33t word repeated", password: "p@55w0rd!".repeat(29).slice(0, 256), strong: true },
  { name: "one letter × 256", password: "a".repeat(256), strong: false },
  { name: "dictionary words glued", password: "passwordmonkeydragonsunshine".repeat(10).slice(0, 256), strong: true },
  { name: "weak start, strong end", password: "a".repeat(200) + "tundra-lilac-cobalt-fjord-93-Quartz", strong: true },
  { name: "combining marks under one letter", password: "a" + "\u0301".repeat(2000) + "bcdefghijkl", strong: false },
];
