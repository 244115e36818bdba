// The bench's HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched),
// so it opens from disk, offline, in CI artifacts, and can be mailed as one file.
import { VERDICT_TEXT } from './table.js';
import type { EvidenceReport, RunResult } from './types.js';

const W = 760;
const H = 300;
const M = { left: 60, right: 16, top: 28, bottom: 64 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const COLORS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];

export function renderHtml(report: EvidenceReport): string {
  const title = `loopwise bench: ${report.target}`;
  const { machine } = report;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2937; background: #fff; margin: 2rem auto; max-width: 76rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 2rem 0 .5rem; }
.meta { color: #6b7280; margin: 0; }
svg { display: block; width: 100%; max-width: 960px; height: auto; background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px; }
svg text { font: 11px system-ui, sans-serif; fill: #374151; }
.axis { stroke: #9ca3af; } .grid { stroke: #e5e7eb; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e5e7eb; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.blocking td { background: #fef2f2; } .verdict-ok { color: #15803d; } .verdict-blocking { color: #b91c1c; font-weight: 600; }
.note { color: #6b7280; font-size: 12px; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">${esc(`Started ${report.startedAt} · Node ${machine.node} · ${machine.cores} × ${machine.cpu} · ${machine.platform}`)}</p>
<h2>Results</h2>
${tables(report.runs)}
<h2>Latency percentiles per route</h2>
${latencyChart(report.runs)}
<h2>Throughput against concurrency</h2>
${throughputChart(report.runs)}
<h2>Event-loop delay over time</h2>
${loopDelayChart(report)}
<p class="note">Loop delay: the server's loop guard, largest delay per window. A route that blocks the loop makes every other request wait.</p>
</body>
</html>
`;
}

function tables(runs: RunResult[]): string {
  const levels = [...new Set(runs.map((run) => run.concurrency))];
  return levels
    .map((concurrency) => {
      const rows = runs
        .filter((run) => run.concurrency === concurrency)
        .map((run) => {
          const { p50, p95, p99 } = run.latencyMs;
          const cells = [
            `<td>${esc(run.route)}</td>`,
            `<td>${esc(run.pattern)}</td>`,
            num(run.requestsPerSecond.toFixed(0)),
            num(`${fmt(p50)} / ${fmt(p95)} / ${fmt(p99)}`),
            num(`${run.errors} / ${run.timeouts}`),
            num(run.loopDelayMaxMs === null ? '?' : `${fmt(run.loopDelayMaxMs)} ms`),
            num(run.blockedMs === null ? '?' : `${fmt(run.blockedMs)} ms`),
            `<td class="verdict-${run.verdict}">${esc(VERDICT_TEXT[run.verdict])}</td>`,
          ];
          return `<tr class="${run.verdict}" data-route="${esc(run.route)}">${cells.join('')}</tr>`;
        });
      const head = ['route', 'pattern', 'req/s', 'p50 / p95 / p99 ms', 'errors / timeouts', 'max loop delay', 'blocked', 'verdict'].map((h) => `<th>${esc(h)}</th>`).join('');
      return `<table data-concurrency="${concurrency}"><caption>${esc(`${concurrency} concurrent connection${concurrency === 1 ? '' : 's'}`)}</caption><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
    })
    .join('\n');
}

/** Grouped bars: one group per run (route at a concurrency), p50 / p95 / p99 side by side. */
function latencyChart(runs: RunResult[]): string {
  const series = ['p50', 'p95', 'p99'] as const;
  const max = niceMax(Math.max(0, ...runs.map((run) => run.latencyMs.p99)));
  const y = (v: number) => M.top + PLOT_H - (v / max) * PLOT_H;
  const group = PLOT_W / Math.max(1, runs.length);
  const bar = Math.min(28, (group * 0.8) / series.length);
  const levels = new Set(runs.map((run) => run.concurrency)).size;
  const marks = runs.flatMap((run, i) => {
    const x0 = M.left + i * group + (group - bar * series.length) / 2;
    const bars = series.map((key, j) => {
      const v = run.latencyMs[key];
      return `<rect x="${r(x0 + j * bar)}" y="${r(y(v))}" width="${r(bar - 1)}" height="${r(M.top + PLOT_H - y(v))}" fill="${COLORS[j]}" data-value="${v}"><title>${esc(`${run.route} @ ${run.concurrency}: ${key} ${fmt(v)} ms`)}</title></rect>`;
    });
    const label = levels > 1 ? `${run.route} @${run.concurrency}` : run.route;
    const lx = r(M.left + (i + 0.5) * group);
    return [...bars, `<text x="${lx}" y="${M.top + PLOT_H + 14}" text-anchor="end" transform="rotate(-25 ${lx} ${M.top + PLOT_H + 14})">${esc(label)}</text>`];
  });
  return svg('latency', `${yAxis(max, 'ms')}${marks.join('')}${legend([...series])}`);
}

/** One line per route: req/s at each concurrency level (levels evenly spaced, as tested). */
function throughputChart(runs: RunResult[]): string {
  const levels = [...new Set(runs.map((run) => run.concurrency))].sort((a, b) => a - b);
  const routes = [...new Set(runs.map((run) => run.route))];
  const max = niceMax(Math.max(0, ...runs.map((run) => run.requestsPerSecond)));
  const x = (level: number) => M.left + (levels.length === 1 ? PLOT_W / 2 : (levels.indexOf(level) / (levels.length - 1)) * PLOT_W);
  const y = (v: number) => M.top + PLOT_H - (v / max) * PLOT_H;
  const ticks = levels.map((level) => `<text x="${r(x(level))}" y="${M.top + PLOT_H + 16}" text-anchor="middle">${level}</text>`).join('');
  const lines = routes.map((route, i) => {
    const points = levels.flatMap((level) => {
      const run = runs.find((candidate) => candidate.route === route && candidate.concurrency === level);
      return run === undefined ? [] : [{ x: x(level), y: y(run.requestsPerSecond), v: run.requestsPerSecond }];
    });
    const color = COLORS[i % COLORS.length];
    const dots = points.map((p) => `<circle cx="${r(p.x)}" cy="${r(p.y)}" r="3.5" fill="${color}" data-value="${p.v}"><title>${esc(`${route}: ${p.v.toFixed(0)} req/s`)}</title></circle>`).join('');
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${r(p.x)},${r(p.y)}`).join(' ')}" data-route="${esc(route)}"/>${dots}`;
  });
  const xTitle = `<text x="${M.left + PLOT_W / 2}" y="${H - 12}" text-anchor="middle">concurrent connections</text>`;
  return svg('throughput', `${yAxis(max, 'req/s')}${ticks}${xTitle}${lines.join('')}${legend(routes)}`);
}

/** The loop guard's largest delay per window, over the whole bench. */
function loopDelayChart(report: EvidenceReport): string {
  const points = report.loopDelay;
  const maxT = Math.max(1, ...points.map((p) => p.t));
  const max = niceMax(Math.max(0, ...points.map((p) => p.delayMaxMs)));
  const x = (t: number) => M.left + (t / maxT) * PLOT_W;
  const y = (v: number) => M.top + PLOT_H - (v / max) * PLOT_H;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${r(x(f * maxT))}" y="${M.top + PLOT_H + 16}" text-anchor="middle">${(f * maxT).toFixed(1)}</text>`).join('');
  const xTitle = `<text x="${M.left + PLOT_W / 2}" y="${H - 12}" text-anchor="middle">seconds since the bench started</text>`;
  const line = `<polyline fill="none" stroke="${COLORS[4]}" stroke-width="2" points="${points.map((p) => `${r(x(p.t))},${r(y(p.delayMaxMs))}`).join(' ')}" data-points="${points.length}"/>`;
  const dots = points.map((p) => `<circle cx="${r(x(p.t))}" cy="${r(y(p.delayMaxMs))}" r="2" fill="${COLORS[4]}" data-value="${p.delayMaxMs}"><title>${esc(`${p.t.toFixed(2)} s: ${fmt(p.delayMaxMs)} ms`)}</title></circle>`).join('');
  return svg('loop-delay', `${yAxis(max, 'ms')}${ticks}${xTitle}${line}${dots}`);
}

function svg(name: string, body: string): string {
  return `<svg data-chart="${name}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

/** Horizontal grid lines with their values, the unit above the axis. */
function yAxis(max: number, unit: string): string {
  const lines = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const yy = r(M.top + PLOT_H - f * PLOT_H);
    return `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/><text x="${M.left - 6}" y="${yy + 4}" text-anchor="end">${fmt(f * max)}</text>`;
  });
  const axes = `<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + PLOT_H}"/><line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H}"/>`;
  return `${lines.join('')}${axes}<text x="${M.left - 6}" y="${M.top - 10}" text-anchor="end">${esc(unit)}</text>`;
}

function legend(names: string[]): string {
  let x = W - M.right;
  const items: string[] = [];
  // Right-aligned, laid out from the right edge (about 6.5 px per character at 11 px).
  for (let i = names.length - 1; i >= 0; i--) {
    const width = 16 + names[i]!.length * 6.5;
    x -= width + 10;
    items.push(`<rect x="${r(x)}" y="8" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${r(x + 14)}" y="17">${esc(names[i]!)}</text>`);
  }
  return items.join('');
}

/** 1, 2 or 5 × a power of ten, at or above the value, so axis labels are round. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= value)!;
}

function num(text: string): string {
  return `<td class="num">${esc(text)}</td>`;
}

function fmt(value: number): string {
  return value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1);
}

function r(value: number): number {
  return Math.round(value * 10) / 10;
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
