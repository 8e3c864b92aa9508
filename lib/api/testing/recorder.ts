import { expect } from "vitest";
import { answerOf, contractProblems, openApiPath } from "./contract";
import { contractStore } from "./store";

/**
 * A route handler that checks each Response it returns against the OpenAPI document (contract.ts),
 * noting what is wrong (setup.ts fails the test file afterwards). The body is read from a clone,
 * so the test reads the response as it would have; a streamed download (not JSON) is not read.
 */
export function recorded<Args extends unknown[]>(method: string, pattern: string, handler: (...args: Args) => Promise<Response>) {
  const path = openApiPath(pattern);
  return async (...args: Args): Promise<Response> => {
    const res = await handler(...args);
    const store = contractStore();
    let test: string | undefined;
    try {
      test = expect.getState().currentTestName;
    } catch {
      test = undefined;
    }
    try {
      const json = (res.headers.get("content-type") ?? "").includes("application/json");
      const problems = contractProblems(method, path, await answerOf(res, { readBody: json || res.status === 204 }));
      store.checked++;
      for (const problem of problems) store.problems.push({ call: `${method} ${path} → ${res.status}`, problem, test });
    } catch (err) {
      store.problems.push({ call: `${method} ${path} → ${res.status}`, problem: `could not be checked: ${(err as Error).message}`, test });
    }
    return res;
  };
}
