// The JSON API answered without Next's request pipeline. Every route file (app/api/**/route.ts) is a
// plain Web handler, (Request, { params }) => Response, that imports nothing from Next; Next's router
// and route wrapper around it (request adaptation, async contexts, tracing, response piping) cost
// more CPU than our own handlers do (`npm run bench`: about 1.4 ms per request through Next, 0.26 ms
// for the health check answered directly, on Postgres).
// So in production scripts/server.mjs calls the handlers directly:
//  - loaded from the production build itself (.next/server/app/.../route.js, through Next's
//    app-paths manifest), so they share every module with the pages: one database pool, one
//    hashing pool, one startup;
//  - with what Next would add: the API's security headers (lib/security-headers.json, which
//    next.config.ts applies to Next's own responses), HEAD answered by GET, OPTIONS answered with
//    Allow, `params` as a promise of decoded values;
//  - with the API_DIRECT=0 escape hatch (and the development server) going through Next as before.
// The handlers are reached through Next's route module (`routeModule.ensureUserland()`,
// `routeModule.userland`), which is not a public API: if a Next upgrade moves it, loading fails, the
// server says so at startup and serves the API through Next (e2e/direct-api.spec.ts notices).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGzip, gzip } from "node:zlib";
import { API_ROUTES, matchApiRoute, withImpliedMethods } from "../lib/api-routes.mjs";
import { API_HEADERS, sendError } from "./request-guards.mjs";

const require = createRequire(import.meta.url);
const gzipAsync = promisify(gzip);

/**
 * Every API route's handlers from the production build in `distDir`, or an Error saying what is
 * missing (nothing is served directly then).
 * @param {{ distDir: string, origin: string }} options `origin`: the base of each Request's URL (the
 *   handlers read only its path and query)
 */
export async function loadDirectApi({ distDir, origin }) {
  const manifest = JSON.parse(readFileSync(path.join(distDir, "server", "app-paths-manifest.json"), "utf8"));
  /** @type {Map<string, Record<string, Function>>} */
  const routes = new Map();
  for (const [pattern, methods] of Object.entries(API_ROUTES)) {
    const page = `${pattern.replace(/:(\w+)/g, "[$1]")}/route`;
    const file = manifest[page];
    if (typeof file !== "string") throw new Error(`${page} is not in the build's app-paths-manifest.json`);
    const { routeModule } = require(path.join(distDir, "server", file));
    if (typeof routeModule?.ensureUserland !== "function") throw new Error(`${page}: Next's route module has no ensureUserland()`);
    await routeModule.ensureUserland();
    const handlers = routeModule.userland;
    for (const method of methods) {
      if (typeof handlers?.[method] !== "function") throw new Error(`${page}: no ${method} handler in the build`);
    }
    routes.set(pattern, handlers);
  }
  return {
    routes: routes.size,
    /**
     * Answers an API request (the server has already refused unknown paths and methods, and let
     * it through the password door), or returns false when it is not an API path.
     * @param {import("node:http").IncomingMessage} req
     * @param {import("node:http").ServerResponse} res
     * @returns {false | Promise<void>}
     */
    serve(req, res) {
      const url = req.url ?? "/";
      const queryAt = url.indexOf("?");
      const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
      if (!pathname.startsWith("/api/")) return false;
      const route = matchApiRoute(pathname);
      if (!route) return false;
      return answer(req, res, route, routes.get(route.pattern), origin + url);
    },
  };
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {{ methods: string[], params: Record<string, string> }} route
 * @param {Record<string, Function>} handlers
 * @param {string} url
 */
export async function answer(req, res, route, handlers, url) {
  const method = (req.method ?? "GET").toUpperCase();
  if (method === "OPTIONS") {
    // What Next answers for a route without its own OPTIONS handler (its Allow is sorted).
    return send(res, new Response(null, { status: 204, headers: { Allow: withImpliedMethods(route.methods).sort().join(", ") } }));
  }
  // HEAD runs GET; Node leaves out the body of a response to HEAD.
  const handler = handlers[method === "HEAD" ? "GET" : method];
  let request;
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const body = method === "GET" || method === "HEAD" ? undefined : requestBody(req, res);
    request = new Request(url, { method, headers, body, duplex: "half" });
  } catch {
    // Node's parser has accepted the request; this is a header or URL the Fetch API refuses.
    return sendError(res, { status: 400, code: "invalid_request", key: "errors.invalid_request" });
  }
  const params = {};
  for (const [name, value] of Object.entries(route.params)) params[name] = decodeURIComponent(value);
  // route() (lib/http.ts) turns any failure inside the handler into a JSON answer; a throw here is
  // the server's own bug, which scripts/server.mjs answers with 500 internal_error.
  const response = await handler(request, { params: Promise.resolve(params) });
  return send(res, response);
}

/**
 * The request's body as a Web stream, read from the socket only as the handler reads it. A body the
 * handler never reads (refused by its headers: a declared size over the limit, no Origin) is left to
 * Node, which discards it and keeps the connection. When the handler stops reading midway (a body
 * over its size limit: readJson in lib/http.ts), the rest is left unread and the connection closes
 * after the answer, so the rest of the upload is never taken for the client's next request.
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @returns {ReadableStream<Uint8Array>}
 */
function requestBody(req, res) {
  let done = false;
  return new ReadableStream(
    {
      pull(controller) {
        if (req.readableEnded) return void controller.close();
        if (req.destroyed) return void controller.error(new Error("the client went away before sending the whole body"));
        return new Promise((resolve) => {
          const settle = (/** @type {() => void} */ then) => {
            req.off("data", onData);
            req.off("end", onEnd);
            req.off("close", onClose);
            if (!done) then();
            resolve(undefined);
          };
          const onData = (/** @type {Buffer} */ chunk) => {
            req.pause();
            settle(() => controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
          };
          const onEnd = () => settle(() => ((done = true), controller.close()));
          const onClose = () => settle(() => ((done = true), controller.error(new Error("the client went away before sending the whole body"))));
          req.on("data", onData);
          req.on("end", onEnd);
          req.on("close", onClose);
          req.resume();
        });
      },
      cancel() {
        done = true;
        if (!res.headersSent) res.setHeader("Connection", "close");
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Writes a Web Response to Node's response: the API's security headers first, the handler's own
 * over them (as Next's header rules do), every Set-Cookie kept apart, and the body: one chunk (the
 * usual JSON answer) with a Content-Length, more as a stream with backpressure. As Next does, a body
 * is gzipped for a client that accepts it, but only from COMPRESS_MIN_BYTES (Next compresses every
 * answer, even a 25-byte one, which costs more than it saves).
 * @param {import("node:http").ServerResponse} res
 * @param {Response} response
 */
async function send(res, response) {
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(API_HEADERS)) res.setHeader(name, value);
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("Set-Cookie", cookies);
  if (!response.body) return void res.end();
  const gzip = res.req.method !== "HEAD" && !response.headers.has("content-encoding") && acceptsGzip(res.req.headers["accept-encoding"]);
  res.setHeader("Vary", response.headers.has("vary") ? `${response.headers.get("vary")}, Accept-Encoding` : "Accept-Encoding");
  const reader = response.body.getReader();
  const first = await reader.read();
  if (first.done) return void res.end();
  const second = await reader.read();
  if (second.done && !(gzip && first.value.byteLength >= COMPRESS_MIN_BYTES)) return void res.end(first.value);
  if (second.done) {
    const body = await gzipAsync(first.value);
    res.setHeader("Content-Encoding", "gzip");
    return void res.end(body);
  }
  async function* chunks() {
    try {
      yield first.value;
      let next = second;
      while (!next.done) {
        yield next.value;
        next = await reader.read();
      }
    } finally {
      // Also when the client went away: the body (a long export) stops being produced.
      await reader.cancel().catch(() => {});
    }
  }
  if (gzip) res.setHeader("Content-Encoding", "gzip");
  await pipeline(gzip ? [Readable.from(chunks()), createGzip(), res] : [Readable.from(chunks()), res]).catch(() => {
    // The client went away mid-body; nothing is left to answer.
  });
}

const COMPRESS_MIN_BYTES = 1024;

/** @param {string | string[] | undefined} header */
function acceptsGzip(header) {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return (coding === "gzip" || coding === "*") && (q === undefined || Number(q.slice(2)) > 0);
  });
}
