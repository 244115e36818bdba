import type { Route, ServerName } from './options.js';
import type { Disturbance } from './cpu-noise.js';
import type { WrkRun } from './wrk.js';

/** Above this share of the server core going to other tasks or hypervisor steal, a run is disturbed. */
export const DISTURBED_PERCENT = 5;
/** wrk needs about half of its core, so only a larger loss there can slow the load it sends. */
export const DISTURBED_LOAD_PERCENT = 25;

export interface RunResult extends WrkRun {
  round: number;
  route: string;
  server: ServerName;
  /** 1-based place of this server in its route's order that round (the order rotates). */
  position: number;
  /** Measurements taken to get this one: more than 1 when earlier ones were disturbed. */
  attempts: number;
  /** What else ran on the two cores meanwhile; null where /proc is not there to tell. */
  disturbance: Disturbance | null;
}

export function isDisturbed(run: RunResult): boolean {
  const d = run.disturbance;
  if (d === null) return false;
  return d.server.otherPercent + d.server.stealPercent > DISTURBED_PERCENT || d.load.otherPercent + d.load.stealPercent > DISTURBED_LOAD_PERCENT;
}

/** How far past its threshold the worse core was (0 when neither was): picks the cleanest attempt. */
export function disturbedBy(run: RunResult): number {
  const d = run.disturbance;
  if (d === null) return 0;
  return Math.max(
    0,
    d.server.otherPercent + d.server.stealPercent - DISTURBED_PERCENT,
    d.load.otherPercent + d.load.stealPercent - DISTURBED_LOAD_PERCENT,
  );
}

export interface ServerSummary {
  server: ServerName;
  requestsPerSecond: number;
  p99Ms: number;
  rounds: number[];
  /** Rounds (1-based) during which other work took a slice of the server's or wrk's core. */
  disturbedRounds: number[];
}

export interface RouteSummary {
  route: string;
  servers: ServerSummary[];
  /** loopwise's median req/s over the others'; null when one of the two was not run. */
  loopwiseVsRaw: number | null;
  loopwiseVsFastify: number | null;
  /** Against the anchors users would pick instead; no target, shown for comparison only. */
  loopwiseVsHono: number | null;
  loopwiseVsExpress: number | null;
  /** The same ratios within each round (servers run back to back there), to show how much they move. */
  roundRatios: { vsRaw: number[]; vsFastify: number[]; vsHono: number[]; vsExpress: number[] };
}

export interface Target {
  label: string;
  ratio: number | null;
  /** Lowest and highest per-round ratio: when they straddle the minimum, the verdict is a close call. */
  range: [number, number] | null;
  minimum: number;
  /** null: not measured in this run (a server or route was left out). */
  pass: boolean | null;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(results: RunResult[], routes: Route[], servers: ServerName[]): RouteSummary[] {
  return routes.map((route) => {
    const rows = servers.map((server): ServerSummary => {
      const runs = results.filter((r) => r.route === route.name && r.server === server).sort((a, b) => a.round - b.round);
      return {
        server,
        requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        rounds: runs.map((r) => r.requestsPerSecond),
        disturbedRounds: runs.filter(isDisturbed).map((r) => r.round),
      };
    });
    const rate = (server: ServerName): number | undefined => rows.find((r) => r.server === server)?.requestsPerSecond;
    const ratio = (other: ServerName): number | null => {
      const mine = rate('loopwise');
      const theirs = rate(other);
      return mine === undefined || theirs === undefined ? null : mine / theirs;
    };
    const perRound = (other: ServerName): number[] => {
      const ratios: number[] = [];
      for (const mine of results.filter((r) => r.route === route.name && r.server === 'loopwise')) {
        const theirs = results.find((r) => r.route === route.name && r.server === other && r.round === mine.round);
        if (theirs !== undefined) ratios.push(mine.requestsPerSecond / theirs.requestsPerSecond);
      }
      return ratios;
    };
    return {
      route: route.name,
      servers: rows,
      loopwiseVsRaw: ratio('raw-http'),
      loopwiseVsFastify: ratio('fastify'),
      loopwiseVsHono: ratio('hono'),
      loopwiseVsExpress: ratio('express'),
      roundRatios: { vsRaw: perRound('raw-http'), vsFastify: perRound('fastify'), vsHono: perRound('hono'), vsExpress: perRound('express') },
    };
  });
}

/** The bar: at least Fastify everywhere, and within 10% of bare node:http on /json. */
export function judge(summaries: RouteSummary[]): Target[] {
  const byRoute = new Map(summaries.map((s) => [s.route, s]));
  const target = (route: string, against: 'raw-http' | 'fastify', minimum: number): Target => {
    const summary = byRoute.get(route);
    const ratio = summary === undefined ? null : against === 'fastify' ? summary.loopwiseVsFastify : summary.loopwiseVsRaw;
    const rounds = summary === undefined ? [] : against === 'fastify' ? summary.roundRatios.vsFastify : summary.roundRatios.vsRaw;
    return {
      label: `loopwise ≥ ${minimum.toFixed(1)}× ${against} on ${route}`,
      ratio,
      range: rounds.length === 0 ? null : [Math.min(...rounds), Math.max(...rounds)],
      minimum,
      pass: ratio === null ? null : ratio >= minimum,
    };
  };
  return [
    target('GET /json', 'fastify', 1.0),
    target('GET /users/:id', 'fastify', 1.0),
    target('POST /echo', 'fastify', 1.0),
    target('GET /json', 'raw-http', 0.9),
  ];
}

const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
const times = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(2)}×`);
const spread = (values: number[]): string =>
  values.length < 2 ? '' : ` (rounds ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;

function table(rows: string[][], alignRight: boolean[]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (alignRight[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('   ')
      .trimEnd(),
  );
}

function perRound(s: ServerSummary): string {
  return s.rounds.map((value, i) => rate(value) + (s.disturbedRounds.includes(i + 1) ? '*' : '')).join(' / ');
}

export function formatRoute(summary: RouteSummary): string {
  const rows = [
    ['server', 'req/s (median)', 'p99 (median)', 'req/s per round'],
    ...summary.servers.map((s) => [s.server, rate(s.requestsPerSecond), `${s.p99Ms.toFixed(2)} ms`, perRound(s)]),
  ];
  const lines = table(rows, [false, true, true, false]).map((line) => `  ${line}`);
  lines.push(
    `  loopwise/raw-http ${times(summary.loopwiseVsRaw)}${spread(summary.roundRatios.vsRaw)}` +
      `   loopwise/fastify ${times(summary.loopwiseVsFastify)}${spread(summary.roundRatios.vsFastify)}`,
  );
  // The anchors get their own line, and only when at least one of them ran.
  const ran = (server: ServerName): boolean => summary.servers.some((s) => s.server === server);
  if (ran('hono') || ran('express')) {
    lines.push(
      `  loopwise/hono ${times(summary.loopwiseVsHono)}${spread(summary.roundRatios.vsHono)}` +
        `   loopwise/express ${times(summary.loopwiseVsExpress)}${spread(summary.roundRatios.vsExpress)}`,
    );
  }
  return [summary.route, ...lines].join('\n');
}

/**
 * How much one server's req/s moved between rounds on one route, (max − min) / median, summarized
 * over all of them: the noise floor of this machine, against which the ratios should be read.
 */
export function roundSpread(summaries: RouteSummary[]): { median: number; max: number } | null {
  const spreads = summaries.flatMap((route) =>
    route.servers.filter((s) => s.rounds.length > 1).map((s) => (Math.max(...s.rounds) - Math.min(...s.rounds)) / s.requestsPerSecond),
  );
  return spreads.length === 0 ? null : { median: median(spreads), max: Math.max(...spreads) };
}

export function formatSpread(spread: { median: number; max: number } | null): string | null {
  if (spread === null) return null;
  const pct = (value: number): string => `${(100 * value).toFixed(0)}%`;
  return (
    `noise: a server's req/s moved by ${pct(spread.median)} between rounds (median over servers and routes; ` +
    `worst ${pct(spread.max)}): read a ratio that close to its target as unsettled`
  );
}

export function formatTargets(targets: Target[]): string {
  const lines = targets.map((t) => {
    const verdict = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    const close = t.range !== null && t.range[0] < t.minimum && t.range[1] >= t.minimum;
    const range = t.range === null || t.range[0] === t.range[1] ? '' : `, rounds ${t.range[0].toFixed(2)}–${t.range[1].toFixed(2)}`;
    return `  ${verdict}  ${t.label}: ${times(t.ratio)}${range}${close ? ' (close call: the rounds disagree)' : ''}`;
  });
  const measured = targets.filter((t) => t.pass !== null);
  const passed = measured.filter((t) => t.pass).length;
  const overall = measured.length === 0 ? 'n/a' : passed === measured.length ? 'PASS' : 'FAIL';
  return [`targets: ${overall} (${passed}/${measured.length} met)`, ...lines].join('\n');
}
