// scripts/direct-api.mjs writes the API's Web Responses to Node's response itself (in production,
// instead of Next). These tests put its `answer` behind a real node:http server with stand-in
// handlers and check what a client receives: the security headers Next's header rules would add,
// the handler's own headers over them, every Set-Cookie, bodies of one or many chunks, HEAD and
// OPTIONS as Next answers them, decoded params, the request as the handler sees it. That the
// production build's real handlers load and answer the same as through Next: e2e/direct-api.spec.ts.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer } from "./direct-api.mjs";
import { API_HEADERS } from "./request-guards.mjs";
import { matchApiRoute } from "../lib/api-routes.mjs";

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
let handlers: Record<string, Handler> = {};
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = matchApiRoute((req.url ?? "/").split("?")[0])!;
    void answer(req, res, route, handlers, `http://app.example${req.url}`).catch(() => {
      res.statusCode = 599;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function send(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: import("node:http").IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        const text = (res.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
        resolve({ status: res.statusCode!, headers: res.headers, body: text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A body that arrives as many chunks, as a streamed export does. */
function chunked(parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const p of parts) controller.enqueue(new TextEncoder().encode(p));
      controller.close();
    },
  });
}

describe("answer (scripts/direct-api.mjs)", () => {
  it("adds the API's security headers, lets the handler's own win, and sends one chunk with a Content-Length", async () => {
    handlers = { GET: async () => Response.json({ ok: true }, { headers: { "Referrer-Policy": "no-referrer", "X-Extra": "1" } }) };
    const r = await send("GET", "/api/health");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true });
    for (const [name, value] of Object.entries(API_HEADERS)) {
      if (name !== "Referrer-Policy") expect(r.headers[name.toLowerCase()], name).toBe(value);
    }
    expect(r.headers["referrer-policy"]).toBe("no-referrer");
    expect(r.headers["x-extra"]).toBe("1");
    expect(r.headers["content-length"]).toBe(String(Buffer.byteLength(r.body)));
    expect(r.headers["transfer-encoding"]).toBeUndefined();
  });

  it("keeps every Set-Cookie apart", async () => {
    const headers = new Headers();
    headers.append("Set-Cookie", "session=a; Path=/; HttpOnly");
    headers.append("Set-Cookie", "csrf=b; Path=/");
    handlers = { POST: async () => new Response(null, { status: 204, headers }) };
    const r = await send("POST", "/api/auth/logout", "");
    expect(r.status).toBe(204);
    expect(r.headers["set-cookie"]).toEqual(["session=a; Path=/; HttpOnly", "csrf=b; Path=/"]);
  });

  it("streams a body of many chunks", async () => {
    const parts = Array.from({ length: 50 }, (_, i) => `line ${i}\n`);
    handlers = { GET: async () => new Response(chunked(parts), { headers: { "Content-Type": "text/csv" } }) };
    const r = await send("GET", "/api/audit/export");
    expect(r.body).toBe(parts.join(""));
    expect(r.headers["content-type"]).toBe("text/csv");
  });

  it("gives the handler the method, URL, headers, body and decoded params Next would", async () => {
    let seen: { method: string; url: string; type: string | null; body: unknown; params: Record<string, string> } | undefined;
    handlers = {
      PATCH: async (request, ctx) => {
        seen = { method: request.method, url: request.url, type: request.headers.get("content-type"), body: await request.json(), params: await ctx.params };
        return Response.json({});
      },
    };
    await send("PATCH", "/api/users/caf%C3%A9?x=1", JSON.stringify({ role: "admin" }), { "Content-Type": "application/json" });
    expect(seen).toEqual({ method: "PATCH", url: "http://app.example/api/users/caf%C3%A9?x=1", type: "application/json", body: { role: "admin" }, params: { id: "café" } });
  });

  it("gzips a body from 1 KB for a client that accepts gzip, one chunk or many, and never a small one", async () => {
    const big = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, email: `person${i}@example.com` })) };
    handlers = { GET: async () => Response.json(big) };
    const gz = await send("GET", "/api/health", undefined, { "accept-encoding": "gzip, deflate, br" });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers.vary).toBe("Accept-Encoding");
    expect(JSON.parse(gz.body)).toEqual(big);
    const refused = await send("GET", "/api/health", undefined, { "accept-encoding": "gzip;q=0, identity" });
    expect(refused.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(refused.body)).toEqual(big);

    handlers = { GET: async () => Response.json({ ok: true }) };
    expect((await send("GET", "/api/health", undefined, { "accept-encoding": "gzip" })).headers["content-encoding"]).toBeUndefined();

    const parts = Array.from({ length: 300 }, (_, i) => `row ${i},someone@example.com\n`);
    handlers = { GET: async () => new Response(chunked(parts)) };
    const streamed = await send("GET", "/api/audit/export", undefined, { "accept-encoding": "gzip" });
    expect(streamed.headers["content-encoding"]).toBe("gzip");
    expect(streamed.body).toBe(parts.join(""));
  });

  it("leaves an unread body to Node (the connection carries on), and closes the connection after a body the handler stopped reading", async () => {
    const { Agent } = await import("node:http");
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string, chunked: boolean) =>
      new Promise<{ status: number; connection?: string; port: number }>((resolve, reject) => {
        const req = httpRequest(`${base}/api/auth/login`, { method: "POST", agent, headers: chunked ? {} : { "content-length": String(Buffer.byteLength(body)) } }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection, port: req.socket!.localPort! }));
        });
        req.on("error", reject);
        if (chunked) {
          // Sent in pieces without a length, as a client streaming an upload does.
          for (let i = 0; i < 8; i++) req.write(body.slice((i * body.length) / 8, ((i + 1) * body.length) / 8));
          req.end();
        } else req.end(body);
      });
    handlers = { POST: async () => Response.json({ error: "not read" }, { status: 403 }) };
    const unread1 = await post("x".repeat(300_000), false);
    const unread2 = await post("{}", false);
    expect([unread1.status, unread2.status]).toEqual([403, 403]);
    expect(unread2.port).toBe(unread1.port); // the same kept-alive connection
    handlers = {
      POST: async (request) => {
        const reader = request.body!.getReader();
        await reader.read();
        await reader.cancel();
        return Response.json({ error: "too large" }, { status: 413 });
      },
    };
    const cut = await post("y".repeat(2_000_000), true);
    expect(cut).toMatchObject({ status: 413, connection: "close" });
    handlers = { POST: async (request) => Response.json(await request.json()) };
    expect((await post(JSON.stringify({ after: true }), false)).status).toBe(200);
    agent.destroy();
  });

  it("answers HEAD with GET's headers and no body, and OPTIONS with Allow, as Next does", async () => {
    handlers = { GET: async () => Response.json({ ok: true }) };
    const head = await send("HEAD", "/api/health");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-type"]).toBe("application/json");
    const options = await send("OPTIONS", "/api/health");
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe("GET, HEAD, OPTIONS");
    expect((await send("OPTIONS", "/api/users/x")).headers.allow).toBe("DELETE, OPTIONS, PATCH");
  });
});
