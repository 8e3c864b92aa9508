// A vite plugin for the node test project (vitest.config.ts): each app/api/**/route.ts module is
// compiled with its exported method handlers wrapped by lib/api/testing/recorder.ts `recorded`, so
// every Response a test gets from a route handler, whichever test calls it and however, is checked
// against the OpenAPI document. The route files themselves stay as they are; only the test build
// changes (the module's own handlers are renamed, and the wrapped ones exported under the real names,
// on lines appended at the end, so line numbers in stack traces do not move). Plain .mjs so the
// config imports it with its extension.
import path from "node:path";

const METHODS = "GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS";
const EXPORTED = new RegExp(`^export (const|async function|function) (${METHODS})\\b`, "gm");

/**
 * "/api/users/:id/reset" for <root>/app/api/users/[id]/reset/route.ts; null for any other file.
 * @param {string} root @param {string} file @returns {string | null}
 */
export function routePattern(root, file) {
  const rel = path.relative(path.join(root, "app"), file).split(path.sep);
  if (rel[0] !== "api" || !/^route\.(ts|tsx|js|mjs)$/.test(rel[rel.length - 1])) return null;
  const parts = rel
    .slice(0, -1)
    .filter((p) => !/^\(.*\)$/.test(p))
    .map((p) => p.replace(/^\[{1,2}(?:\.\.\.)?([^\]]+)\]{1,2}$/, ":$1"));
  return `/${parts.join("/")}`;
}

/**
 * The module's code with its exported handlers wrapped, or null when it exports none.
 * @param {string} code @param {string} pattern @param {string} recorder the recorder module's path
 * @returns {string | null}
 */
export function wrapRouteModule(code, pattern, recorder) {
  /** @type {string[]} */
  const methods = [];
  const renamed = code.replace(EXPORTED, (_, kind, method) => {
    methods.push(method);
    return `${kind} __route_${method}`;
  });
  if (!methods.length) return null;
  const wrapped = methods.map((m) => `export const ${m} = __recorded(${JSON.stringify(m)}, ${JSON.stringify(pattern)}, __route_${m});`);
  return `${renamed}\nimport { recorded as __recorded } from ${JSON.stringify(recorder)};\n${wrapped.join("\n")}\n`;
}

/** @param {string} root the project's folder */
export function recordApiResponses(root) {
  const recorder = path.join(root, "lib", "api", "testing", "recorder.ts");
  return {
    name: "record-api-responses",
    enforce: /** @type {const} */ ("pre"),
    /** @param {string} code @param {string} id */
    transform(code, id) {
      const pattern = routePattern(root, id.split("?")[0]);
      if (!pattern) return null;
      const out = wrapRouteModule(code, pattern, recorder);
      return out === null ? null : { code: out, map: null };
    },
  };
}
