// A worker thread of the hashing pool (lib/auth/hash-pool.ts): every bcrypt round runs here, never on
// the thread that serves requests. bcryptjs's synchronous calls are used on purpose: this thread has
// nothing else to do, and the async ones only add scheduling overhead.
import { constants, setPriority } from "node:os";
import bcrypt from "bcryptjs";
import { prehash } from "./prehash.mjs";

// This thread yields the CPU to everything else: on Linux a thread's nice value is its own
// (setpriority on the calling thread), so the request thread and the database keep their share and a
// claim storm that fills every core with bcrypt rounds no longer delays cheap requests; the hashing
// itself uses whatever CPU they leave. Where the OS refuses, hashing runs at normal priority.
try {
  setPriority(constants.priority.PRIORITY_LOW);
} catch {
  // not permitted here: normal priority
}

/**
 * @param {{ op: "hash", password: string, cost: number } | { op: "compare", password: string, hash: string }} task
 * @returns {string | boolean}
 */
export default function run(task) {
  if (task.op === "hash") return bcrypt.hashSync(prehash(task.password), task.cost);
  if (task.op === "compare") return bcrypt.compareSync(prehash(task.password), task.hash);
  throw new Error("unknown hashing task");
}
