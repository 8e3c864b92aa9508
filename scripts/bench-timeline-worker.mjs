// The hashing pool's task, as scripts/bench-timeline.mjs hands it to the pool of the server it is
// loaded into: the app's own lib/auth/hash-worker.mjs, timed inside the worker thread exactly as the
// bench times its bare hash (scripts/bench-hash.mjs), the time sent to the server's main thread.
import { BroadcastChannel } from "node:worker_threads";
import run from "../lib/auth/hash-worker.mjs";

const channel = new BroadcastChannel("bench-timeline");
channel.unref();

export default function timed(task) {
  const t = performance.now();
  const result = run(task);
  channel.postMessage(performance.now() - t);
  return result;
}
