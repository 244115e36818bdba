// The HTML report's charts, as inline SVG: latency per run, throughput against concurrency and the
// server's loop delay over time with each run's phase shaded. Latency and throughput use log
// scales, so a 2-second route's 0.5 req/s stays visible beside a fast route's 20,000.
import { escapeHtml } from './escape-html.js';
import { formatMs, formatRate } from './format-figures.js';
import type { EvidenceReport, RunResult } from './types.js';

const W = 760;
const RIGHT = 16;
/** A generous average width of one character of the 11 px chart font, to lay out text without measuring it. */
const CHAR_PX = 6.6;
export const COLORS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];

/** One row per run, p50 / p95 / p99 as horizontal bars on a log scale; the route named on the left. */
export function latencyChart(runs: RunResult[]): string {
  const levels = new Set(runs.map((run) => run.concurrency)).size;
  const series = ['p50', 'p95', 'p99'] as const;
  const left = 250;
  const top = 34;
  const rowH = 24;
  // Room on the right for half the last tick's label ("10,000").
  const plotW = W - left - RIGHT - 16;
  const answered = runs.filter((run) => run.requests > 0);
  const scale = logScale(answered.flatMap((run) => [run.latencyMs.p50, run.latencyMs.p99]));
  const x = (v: number) => left + scale.fraction(v) * plotW;
  const bottom = top + Math.max(1, runs.length) * rowH;
  const grid = scale.ticks.map((tick) => {
    const xx = r(x(tick));
    return `<line class="grid" x1="${xx}" x2="${xx}" y1="${top}" y2="${bottom}"/><text x="${xx}" y="${bottom + 14}" text-anchor="middle">${formatMs(tick)}</text>`;
  });
  const rows = runs.map((run, i) => {
    const y0 = top + i * rowH + 3;
    const name = levels > 1 ? `${run.route} @${run.concurrency}` : run.route;
    const label = `<text x="${left - 8}" y="${y0 + 12}" text-anchor="end">${escapeHtml(fit(name, left - 14))}<title>${escapeHtml(name)}</title></text>`;
    if (run.requests === 0) return `${label}<text x="${left + 6}" y="${y0 + 12}" class="none">none answered</text>`;
    const bars = series.map((key, j) => {
      const v = run.latencyMs[key];
      return `<rect x="${left}" y="${y0 + j * 6}" width="${r(Math.max(1, x(v) - left))}" height="5" fill="${COLORS[j]}" data-value="${v}"><title>${escapeHtml(`${name}: ${key} ${formatMs(v)} ms`)}</title></rect>`;
    });
    return `${label}${bars.join('')}`;
  });
  const axis = `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${bottom}"/><text x="${W - RIGHT}" y="${bottom + 30}" text-anchor="end">milliseconds (log scale)</text>`;
  const key = legendRow(series.map((name, j) => ({ name, color: COLORS[j]! })), left, 10);
  return svg('latency', bottom + 40, `${grid.join('')}${axis}${rows.join('')}${key}`);
}

/** One line per route: req/s at each concurrency level (levels evenly spaced, as tested), on a log scale. */
export function throughputChart(runs: RunResult[]): string {
  const levels = [...new Set(runs.map((run) => run.concurrency))].sort((a, b) => a - b);
  const routes = [...new Set(runs.map((run) => run.route))];
  const left = 64;
  const top = 24;
  const plotW = W - left - RIGHT;
  const plotH = 220;
  // Runs that answered nothing get a floor of their own, a decade below the slowest route, labelled "none".
  const rates = runs.filter((run) => run.requests > 0).map((run) => run.requestsPerSecond);
  const hasNone = runs.some((run) => run.requests === 0 || !(run.requestsPerSecond > 0));
  const scale = logScale(hasNone ? [...rates, (rates.length === 0 ? 1 : Math.min(...rates)) / 10] : rates);
  const x = (level: number) => left + (levels.length === 1 ? plotW / 2 : (levels.indexOf(level) / (levels.length - 1)) * plotW);
  const y = (v: number) => top + plotH - scale.fraction(v) * plotH;
  const grid = scale.ticks.map((tick) => {
    const yy = r(y(tick));
    return `<line class="grid" x1="${left}" x2="${W - RIGHT}" y1="${yy}" y2="${yy}"/><text x="${left - 6}" y="${yy + 4}" text-anchor="end">${hasNone && tick === scale.ticks[0] ? 'none' : formatRate(tick)}</text>`;
  });
  const ticks = levels.map((level) => `<text x="${r(x(level))}" y="${top + plotH + 16}" text-anchor="middle">${level}</text>`);
  const lines = routes.map((route, i) => {
    const color = COLORS[i % COLORS.length]!;
    const points = levels.flatMap((level) => {
      const run = runs.find((candidate) => candidate.route === route && candidate.concurrency === level);
      const none = run?.requests === 0;
      return run === undefined ? [] : [{ x: x(level), y: none ? y(0) : y(run.requestsPerSecond), v: run.requestsPerSecond, none }];
    });
    // A run that answered nothing sits on the floor as a hollow dot: there is no rate to draw.
    const dots = points.map(
      (p) =>
        `<circle cx="${r(p.x)}" cy="${r(p.y)}" r="3.5" fill="${p.none ? '#fff' : color}" stroke="${color}" data-value="${p.v}"><title>${escapeHtml(`${route}: ${p.none ? 'none answered' : `${formatRate(p.v)} req/s`}`)}</title></circle>`,
    );
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${r(p.x)},${r(p.y)}`).join(' ')}" data-route="${escapeHtml(route)}"/>${dots.join('')}`;
  });
  const axes = `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}"/><line class="axis" x1="${left}" x2="${W - RIGHT}" y1="${top + plotH}" y2="${top + plotH}"/>`;
  const titles = `<text x="${left - 6}" y="${top - 10}" text-anchor="end">req/s</text><text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">concurrent connections (req/s on a log scale)</text>`;
  const key = legendRows(routes.map((name, i) => ({ name, color: COLORS[i % COLORS.length]! })), left, top + plotH + 56);
  return svg('throughput', key.bottom + 8, `${grid.join('')}${axes}${titles}${ticks.join('')}${lines.join('')}${key.svg}`);
}

/** The loop guard's largest delay per window over the whole bench, each run's phase shaded and named. */
export function loopDelayChart(report: EvidenceReport): string {
  const points = report.loopDelay;
  const phases = runPhases(report.runs);
  const left = 60;
  const top = 48;
  const plotW = W - left - RIGHT;
  const plotH = 200;
  const maxT = Math.max(1, ...points.map((p) => p.t), ...phases.map((phase) => phase.end));
  const max = niceMax(Math.max(0, ...points.map((p) => p.delayMaxMs)));
  const x = (t: number) => left + (t / maxT) * plotW;
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const colorOf = new Map([...new Set(phases.map((phase) => phase.route))].map((route, i) => [route, COLORS[i % COLORS.length]!]));
  const bands = phases.map((phase, i) => {
    const x0 = x(phase.start);
    const width = Math.max(1, x(phase.end) - x0);
    const color = colorOf.get(phase.route)!;
    // Neighbouring labels alternate between two lines, so short phases do not print over each other.
    // A label may run on to where the next label on its line begins (two phases on).
    const next = phases[i + 2];
    const label = fit(phase.label, Math.min(next === undefined ? Infinity : x(next.start) - x0 - 10, W - x0 - 12));
    const text = label === '' ? '' : `<text x="${r(x0 + 3)}" y="${i % 2 === 0 ? 16 : 32}" class="phase">${escapeHtml(label)}</text>`;
    return `<rect x="${r(x0)}" y="${top}" width="${r(width)}" height="${plotH}" fill="${color}" fill-opacity="0.12" data-phase="${escapeHtml(phase.label)}"><title>${escapeHtml(`${phase.title}: ${phase.start.toFixed(1)}–${phase.end.toFixed(1)} s`)}</title></rect><line x1="${r(x0)}" x2="${r(x0)}" y1="${i % 2 === 0 ? 20 : 36}" y2="${top + plotH}" stroke="${color}" stroke-opacity="0.5"/>${text}`;
  });
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const yy = r(top + plotH - f * plotH);
    return `<line class="grid" x1="${left}" x2="${W - RIGHT}" y1="${yy}" y2="${yy}"/><text x="${left - 6}" y="${yy + 4}" text-anchor="end">${formatMs(f * max)}</text>`;
  });
  const step = niceMax(maxT / 6);
  const ticks = Array.from({ length: Math.floor(maxT / step) + 1 }, (_, i) => i * step).map(
    (t) => `<text x="${r(x(t))}" y="${top + plotH + 16}" text-anchor="middle">${Number(t.toPrecision(3))}</text>`,
  );
  const axes = `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}"/><line class="axis" x1="${left}" x2="${W - RIGHT}" y1="${top + plotH}" y2="${top + plotH}"/>`;
  const titles = `<text x="${left - 6}" y="${top - 14}" text-anchor="end">ms</text><text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">seconds since the bench started</text>`;
  // A stall holds /metrics too, so readings stop while the server is stalled: such a gap is drawn
  // dashed, not as a line through readings that never came.
  const segments = splitAtGaps(points);
  const xy = (segment: typeof points) => segment.map((p) => `${r(x(p.t))},${r(y(p.delayMaxMs))}`).join(' ');
  const solid = segments.map((segment) => `<polyline fill="none" stroke="${COLORS[4]}" stroke-width="2" points="${xy(segment)}" data-points="${segment.length}"/>`);
  const dashed = segments.slice(1).map((segment, i) => `<line class="gap" x1="${r(x(segments[i]!.at(-1)!.t))}" y1="${r(y(segments[i]!.at(-1)!.delayMaxMs))}" x2="${r(x(segment[0]!.t))}" y2="${r(y(segment[0]!.delayMaxMs))}" stroke="${COLORS[4]}" stroke-width="1.5" stroke-dasharray="5 4"><title>no reading: the server did not answer /metrics meanwhile</title></line>`);
  const line = solid.join('') + dashed.join('');
  const dots = points.map((p) => `<circle cx="${r(x(p.t))}" cy="${r(y(p.delayMaxMs))}" r="2" fill="${COLORS[4]}" data-value="${p.delayMaxMs}"><title>${escapeHtml(`${p.t.toFixed(2)} s: ${formatMs(p.delayMaxMs)} ms`)}</title></circle>`);
  return svg('loop-delay', top + plotH + 44, `${bands.join('')}${grid.join('')}${axes}${titles}${ticks.join('')}${line}${dots.join('')}`);
}

/** Readings split where one came much later than the sampling rhythm (4 × the median interval, at least 1 s). */
function splitAtGaps<T extends { t: number }>(points: T[]): T[][] {
  if (points.length === 0) return [];
  const intervals = points.slice(1).map((p, i) => p.t - points[i]!.t).sort((a, b) => a - b);
  const gap = Math.max(1, 4 * (intervals[Math.floor(intervals.length / 2)] ?? 0));
  const segments: T[][] = [[points[0]!]];
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.t - points[i - 1]!.t > gap) segments.push([]);
    segments.at(-1)!.push(points[i]!);
  }
  return segments;
}

interface Phase {
  route: string;
  label: string;
  title: string;
  start: number;
  end: number;
}

/** Runs that ran together (a route and a probe loaded beside it) share one phase, named for the first. */
function runPhases(runs: RunResult[]): Phase[] {
  const levels = new Set(runs.map((run) => run.concurrency)).size;
  const phases: Phase[] = [];
  for (const run of runs) {
    const { startedAtSeconds: start, endedAtSeconds: end } = run;
    if (start === undefined || end === undefined || !(end >= start)) continue;
    const same = phases.find((phase) => Math.abs(phase.start - start) < 0.05 && Math.abs(phase.end - end) < 0.05);
    if (same !== undefined) {
      same.title += ` + ${run.route}`;
      continue;
    }
    const label = levels > 1 ? `${run.route} @${run.concurrency}` : run.route;
    phases.push({ route: run.route, label, title: label, start, end });
  }
  return phases;
}

interface LogScale {
  /** 0 at the floor, 1 at the ceiling; 0 (and below) sit on the floor. */
  fraction(value: number): number;
  ticks: number[];
}

/** Whole decades around the positive values, with 2 and 5 marks when only a few decades are shown. */
function logScale(values: number[]): LogScale {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const lo = positive.length === 0 ? 1 : 10 ** Math.floor(Math.log10(Math.min(...positive)));
  let hi = positive.length === 0 ? 10 : 10 ** Math.ceil(Math.log10(Math.max(...positive)));
  if (hi <= lo) hi = lo * 10;
  const span = Math.log10(hi / lo);
  const ticks: number[] = [];
  for (let decade = lo; decade <= hi * 1.0001; decade *= 10) {
    ticks.push(decade);
    if (span <= 2 && decade < hi) ticks.push(decade * 2, decade * 5);
  }
  return { fraction: (v) => (v > 0 ? Math.min(1, Math.max(0, Math.log10(v / lo) / span)) : 0), ticks: ticks.map((t) => Number(t.toPrecision(3))) };
}

/** 1, 2 or 5 × a power of ten, at or above the value, so axis labels are round. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= value)!;
}

interface KeyItem {
  name: string;
  color: string;
}

function legendRow(items: KeyItem[], x0: number, y: number): string {
  return legendRows(items, x0, y).svg;
}

/** Legend items left to right, onto a new line when the next would not fit, each name shortened to fit a line. */
function legendRows(items: KeyItem[], x0: number, y0: number): { svg: string; bottom: number } {
  const parts: string[] = [];
  let x = x0;
  let y = y0;
  for (const item of items) {
    const name = fit(item.name, W - RIGHT - x0 - 16);
    const width = 14 + textWidth(name) + 18;
    if (x > x0 && x + width > W - RIGHT) {
      x = x0;
      y += 18;
    }
    parts.push(`<g class="key"><rect x="${r(x)}" y="${y}" width="10" height="10" fill="${item.color}"/><text x="${r(x + 14)}" y="${y + 9}">${escapeHtml(name)}<title>${escapeHtml(item.name)}</title></text></g>`);
    x += width;
  }
  return { svg: parts.join(''), bottom: y + 12 };
}

function textWidth(text: string): number {
  return text.length * CHAR_PX;
}

/** The text shortened in its middle ("GET /api/v1/org…/members") to fit px; '' when not even a few characters fit. */
export function fit(text: string, px: number): string {
  const room = Math.floor(px / CHAR_PX);
  if (text.length <= room) return text;
  if (room < 6) return '';
  const head = Math.ceil((room - 1) * 0.55);
  return `${text.slice(0, head)}…${text.slice(text.length - (room - 1 - head))}`;
}

function svg(name: string, height: number, body: string): string {
  const h = Math.ceil(height);
  return `<svg data-chart="${name}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

function r(value: number): number {
  return Math.round(value * 10) / 10;
}
