import type { Baseline } from './baseline.js';
import type { Disturbance } from './cpu-noise.js';
import type { Route } from './options.js';
import type { ServerName } from './servers.js';
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
  /** Its median req/s over raw-http's (the bar, on every row), and the same within each round; null without raw-http. */
  vsRaw: number | null;
  vsRawRounds: number[];
}

/** One server's median req/s over another's on a route, and the same within each round. */
export interface PairRatio {
  mine: ServerName;
  theirs: ServerName;
  ratio: number;
  /** Within a round the two ran back to back: the spread of these shows how far the ratio itself moves. */
  rounds: number[];
}

export interface RouteSummary {
  route: string;
  servers: ServerSummary[];
  /** The comparisons of PAIRS whose two servers both ran. */
  pairs: PairRatio[];
}

/**
 * The comparisons printed under each route (raw-http's is the table's column). loopwise against the
 * frameworks users pick on Node; loopwise on Bun against Elysia (issue 23's target), against Bun's
 * bar, and against itself on Node (what the runtime alone gives the same app).
 */
export const PAIRS: readonly (readonly [ServerName, ServerName])[] = [
  ['loopwise', 'fastify'],
  ['loopwise', 'hono'],
  ['loopwise', 'express'],
  ['loopwise-bun', 'elysia'],
  ['loopwise-bun', 'bun-serve'],
  ['loopwise-bun', 'loopwise'],
];

export interface Target {
  /** Which bar it is: the standing one on Node, or issue 23's on Bun. */
  group: string;
  label: string;
  ratio: number | null;
  /** Lowest and highest per-round ratio: when they straddle the minimum, the verdict is a close call. */
  range: [number, number] | null;
  minimum: number;
  /** null: not measured in this run (a server or route was left out, or nothing to compare with). */
  pass: boolean | null;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(results: RunResult[], routes: Route[], servers: ServerName[]): RouteSummary[] {
  return routes.map((route) => {
    const onRoute = results.filter((r) => r.route === route.name);
    const medianOf = (server: ServerName): number | undefined => {
      const runs = onRoute.filter((r) => r.server === server);
      return runs.length === 0 ? undefined : median(runs.map((r) => r.requestsPerSecond));
    };
    const perRound = (mine: ServerName, theirs: ServerName): number[] => {
      const ratios: number[] = [];
      for (const run of onRoute.filter((r) => r.server === mine).sort((a, b) => a.round - b.round)) {
        const other = onRoute.find((r) => r.server === theirs && r.round === run.round);
        if (other !== undefined) ratios.push(run.requestsPerSecond / other.requestsPerSecond);
      }
      return ratios;
    };
    const raw = medianOf('raw-http');
    const rows = servers.map((server): ServerSummary => {
      const runs = onRoute.filter((r) => r.server === server).sort((a, b) => a.round - b.round);
      const requestsPerSecond = median(runs.map((r) => r.requestsPerSecond));
      return {
        server,
        requestsPerSecond,
        p99Ms: median(runs.map((r) => r.p99Ms)),
        rounds: runs.map((r) => r.requestsPerSecond),
        disturbedRounds: runs.filter(isDisturbed).map((r) => r.round),
        vsRaw: raw === undefined ? null : requestsPerSecond / raw,
        vsRawRounds: raw === undefined ? [] : perRound(server, 'raw-http'),
      };
    });
    const pairs = PAIRS.filter(([mine, theirs]) => servers.includes(mine) && servers.includes(theirs)).map(
      ([mine, theirs]): PairRatio => ({ mine, theirs, ratio: medianOf(mine)! / medianOf(theirs)!, rounds: perRound(mine, theirs) }),
    );
    return { route: route.name, servers: rows, pairs };
  });
}

const STANDING = 'loopwise on Node (the standing bar)';
const ISSUE_23 = 'issue 23: loopwise on Bun, and loopwise on Node unchanged';

/** How much loopwise/raw-http may fall below its previous value and still count as unchanged. */
export const UNCHANGED_TOLERANCE = 0.05;

function ratioOf(summary: RouteSummary | undefined, mine: ServerName, theirs: ServerName): { ratio: number; rounds: number[] } | null {
  if (summary === undefined) return null;
  if (theirs === 'raw-http') {
    const row = summary.servers.find((s) => s.server === mine);
    return row?.vsRaw == null ? null : { ratio: row.vsRaw, rounds: row.vsRawRounds };
  }
  return summary.pairs.find((p) => p.mine === mine && p.theirs === theirs) ?? null;
}

const factor = (value: number): string => `${value.toFixed(2)}×`;

/**
 * The bars: loopwise on Node at least Fastify everywhere and within 10% of bare node:http on /json;
 * issue 23's: loopwise on Bun ≥ 1.0× Elysia on GET /json and /users/:id, ≥ 0.95× on POST /echo, and
 * loopwise on Node's ratio to raw node:http unchanged against the run written up in RESULTS.md.
 */
export function judge(summaries: RouteSummary[], baseline: Baseline | null): Target[] {
  const byRoute = new Map(summaries.map((s) => [s.route, s]));
  const target = (group: string, route: string, mine: ServerName, theirs: ServerName, minimum: number, label?: string): Target => {
    const found = ratioOf(byRoute.get(route), mine, theirs);
    return {
      group,
      label: label ?? `${mine} ≥ ${factor(minimum)} ${theirs} on ${route}`,
      ratio: found?.ratio ?? null,
      range: found === null || found.rounds.length === 0 ? null : [Math.min(...found.rounds), Math.max(...found.rounds)],
      minimum,
      pass: found === null ? null : found.ratio >= minimum,
    };
  };
  const unchanged = (route: string): Target => {
    const previous = baseline?.loopwiseVsRaw.get(route);
    if (previous === undefined) {
      return { group: ISSUE_23, label: `loopwise/raw-http unchanged on ${route} (no previous ratio in bench/RESULTS.md)`, ratio: null, range: null, minimum: 0, pass: null };
    }
    // Rounded, so that 0.90 − 0.05 is 0.85 and not 0.8500000000000001.
    const minimum = Math.round((previous - UNCHANGED_TOLERANCE) * 100) / 100;
    const label = `loopwise ≥ ${factor(minimum)} raw-http on ${route} (unchanged: ${factor(previous)} in bench/RESULTS.md of ${baseline!.date}, less ${UNCHANGED_TOLERANCE})`;
    return target(ISSUE_23, route, 'loopwise', 'raw-http', minimum, label);
  };
  return [
    target(STANDING, 'GET /json', 'loopwise', 'fastify', 1.0),
    target(STANDING, 'GET /users/:id', 'loopwise', 'fastify', 1.0),
    target(STANDING, 'POST /echo', 'loopwise', 'fastify', 1.0),
    target(STANDING, 'GET /json', 'loopwise', 'raw-http', 0.9),
    target(ISSUE_23, 'GET /json', 'loopwise-bun', 'elysia', 1.0),
    target(ISSUE_23, 'GET /users/:id', 'loopwise-bun', 'elysia', 1.0),
    target(ISSUE_23, 'POST /echo', 'loopwise-bun', 'elysia', 0.95),
    unchanged('GET /json'),
    unchanged('GET /users/:id'),
    unchanged('POST /echo'),
  ];
}

const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
const times = (value: number | null): string => (value === null ? 'n/a' : `${value.toFixed(2)}×`);
const spread = (values: number[]): string => {
  const [low, high] = [Math.min(...values).toFixed(2), Math.max(...values).toFixed(2)];
  return values.length < 2 || low === high ? '' : ` (rounds ${low}–${high})`;
};
export { rate as formatRate, times as formatTimes, spread as formatRoundRange };

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
    ['server', 'req/s (median)', '× raw-http', 'p99 (median)', 'req/s per round'],
    ...summary.servers.map((s) => [s.server, rate(s.requestsPerSecond), times(s.vsRaw) + spread(s.vsRawRounds), `${s.p99Ms.toFixed(2)} ms`, perRound(s)]),
  ];
  const lines = table(rows, [false, true, false, true, false]).map((line) => `  ${line}`);
  // One line per server compared, so the Node and the Bun comparisons read apart.
  for (const mine of new Set(summary.pairs.map((p) => p.mine))) {
    const pairs = summary.pairs.filter((p) => p.mine === mine);
    lines.push(`  ${pairs.map((p) => `${p.mine}/${p.theirs} ${times(p.ratio)}${spread(p.rounds)}`).join('   ')}`);
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

/**
 * One PASS/FAIL line per target, grouped. With the run's noise (median round spread), a ratio whose
 * distance to its bar is smaller than that noise is flagged: the verdict could flip on a rerun.
 */
export function formatTargets(targets: Target[], noise: number | null): string {
  const line = (t: Target): string => {
    const verdict = t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'FAIL';
    const close = t.range !== null && t.range[0] < t.minimum && t.range[1] >= t.minimum;
    const [low, high] = t.range === null ? [] : t.range.map((value) => value.toFixed(2));
    const range = low === undefined || low === high ? '' : `, rounds ${low}–${high}`;
    const margin = t.ratio === null || t.minimum === 0 ? null : Math.abs(t.ratio / t.minimum - 1);
    const notes = [
      ...(close ? ['close call: the rounds disagree'] : []),
      ...(margin !== null && noise !== null && margin < noise ? [`${(100 * margin).toFixed(0)}% from the bar, inside the ${(100 * noise).toFixed(0)}% noise`] : []),
    ];
    return `    ${verdict}  ${t.label}: ${times(t.ratio)}${range}${notes.length === 0 ? '' : ` (${notes.join('; ')})`}`;
  };
  const measured = targets.filter((t) => t.pass !== null);
  const passed = measured.filter((t) => t.pass).length;
  const overall = measured.length === 0 ? 'n/a' : passed === measured.length ? 'PASS' : 'FAIL';
  const lines = [`targets: ${overall} (${passed}/${measured.length} met)`];
  for (const group of new Set(targets.map((t) => t.group))) {
    lines.push(`  ${group}`, ...targets.filter((t) => t.group === group).map(line));
  }
  return lines.join('\n');
}
