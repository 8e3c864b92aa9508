// The bench's bare bcrypt hash (scripts/bench.ts claimVsHash): the app's own hashing module
// (lib/auth/hash-worker.mjs: the pre-hash, then bcryptjs) run in a worker thread, as the server runs
// it for a claim, and timed inside that thread: the hash alone, without handing it over. On the
// bench's main thread the same hash ran 5-15 % slower than in the server's worker on one VM, and a
// claim (a hash and more) then came out faster than a bare hash.
import { parentPort } from "node:worker_threads";
import run from "../lib/auth/hash-worker.mjs";

parentPort.on("message", (task) => {
  const t = performance.now();
  run(task);
  parentPort.postMessage(performance.now() - t);
});
