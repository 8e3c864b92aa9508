// Raw HTTP for the load and fault specs (e2e/many-instances.spec.ts, e2e/faults.spec.ts): every
// request on a connection of its own (no keep-alive), optionally from a chosen loopback source
// address, and every outcome kept — status, error code, whether the body was JSON, a dropped
// connection, a hang — so a spec can count whatever is not a proper answer.
import http from "node:http";

export type Answer = {
  /** HTTP status, or 0 when no response arrived (see `error`). */
  status: number;
  /** `error.code` of a JSON error body. */
  code?: string;
  /** The parsed JSON body (undefined when it was not JSON, or empty). */
  body?: unknown;
  /** The body was JSON (or empty, for a 204). */
  json: boolean;
  /** No response: the socket error's code or message (ECONNRESET, ECONNREFUSED, "timeout", …). */
  error?: string;
  headers: http.IncomingHttpHeaders;
  startedAt: number;
  endedAt: number;
};

export type RequestOptions = {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Source address of the connection, e.g. 127.0.3.7 (Linux routes all of 127.0.0.0/8 to lo). */
  localAddress?: string;
  /** Give up (error "timeout") after this long: a hang is an outcome too. */
  timeoutMs?: number;
};

export function request(url: string, opts: RequestOptions = {}): Promise<Answer> {
  const startedAt = Date.now();
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: Omit<Answer, "startedAt" | "endedAt">) => {
      if (settled) return;
      settled = true;
      resolve({ ...a, startedAt, endedAt: Date.now() });
    };
    const req = http.request(
      url,
      {
        method: opts.method ?? (payload ? "POST" : "GET"),
        agent: false,
        localAddress: opts.localAddress,
        headers: {
          ...(payload && { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err: NodeJS.ErrnoException) => done({ status: 0, json: false, error: err.code ?? err.message, headers: {} }));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          let body: unknown;
          let json = false;
          if (text === "") json = status === 204;
          else if ((res.headers["content-type"] ?? "").startsWith("application/json")) {
            try {
              body = JSON.parse(text);
              json = true;
            } catch {
              json = false;
            }
          }
          const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
          done({ status, json, body, code: typeof code === "string" ? code : undefined, headers: res.headers });
        });
        // "aborted" without "end": the server went away mid-body.
        res.on("aborted", () => done({ status: 0, json: false, error: "aborted", headers: {} }));
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) => done({ status: 0, json: false, error: err.code ?? err.message, headers: {} }));
    if (opts.timeoutMs) {
      req.setTimeout(opts.timeoutMs, () => {
        done({ status: 0, json: false, error: "timeout", headers: {} });
        req.destroy();
      });
    }
    req.end(payload);
  });
}

/**
 * A proper answer: a 2xx or 4xx with a JSON body, or a 503 JSON error whose code says why
 * (service_unavailable: the database; server_busy: the hashing queue; GET /api/health's own
 * {status: "error", db: "unreachable"}). Anything else — another 5xx, a non-JSON body, a reset or
 * refused connection, a timeout — is not.
 */
export function isProperAnswer(a: Answer): boolean {
  if (!a.json) return false;
  if (a.status >= 200 && a.status < 500) return true;
  if (a.status !== 503) return false;
  const health = a.body as { status?: unknown; db?: unknown } | undefined;
  return a.code === "service_unavailable" || a.code === "server_busy" || (health?.status === "error" && health?.db === "unreachable");
}

/** "503 service_unavailable", "200", "ECONNRESET" … for tallies and failure messages. */
export function outcome(a: Answer): string {
  if (a.status === 0) return `error ${a.error}`;
  return [a.status, a.code, a.json ? "" : "(not JSON)"].filter(Boolean).join(" ");
}

export function tally(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[outcome(a)] = (out[outcome(a)] ?? 0) + 1;
  return out;
}

/** The i-th distinct loopback address, 127.0.1.1 onwards (never 127.0.0.1, which the test itself uses). */
export function loopbackAddress(i: number): string {
  return `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
