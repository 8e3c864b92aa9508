// The chart `npm run bench` draws (bench/chart.svg), as plain SVG text: no dependency.
//  1. GET /api/health latency while the claim storm runs, one dot per probe (log scale), per database,
//     against the 50 ms target and the p99 the issue measured before hashing left the event loop.
//  2. One claim's p50 next to one bare bcrypt hash's p50, per database.

type Storm = {
  claims: number;
  seconds: number;
  health: { p99: number };
  series: [number, number][];
  ok: number;
  serverBusy: number;
  other?: Record<string, number>;
};
type Report = {
  date: string;
  machine: { cpu: string; cores: number };
  config: { cost?: number; stormProbeIntervalMs?: number };
  results: Record<string, { storm?: Storm; claimVsHash?: ClaimVsHash; claimTimeline?: { claimPerOwnHash?: number } }>;
};
type ClaimVsHash = { claimP50: number; hashP50: number; ratio: number; pairedRatio?: number };

const W = 960;
const COLORS: Record<string, string> = { pglite: "#2563eb", postgres: "#ea580c" };
const NAMES: Record<string, string> = { pglite: "PGlite", postgres: "Postgres 15" };
// Issue 9, measured before the worker pool: health p99 while 40 claims ran, on Postgres.
const BEFORE_P99_MS = 9600;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`);

export function drawChart(report: Report): string {
  const parts: string[] = [];
  const kinds = Object.keys(report.results);
  const text = (x: number, y: number, s: string, attrs = "") => parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`);

  // ---- panel 1: health latency during the storm
  const p1 = { x: 70, y: 60, w: W - 100, h: 300 };
  const storms = kinds.map((k) => [k, report.results[k].storm] as const).filter((e): e is readonly [string, Storm] => !!e[1]);
  const claims = storms[0]?.[1].claims ?? 200;
  text(W / 2, 28, `GET /api/health latency while ${claims} claims run at once (bcrypt cost ${report.config.cost ?? 12})`, 'text-anchor="middle" font-size="16" font-weight="600"');
  const tMax = Math.max(1000, ...storms.flatMap(([, s]) => s.series.map(([t]) => t)));
  const tMin = -500;
  const yMin = 1;
  const slowest = Math.max(1, ...storms.flatMap(([, s]) => s.series.map(([, ms]) => ms)));
  const yMax = 10 ** Math.max(4, Math.ceil(Math.log10(slowest)));
  const X = (t: number) => p1.x + ((t - tMin) / (tMax - tMin)) * p1.w;
  const Y = (ms: number) => p1.y + p1.h - ((Math.log10(Math.max(yMin, Math.min(yMax, ms))) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * p1.h;
  parts.push(`<rect x="${p1.x}" y="${p1.y}" width="${p1.w}" height="${p1.h}" fill="#fafafa" stroke="#ccc"/>`);
  for (let ms = 1; ms <= yMax; ms *= 10) {
    parts.push(`<line x1="${p1.x}" x2="${p1.x + p1.w}" y1="${Y(ms)}" y2="${Y(ms)}" stroke="#e5e5e5"/>`);
    text(p1.x - 6, Y(ms) + 4, fmt(ms), 'text-anchor="end" font-size="11" fill="#555"');
  }
  const step = tMax > 40_000 ? 10_000 : tMax > 10_000 ? 5000 : 1000;
  for (let t = 0; t <= tMax; t += step) text(X(t), p1.y + p1.h + 16, `${t / 1000} s`, 'text-anchor="middle" font-size="11" fill="#555"');
  text(p1.x + p1.w / 2, p1.y + p1.h + 34, `time since the claims were sent (one probe every ${report.config.stormProbeIntervalMs ?? 100} ms, open loop)`, 'text-anchor="middle" font-size="12" fill="#333"');
  // target and "before"
  parts.push(`<line x1="${p1.x}" x2="${p1.x + p1.w}" y1="${Y(50)}" y2="${Y(50)}" stroke="#16a34a" stroke-dasharray="6 4"/>`);
  text(p1.x + p1.w - 4, Y(50) + 14, "target: p99 ≤ 50 ms", 'text-anchor="end" font-size="11" fill="#16a34a"');
  parts.push(`<line x1="${p1.x}" x2="${p1.x + p1.w}" y1="${Y(BEFORE_P99_MS)}" y2="${Y(BEFORE_P99_MS)}" stroke="#dc2626" stroke-dasharray="6 4"/>`);
  text(p1.x + p1.w * 0.3, Y(BEFORE_P99_MS) + 14, "before the hashing pool (issue 9, Postgres): p99 9.6 s with 40 claims", 'font-size="11" fill="#dc2626"');
  // dots
  for (const [k, s] of storms) {
    const dots = s.series.map(([t, ms]) => `<circle cx="${X(t).toFixed(1)}" cy="${Y(ms).toFixed(1)}" r="1.6"/>`).join("");
    parts.push(`<g fill="${COLORS[k] ?? "#555"}" fill-opacity="0.55">${dots}</g>`);
    // the storm's end
    parts.push(`<line x1="${X(s.seconds * 1000)}" x2="${X(s.seconds * 1000)}" y1="${p1.y}" y2="${p1.y + p1.h}" stroke="${COLORS[k]}" stroke-opacity="0.5"/>`);
  }
  parts.push(`<line x1="${X(0)}" x2="${X(0)}" y1="${p1.y}" y2="${p1.y + p1.h}" stroke="#999"/>`);
  // legend, under the axis
  storms.forEach(([k, s], i) => {
    const y = p1.y + p1.h + 56 + i * 18;
    parts.push(`<circle cx="${p1.x + 12}" cy="${y - 4}" r="4" fill="${COLORS[k]}"/>`);
    const other = Object.entries(s.other ?? {}).map(([why, n]) => `, ${n} × ${why}`).join("");
    text(p1.x + 22, y, `${NAMES[k] ?? k}: p99 ${fmt(s.health.p99)}; ${s.ok} claimed, ${s.serverBusy} × 503 server_busy${other}; all answered after ${s.seconds} s (vertical line)`, 'font-size="12"');
  });

  // ---- panel 2: claim vs hash
  const p2 = { x: 70, y: p1.y + p1.h + 56 + storms.length * 18 + 50, w: W - 100, h: 150 };
  text(W / 2, p2.y - 22, "One claim (over HTTP) next to one bare bcrypt hash, p50, same run", 'text-anchor="middle" font-size="16" font-weight="600"');
  const cvh = kinds.map((k) => [k, report.results[k].claimVsHash] as const).filter((e): e is readonly [string, ClaimVsHash] => !!e[1]);
  const vMax = Math.max(1, ...cvh.flatMap(([, c]) => [c.claimP50, c.hashP50])) * 1.1;
  const barH = 18;
  const ROW = 84;
  cvh.forEach(([k, c], i) => {
    const y0 = p2.y + i * ROW;
    const bw = (v: number) => (v / vMax) * (p2.w - 420);
    text(p2.x, y0 + 14, NAMES[k] ?? k, 'font-size="13" font-weight="600"');
    parts.push(`<rect x="${p2.x + 110}" y="${y0}" width="${bw(c.hashP50).toFixed(1)}" height="${barH}" fill="#9ca3af"/>`);
    text(p2.x + 116 + bw(c.hashP50), y0 + 13, `bare hash ${fmt(c.hashP50)}`, 'font-size="12"');
    parts.push(`<rect x="${p2.x + 110}" y="${y0 + barH + 4}" width="${bw(c.claimP50).toFixed(1)}" height="${barH}" fill="${COLORS[k]}"/>`);
    const own = report.results[k].claimTimeline?.claimPerOwnHash;
    const ratios = `× ${c.ratio.toFixed(3)}${c.pairedRatio === undefined ? "" : `, paired × ${c.pairedRatio.toFixed(3)}`}${own === undefined ? "" : `, its own hash × ${own.toFixed(3)}`}`;
    text(p2.x + 116 + bw(c.claimP50), y0 + barH + 17, `claim ${fmt(c.claimP50)}`, 'font-size="12"');
    text(p2.x + 110, y0 + 2 * barH + 24, `claim ÷ hash ${ratios}; target ≤ 1.05`, 'font-size="12" fill="#444"');
  });
  const H = p2.y + Math.max(1, cvh.length) * ROW + 30;
  text(W / 2, H - 10, `npm run bench, ${report.date.slice(0, 10)}, ${report.machine.cpu} (${report.machine.cores} cores, shared)`, 'text-anchor="middle" font-size="11" fill="#666"');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`;
}
