// The storm probe of scripts/bench-http.ts sampler(), on a thread of its own: GET `url` every
// `intervalMs`, open loop, each on a new connection; on any message, stop, wait for the answers still
// due and post the samples back. `t` is ms since `origin` (an absolute performance time).
import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const { url, intervalMs, origin } = workerData;
const samples = [];
const pending = new Set();
function fire() {
  const t = performance.timeOrigin + performance.now() - origin;
  const start = performance.now();
  const p = new Promise((resolve) => {
    let settled = false;
    // One sample per probe, even when both the response and the request report the same failure.
    const done = (sample) => {
      if (settled) return;
      settled = true;
      samples.push(sample);
      resolve();
    };
    // A new connection each time, as a load balancer's probe would make.
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => done({ t, ms: performance.now() - start, status: res.statusCode }));
      res.on("error", (e) => done({ t, ms: NaN, status: 0, error: e.code || e.message }));
    });
    req.setTimeout(120000, () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
    req.on("error", (e) => done({ t, ms: NaN, status: 0, error: e.code || e.message }));
  });
  pending.add(p);
  p.finally(() => pending.delete(p));
}
fire();
const timer = setInterval(fire, intervalMs);
parentPort.on("message", async () => {
  clearInterval(timer);
  await Promise.all([...pending]);
  parentPort.postMessage(samples);
});
