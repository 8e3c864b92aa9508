import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { routePattern } from "./vitest-plugin.mjs";

// The route handlers under app/api, found as Next finds them (every route.ts, private `_folders`
// skipped) and as app/api/authz.test.ts walks them: one entry per exported HTTP method.

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
export type ServedOperation = { key: string; method: string; path: string; handler: Handler; file: string };

/** Every route file under `dir` (private `_folders` are not routes in Next), sorted. */
export function routeFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith("_")) found.push(...routeFiles(full));
    } else if (/^route\.(ts|tsx|js|mjs|jsx)$/.test(entry.name)) {
      found.push(full);
    }
  }
  return found.sort();
}

/** Each exported method of each route file, keyed "METHOD /api/path/{param}" as the OpenAPI document names it. */
export async function servedOperations(root = process.cwd()): Promise<ServedOperation[]> {
  const served: ServedOperation[] = [];
  for (const file of routeFiles(path.join(root, "app", "api"))) {
    const apiPath = routePattern(root, file)!.replace(/:([A-Za-z]+)/g, "{$1}");
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const method of METHODS) {
      if (typeof mod[method] === "function") {
        served.push({ key: `${method} ${apiPath}`, method, path: apiPath, handler: mod[method] as Handler, file: path.relative(root, file) });
      }
    }
  }
  return served.sort((a, b) => a.key.localeCompare(b.key));
}
