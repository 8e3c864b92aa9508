// What lib/api/testing/recorder.ts found wrong with the responses of one test file, kept on
// globalThis so it survives vi.resetModules (a re-imported recorder writes to the same list) and so the
// setup file (setup.ts) can read it without importing the API's modules.

export type ContractProblem = { call: string; problem: string; test: string | undefined };

type Store = { problems: ContractProblem[]; checked: number };

const KEY = Symbol.for("invite-onboarding.api-contract");

export function contractStore(): Store {
  const g = globalThis as { [KEY]?: Store };
  return (g[KEY] ??= { problems: [], checked: 0 });
}
