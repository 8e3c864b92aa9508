import { AsyncLocalStorage } from "node:async_hooks";
import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Piscina } from "piscina";
import { env } from "../env";

// Every bcrypt hash and comparison runs in a pool of worker threads (piscina), so a storm of claims
// or logins never blocks the thread that answers requests. In front of the pool, admission control:
// at most `hashSlots()` requests at a time are in their password phase (withHashSlot: for a claim,
// the strength estimate, which runs on this thread, and the hash); up to HASH_QUEUE_MAX more wait
// for a slot doing no work at all; beyond that a request fails at once with ServerBusyError, which
// the route wrapper (lib/http.ts route) answers 503 server_busy with Retry-After, before it spends
// anything, instead of every request slowing down for everyone. A claim storm therefore keeps only a
// few claims' work on the request thread at any moment, and cheap requests are served in between.
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
type PoolState = {
  pool: Piscina | null;
  /** Slots held (running requests' password phases). */
  active: number;
  /** Requests waiting for a slot, first come first served. */
  waiting: Array<() => void>;
  /** Marks code running inside a slot (one instance per process, like the pool). */
  scope: AsyncLocalStorage<true>;
};
const g = globalThis as unknown as { __hashPool?: PoolState; __closeHashPool?: () => Promise<void> };
const state = (g.__hashPool ??= { pool: null, active: 0, waiting: [], scope: new AsyncLocalStorage<true>() });
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
      // Admission is ours (withHashSlot); piscina's own limit is not exact when no task may wait.
      maxQueue: Infinity,
      idleTimeout: 60_000,
    });
  }
  return state.pool;
}

/** Requests in their password phase at once: one per hashing thread, plus one preparing the next task. */
export function hashSlots(): number {
  return hashThreads() + 1;
}

function acquireSlot(): Promise<void> {
  if (state.active < hashSlots()) {
    state.active++;
    return Promise.resolve();
  }
  if (state.waiting.length >= env().HASH_QUEUE_MAX) return Promise.reject(new ServerBusyError());
  return new Promise((resolve) => state.waiting.push(resolve));
}

function releaseSlot(): void {
  const next = state.waiting.shift();
  // The slot passes straight to the next waiter; otherwise it is free.
  if (next) next();
  else state.active--;
}

/**
 * Runs `fn` (a request's password phase) once a slot is free; throws ServerBusyError at once when
 * HASH_QUEUE_MAX requests are already waiting. Hashing inside `fn` uses this slot (no second
 * admission); nested calls run directly.
 */
export async function withHashSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (state.scope.getStore()) return fn();
  await acquireSlot();
  try {
    return await state.scope.run(true, fn);
  } finally {
    releaseSlot();
  }
}

export async function runHashTask<T extends string | boolean>(task: HashTask): Promise<T> {
  return withHashSlot(async () => {
    hashTaskCounts[task.op]++;
    return (await getPool().run(task)) as T;
  });
}

/** Stops the worker threads (graceful shutdown, tests); the next task starts a new pool. */
export async function closeHashPool(): Promise<void> {
  const p = state.pool;
  state.pool = null;
  await p?.destroy();
}
