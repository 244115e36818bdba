// `loopwise bench <URL>`: load a loopwise server running in another process. The load generator's
// event loop is then not the server's, so client figures are untouched by the server's stalls; the
// server's loop figures come from its /metrics (new App({ metrics: true })).
import { cpus, availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoopwiseError } from '../errors.js';
import { checkedHeaders, requestHeaders } from './request-headers.js';
import { runLoad, type LoadProgress } from './run-load.js';
import { scrapeGuard, type GuardReading } from './scrape-metrics.js';
import type { EvidenceReport, LoopDelayPoint, RunResult } from './types.js';
import { judgeRun } from './verdict.js';
import { runtimeLabel } from '../runtime-label.js';

export interface BenchUrlOptions {
  /** "GET /json", "POST /items": paths as sent. At least one: a URL does not list its routes. */
  routes: string[];
  concurrency: number[];
  duration?: number;
  amount?: number;
  bodies?: Record<string, string>;
  /** Sent on every request of every route (not on the /metrics reads): { authorization: 'Bearer abc' }. */
  headers?: Record<string, string>;
  onProgress?(progress: LoadProgress): void;
}

/** The guard's window (500 ms by default) holding a run's end must close before the next run. */
const SETTLE_MS = 600;

export async function benchUrl(url: string, options: BenchUrlOptions): Promise<EvidenceReport> {
  const base = url.replace(/\/+$/, '');
  if (options.routes.length === 0) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `loading a URL needs --route 'GET /path' (one or more): a URL does not list its routes.`);
  const headers = checkedHeaders(options.headers, 'benchUrl');
  const specs = options.routes.map((spec) => {
    const match = /^([A-Za-z]+) (\/\S*)$/.exec(spec.trim());
    if (match === null) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `a route is 'METHOD /path', e.g. 'GET /json', not ${JSON.stringify(spec)}`);
    const method = match[1]!.toUpperCase();
    return { spec: `${method} ${match[2]!}`, method, path: match[2]! };
  });
  const first = await scrapeGuard(base);
  if (first === null) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_OPTION',
      `${base}/metrics does not show loopwise's loop guard: start the server with new App({ metrics: true }), or bench the app module instead of its URL.`,
    );
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const since = (): number => Math.round((performance.now() - t0) / 10) / 100;
  const loopDelay: LoopDelayPoint[] = [];
  const runs: RunResult[] = [];
  let last: GuardReading = first;
  for (const concurrency of options.concurrency) {
    for (const { spec, method, path } of specs) {
      const before = await scrapeGuard(base);
      if (before !== null) last = before;
      let loading = true;
      let maxDelay = 0;
      // Read the guard while the run lasts; a read that waits behind a stall still returns its window.
      const sampler = (async () => {
        while (loading) {
          const reading = await scrapeGuard(base);
          if (reading !== null) {
            maxDelay = Math.max(maxDelay, reading.delayMaxMs);
            loopDelay.push({ t: since(), delayMaxMs: Math.round(reading.delayMaxMs * 10) / 10 });
          }
          await sleep(250);
        }
      })();
      const startedAtSeconds = since();
      const body = options.bodies?.[spec];
      const load = await runLoad(
        { url: base + path, route: spec, pattern: 'async', method, ...(body === undefined ? {} : { body }), headers: requestHeaders(headers, body) },
        { concurrency, duration: options.duration, amount: options.amount, onProgress: options.onProgress },
      ).finally(() => (loading = false));
      const endedAtSeconds = since();
      await sampler;
      await sleep(SETTLE_MS);
      const after = await scrapeGuard(base);
      if (after !== null) last = after;
      maxDelay = Math.max(maxDelay, after?.delayMaxMs ?? 0);
      // Runs are sequential, so whatever the guard charged during this one is this route's. The
      // metrics name the route by its pattern ("GET /items/:id"), the bench by its path: summed.
      const known = after !== null && before !== null;
      const blockedMs = known ? Math.round(sum(after.blockedMs) - sum(before.blockedMs)) : null;
      const blockedCount = known ? sum(after.stalls) - sum(before.stalls) : null;
      const judgement = judgeRun(load, blockedCount, blockedMs);
      // From outside, offloaded and async look alike: only blocking shows.
      runs.push({
        ...load,
        pattern: judgement.verdict === 'blocking' ? 'blocking-inline' : 'async',
        loopDelayMaxMs: Math.round(maxDelay),
        blockedMs,
        blockedCount,
        ...judgement,
        startedAtSeconds,
        endedAtSeconds,
        hostStarvedMs: known ? Math.round(after.hostStarvedMs - before.hostStarvedMs) : null,
      });
    }
  }
  return {
    startedAt: startedAt.toISOString(),
    machine: { node: process.version, runtime: runtimeLabel(), cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), platform: `${process.platform} ${process.arch}` },
    target: base,
    runs,
    loopDelay,
    skipped: [],
    hostStarvedMs: Math.round(last.hostStarvedMs - first.hostStarvedMs),
  };
}

function sum(values: Map<string, number>): number {
  let total = 0;
  for (const value of values.values()) total += value;
  return total;
}
