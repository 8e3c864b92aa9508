// A worker thread of the hashing pool (lib/auth/hash-pool.ts): every bcrypt round runs here, never on
// the thread that serves requests. bcryptjs's synchronous calls are used on purpose: this thread has
// nothing else to do, and the async ones only add scheduling overhead.
import bcrypt from "bcryptjs";
import { prehash } from "./prehash.mjs";

/**
 * @param {{ op: "hash", password: string, cost: number } | { op: "compare", password: string, hash: string }} task
 * @returns {string | boolean}
 */
export default function run(task) {
  if (task.op === "hash") return bcrypt.hashSync(prehash(task.password), task.cost);
  if (task.op === "compare") return bcrypt.compareSync(prehash(task.password), task.hash);
  throw new Error("unknown hashing task");
}
