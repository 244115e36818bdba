// bench/seed.ts's figures: one run of a case, the medians of a case across rounds, the markdown
// table of issue 19 and its pass line, computed from the figures.
import type { Disturbance } from './cpu-noise.js';
import type { ProbeResult } from './light-probe.js';
import type { SampleSeries } from './process-sampler.js';
import type { SeedCase } from './seed-cases.js';
import type { WrkRun } from './wrk.js';

/** The gauge read by name; every other pool series on /metrics is found at run time. */
export const POOL_THREADS_METRIC = 'loopwise_offload_pool_threads';

export interface CaseRun {
  case: string;
  round: number;
  route: WrkRun;
  lightAlone: ProbeResult;
  lightBeside: ProbeResult;
  /** Threads of the server process once started, before any call to the loaded route. */
  threadsBefore: number | null;
  /** Sampled through the measured load only. */
  samples: SampleSeries;
  /** loopwise only: sha256 KiB rounds that make /hash's 50 ms of CPU. */
  hashRounds: number | null;
  disturbance: Disturbance | null;
}

export interface CaseSummary {
  case: SeedCase;
  rounds: number;
  requestsPerSecond: number;
  /** Lowest and highest across rounds. */
  rpsRange: [number, number];
  p50Ms: number;
  p99Ms: number;
  p99Range: [number, number];
  non2xx: number;
  timeouts: number;
  lightAnswersPerSecond: number;
  lightAnswers: number;
  lightP99Ms: number | null;
  lightAloneP99Ms: number | null;
  peakRssMiB: number | null;
  hwmMiB: number | null;
  /** Most threads above threadsBefore. */
  extraThreads: number | null;
  /** Highest value of POOL_THREADS_METRIC seen; null when the app does not expose it. */
  poolThreadsGauge: number | null;
  /** RSS in the first and last second of the measured load. */
  rssFirstMiB: number | null;
  rssLastMiB: number | null;
  /** Share of the server's core that other tasks and hypervisor steal took during the load, in percent. */
  serverCoreOtherPercent: number | null;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of the values that are there, or null when none is. */
function medianOf(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return present.length === 0 ? null : median(present);
}

function range(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

function peakGauge(run: CaseRun): number | null {
  const values = run.samples.perSecond.map((s) => s.pool[POOL_THREADS_METRIC]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? null : Math.max(...values);
}

export function summarizeCase(seedCase: SeedCase, runs: CaseRun[]): CaseSummary {
  const rps = runs.map((r) => r.route.requestsPerSecond);
  const p99 = runs.map((r) => r.route.p99Ms);
  return {
    case: seedCase,
    rounds: runs.length,
    requestsPerSecond: median(rps),
    rpsRange: range(rps),
    p50Ms: median(runs.map((r) => r.route.p50Ms)),
    p99Ms: median(p99),
    p99Range: range(p99),
    non2xx: median(runs.map((r) => r.route.non2xx)),
    timeouts: median(runs.map((r) => r.route.socketErrors.timeout)),
    lightAnswersPerSecond: median(runs.map((r) => r.lightBeside.answersPerSecond)),
    lightAnswers: median(runs.map((r) => r.lightBeside.answers)),
    lightP99Ms: medianOf(runs.map((r) => r.lightBeside.p99Ms)),
    lightAloneP99Ms: medianOf(runs.map((r) => r.lightAlone.p99Ms)),
    peakRssMiB: medianOf(runs.map((r) => r.samples.peakRssMiB)),
    hwmMiB: medianOf(runs.map((r) => r.samples.hwmMiB)),
    extraThreads: medianOf(runs.map((r) => (r.samples.peakThreads === null || r.threadsBefore === null ? null : r.samples.peakThreads - r.threadsBefore))),
    poolThreadsGauge: medianOf(runs.map(peakGauge)),
    rssFirstMiB: medianOf(runs.map((r) => r.samples.perSecond[0]?.rssMiB ?? null)),
    rssLastMiB: medianOf(runs.map((r) => r.samples.perSecond.at(-1)?.rssMiB ?? null)),
    serverCoreOtherPercent: medianOf(runs.map((r) => (r.disturbance === null ? null : r.disturbance.server.otherPercent + r.disturbance.server.stealPercent))),
  };
}

const ms = (value: number | null): string => (value === null ? '–' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : value >= 10 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`);
const rate = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const mib = (value: number | null): string => (value === null ? '–' : value.toFixed(0));

function spread(low: number, high: number, format: (v: number) => string, rounds: number): string {
  return rounds < 2 ? '' : ` (${format(low)}–${format(high)})`;
}

export function formatTable(summaries: CaseSummary[], probeRate: number): string {
  const lines = [
    `| server, route | req/s | p50 | p99 | non-2xx | timeouts | light route beside it: answers/s (of ${probeRate} paced), p99 (alone) | peak RSS / HWM MiB | threads: +N (pool gauge) |`,
    '|---|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const s of summaries) {
    const light =
      s.lightAnswers === 0
        ? `\`${s.case.light}\`: 0 answers (alone p99 ${ms(s.lightAloneP99Ms)})`
        : `\`${s.case.light}\`: ${rate(s.lightAnswersPerSecond)}/s, p99 ${ms(s.lightP99Ms)} (${ms(s.lightAloneP99Ms)})`;
    const threads = s.extraThreads === null ? '–' : `+${s.extraThreads}${s.poolThreadsGauge === null ? '' : ` (${s.poolThreadsGauge})`}`;
    lines.push(
      `| ${s.case.label} | ${rate(s.requestsPerSecond)}${spread(...s.rpsRange, rate, s.rounds)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)}${spread(...s.p99Range, ms, s.rounds)} | ` +
        `${s.non2xx} | ${s.timeouts} | ${light} | ${mib(s.peakRssMiB)} / ${mib(s.hwmMiB)} | ${threads} |`,
    );
  }
  return lines.join('\n');
}

export interface Criterion {
  label: string;
  /** The figures the verdict rests on, as printed. */
  detail: string;
  /** null: a case it needs was not run. */
  pass: boolean | null;
}

export interface JudgeContext {
  /** Cores the server process may run on (1 when pinned with taskset -c N). */
  serverCores: number;
  hashMs: number;
}

/** Issue 19's pass line, and the CPU-bound case's expectations (the 80% and 10% margins are this bench's). */
export function judge(byName: Map<string, CaseSummary>, context: JudgeContext): Criterion[] {
  const lw = byName.get('loopwise-sync');
  const fa = byName.get('fastapi-sync');
  const hash = byName.get('loopwise-hash');
  const both = lw !== undefined && fa !== undefined;
  const criteria: Criterion[] = [
    {
      label: 'loopwise /sync req/s ≥ FastAPI `def` /sync req/s',
      detail: both ? `${rate(lw.requestsPerSecond)} vs ${rate(fa.requestsPerSecond)}` : 'not run',
      pass: both ? lw.requestsPerSecond >= fa.requestsPerSecond : null,
    },
    {
      label: 'loopwise /sync p99 ≤ FastAPI `def` /sync p99',
      detail: both ? `${ms(lw.p99Ms)} vs ${ms(fa.p99Ms)}` : 'not run',
      pass: both ? lw.p99Ms <= fa.p99Ms : null,
    },
    {
      label: 'light /json beside loopwise /sync: p99 ≤ 2× its p99 alone',
      detail: lw === undefined ? 'not run' : `${ms(lw.lightP99Ms)} vs 2 × ${ms(lw.lightAloneP99Ms)}; ${lw.lightAnswers} answers`,
      // No answer beside it at all is a starved route: a fail, not a missing figure.
      pass: lw === undefined ? null : lw.lightP99Ms !== null && lw.lightAloneP99Ms !== null && lw.lightP99Ms <= 2 * lw.lightAloneP99Ms,
    },
    {
      label: 'target: loopwise /sync ≥ 195 req/s',
      detail: lw === undefined ? 'not run' : `${rate(lw.requestsPerSecond)} req/s`,
      pass: lw === undefined ? null : lw.requestsPerSecond >= 195,
    },
    {
      label: 'target: loopwise peak RSS under /sync ≤ 600 MiB',
      detail: lw === undefined ? 'not run' : `peak ${mib(lw.peakRssMiB)} MiB, VmHWM ${mib(lw.hwmMiB)} MiB`,
      pass: lw === undefined || lw.peakRssMiB === null ? null : lw.peakRssMiB <= 600,
    },
  ];
  const bound = (context.serverCores * 1000) / context.hashMs;
  const poolThreads = hash?.poolThreadsGauge ?? hash?.extraThreads ?? null;
  criteria.push(
    {
      label: `CPU-bound /hash at the cores' bound (≥ 80% of ${context.serverCores} core × 1000 / ${context.hashMs} ms = ${rate(bound)} req/s)`,
      detail: hash === undefined ? 'not run' : `${rate(hash.requestsPerSecond)} req/s = ${((100 * hash.requestsPerSecond) / bound).toFixed(0)}%`,
      pass: hash === undefined ? null : hash.requestsPerSecond >= 0.8 * bound,
    },
    {
      label: `CPU-bound /hash: pool threads held at the server's cores (≤ ${context.serverCores})`,
      detail:
        hash === undefined
          ? 'not run'
          : `${POOL_THREADS_METRIC} peak ${hash.poolThreadsGauge ?? 'absent'}; OS threads +${hash.extraThreads ?? '?'} over before the first offloaded call`,
      pass: poolThreads === null ? null : poolThreads <= context.serverCores,
    },
    {
      label: 'CPU-bound /hash: RSS flat (last second within 10% of the first)',
      detail: hash === undefined ? 'not run' : `${mib(hash.rssFirstMiB)} → ${mib(hash.rssLastMiB)} MiB (peak ${mib(hash.peakRssMiB)})`,
      pass: hash?.rssFirstMiB == null || hash.rssLastMiB === null ? null : hash.rssLastMiB <= 1.1 * hash.rssFirstMiB,
    },
  );
  return criteria;
}

export function formatCriteria(criteria: Criterion[]): string {
  const verdict = (pass: boolean | null): string => (pass === null ? 'n/a ' : pass ? 'PASS' : 'FAIL');
  return criteria.map((c) => `${verdict(c.pass)}  ${c.label}: ${c.detail}`).join('\n');
}

/** How much of the server's core other work took per case: high figures mean low throughput is not all the server's doing. */
export function formatDisturbance(summaries: CaseSummary[]): string {
  const parts = summaries.map((s) => `${s.case.name} ${s.serverCoreOtherPercent === null ? '?' : `${s.serverCoreOtherPercent.toFixed(0)}%`}`);
  return (
    `other tasks and steal on the server core during the load (median): ${parts.join(', ')}. ` +
    'It slows a server that needs its core (/hash); a server that mostly waits (/sync, /async) leaves the core idle, and other work filling it costs little'
  );
}

/** The hash case's per-second series, one line: what the pool did while CPU-bound. */
export function formatSeries(run: CaseRun): string {
  const rows = run.samples.perSecond.map((s) => {
    const gauge = s.pool[POOL_THREADS_METRIC];
    return `${s.second}s ${s.rssMiB.toFixed(0)} MiB ${run.threadsBefore === null ? s.threads : `+${s.threads - run.threadsBefore}`} thr${gauge === undefined ? '' : ` (gauge ${gauge})`}`;
  });
  return rows.join(' · ');
}
