import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import { env } from "../env";

// Every bcrypt hash and comparison runs in a pool of worker threads (piscina), so a storm of claims
// or logins never blocks the thread that answers requests. In front of the pool, a bounded queue
// (HASH_QUEUE_MAX): a task that finds it full fails at once with ServerBusyError, which the route
// wrapper (lib/http.ts route) answers 503 server_busy with Retry-After, instead of every request
// slowing down for everyone.
//
// The worker is a plain .mjs file loaded from the project directory (the server runs there), not
// from Next's bundle: bundled, the pool could not find it. `piscina` is listed in next.config.ts
// serverExternalPackages for the same reason.

export type HashTask = { op: "hash"; password: string; cost: number } | { op: "compare"; password: string; hash: string };

/** The hashing queue is full: answer 503 server_busy (lib/http.ts). */
export class ServerBusyError extends Error {
  constructor() {
    super("The password hashing queue is full.");
    this.name = "ServerBusyError";
  }
}

/** Tasks handed to the pool since start, by kind (tests count bcrypt work with it, never time). */
export const hashTaskCounts = { hash: 0, compare: 0 };

const WORKER_FILE = path.join(process.cwd(), "lib", "auth", "hash-worker.mjs");

// Next evaluates this module once per route bundle: the pool and its count live on globalThis so a
// process has one pool, and scripts/server.mjs can close it on shutdown (__closeHashPool).
const g = globalThis as unknown as {
  __hashPool?: { pool: Piscina | null; inFlight: number };
  __closeHashPool?: () => Promise<void>;
};
const state = (g.__hashPool ??= { pool: null, inFlight: 0 });
g.__closeHashPool = closeHashPool;

/** HASH_THREADS, or the cores this process may use: available cores ÷ WEB_CONCURRENCY (at least 1). */
export function hashThreads(): number {
  const e = env();
  return e.HASH_THREADS ?? Math.max(1, Math.floor(availableParallelism() / e.WEB_CONCURRENCY));
}

function getPool(): Piscina {
  if (!state.pool) {
    const threads = hashThreads();
    state.pool = new Piscina({
      filename: pathToFileURL(WORKER_FILE).href,
      minThreads: 1,
      maxThreads: threads,
      // Admission is ours (runHashTask counts tasks in flight); piscina's own limit is not exact
      // when no task may wait.
      maxQueue: Infinity,
      idleTimeout: 60_000,
    });
  }
  return state.pool;
}

export async function runHashTask<T extends string | boolean>(task: HashTask): Promise<T> {
  const p = getPool();
  // Running (one per thread) plus waiting: beyond threads + HASH_QUEUE_MAX, refuse at once.
  if (state.inFlight >= hashThreads() + env().HASH_QUEUE_MAX) throw new ServerBusyError();
  state.inFlight++;
  hashTaskCounts[task.op]++;
  try {
    return (await p.run(task)) as T;
  } finally {
    state.inFlight--;
  }
}

/** Stops the worker threads (graceful shutdown, tests); the next task starts a new pool. */
export async function closeHashPool(): Promise<void> {
  const p = state.pool;
  state.pool = null;
  await p?.destroy();
}
