// bench:scale's figures: one run's rows, their medians and spreads across rounds, and the table
// printed to the terminal and appended (as Markdown) to bench/RESULTS.md.
import type { CpuAccount } from './cpu-account.js';
import { median } from './report.js';
import type { WrkRun } from './wrk.js';

/** One round of one worker count: the queue route alone, /json alone, and both at once. */
export interface ScaleRun {
  round: number;
  workers: number;
  /** Each worker's --concurrency. */
  concurrency: number;
  bound: number;
  queueAlone: WrkRun;
  jsonAlone: WrkRun;
  queueBeside: WrkRun;
  jsonBeside: WrkRun;
  cpu: CpuAccount;
}

/** One round of one hop: the trivial route at one request at a time. */
export interface HopRun {
  round: number;
  hop: string;
  run: WrkRun;
  cpu: CpuAccount;
}

export const HOPS = [
  ['inline', '/hop/inline'],
  ['worker thread (offload: true)', '/hop/thread'],
  ['queue (offload: { queue }), 1 worker', '/hop/queue'],
] as const;

/** "12.3 (11.0–13.1)": the median over rounds, lowest–highest in brackets when there are several. */
function spread(values: number[], digits: number): string {
  const fmt = (v: number): string => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (values.length === 1) return fmt(values[0]!);
  return `${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})`;
}

const errorsOf = (run: WrkRun): number => run.non2xx + Object.values(run.socketErrors).reduce((a, b) => a + b, 0);

function perRequestMs(cpu: CpuAccount, group: string, run: WrkRun): number | null {
  const ms = cpu.byGroup[group];
  return ms === null || ms === undefined || run.requests === 0 ? null : ms / run.requests;
}

function cpuSpread(values: (number | null)[], scale: number, digits: number): string {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? 'n/a' : spread(known.map((v) => v * scale), digits);
}

/** Markdown tables (they read well in a terminal too): scaling, then the hop's cost. */
export function scaleTables(runs: ScaleRun[], hops: HopRun[], workerCounts: number[]): string {
  const lines: string[] = [];
  lines.push('| workers × concurrency | bound | `/wait` req/s | of bound | p50 | p99 | errors | `/json` alone: req/s, p99 | `/json` beside `/wait`: req/s, p99 | `/wait` req/s beside `/json` | CPU per `/wait`: API, workers, redis |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---|---|---:|---|');
  for (const workers of workerCounts) {
    const rows = runs.filter((r) => r.workers === workers);
    if (rows.length === 0) continue;
    const bound = rows[0]!.bound;
    const rps = rows.map((r) => r.queueAlone.requestsPerSecond);
    const errors = rows.reduce((n, r) => n + errorsOf(r.queueAlone) + errorsOf(r.queueBeside) + errorsOf(r.jsonAlone) + errorsOf(r.jsonBeside), 0);
    const cpu = ['api', 'workers', 'redis'].map((group) => cpuSpread(rows.map((r) => perRequestMs(r.cpu, group, r.queueAlone)), 1000, 0)).join(' / ');
    lines.push(
      `| ${workers} × ${rows[0]!.concurrency} | ${bound} | ${spread(rps, 1)} | ${Math.round((100 * median(rps)) / bound)}% ` +
        `| ${spread(rows.map((r) => r.queueAlone.p50Ms), 1)} ms | ${spread(rows.map((r) => r.queueAlone.p99Ms), 1)} ms | ${errors} ` +
        `| ${spread(rows.map((r) => r.jsonAlone.requestsPerSecond), 0)}, ${spread(rows.map((r) => r.jsonAlone.p99Ms), 2)} ms ` +
        `| ${spread(rows.map((r) => r.jsonBeside.requestsPerSecond), 0)}, ${spread(rows.map((r) => r.jsonBeside.p99Ms), 2)} ms ` +
        `| ${spread(rows.map((r) => r.queueBeside.requestsPerSecond), 1)} | ${cpu} µs |`,
    );
  }
  lines.push('');
  lines.push('| one trivial handler, one request at a time | p50 | p99 | req/s | CPU per request: API, worker process, redis (total) |');
  lines.push('|---|---:|---:|---:|---|');
  for (const [hop] of HOPS) {
    const rows = hops.filter((h) => h.hop === hop);
    if (rows.length === 0) continue;
    const groups = ['api', 'workers', 'redis'].map((group) => rows.map((r) => perRequestMs(r.cpu, group, r.run)));
    const totals = rows.map((_, i) => {
      const parts = groups.map((g) => g[i]);
      return parts.includes(null) ? null : parts.reduce<number>((a, b) => a + b!, 0);
    });
    const cpu = `${groups.map((g) => cpuSpread(g, 1000, 0)).join(' / ')} µs (${cpuSpread(totals, 1000, 0)} µs)`;
    lines.push(`| ${hop} | ${spread(rows.map((r) => r.run.p50Ms), 2)} ms | ${spread(rows.map((r) => r.run.p99Ms), 2)} ms | ${spread(rows.map((r) => r.run.requestsPerSecond), 0)} | ${cpu} |`);
  }
  return lines.join('\n');
}

/** The share of the machine others took, per measured window: "median (max)". */
export function noiseOf(accounts: CpuAccount[]): string {
  const other = accounts.map((a) => a.otherPercent).filter((v): v is number => v !== null);
  if (other.length === 0) return 'other tasks: unknown (no /proc)';
  return `other tasks took ${median(other).toFixed(0)}% of the machine (both cores) in the median measured window, ${Math.max(...other).toFixed(0)}% at most`;
}
