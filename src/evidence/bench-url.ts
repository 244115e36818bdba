// `loopwise bench <URL>`: load a loopwise server running in another process. The load generator's
// event loop is then not the server's, so client figures are untouched by the server's stalls; the
// server's loop figures come from its /metrics (new App({ metrics: true })).
import { cpus, availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoopwiseError } from '../errors.js';
import { runLoad, type LoadProgress } from './run-load.js';
import { scrapeGuard, type GuardReading } from './scrape-metrics.js';
import type { EvidenceReport, LoopDelayPoint, RunResult } from './types.js';

export interface BenchUrlOptions {
  /** "GET /json", "POST /items": paths as sent. At least one: a URL does not list its routes. */
  routes: string[];
  concurrency: number[];
  duration?: number;
  amount?: number;
  bodies?: Record<string, string>;
  onProgress?(progress: LoadProgress): void;
}

/** The guard's window (500 ms by default) holding a run's end must close before the next run. */
const SETTLE_MS = 600;

export async function benchUrl(url: string, options: BenchUrlOptions): Promise<EvidenceReport> {
  const base = url.replace(/\/+$/, '');
  if (options.routes.length === 0) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `loading a URL needs --route 'GET /path' (one or more): a URL does not list its routes.`);
  if ((await scrapeGuard(base)) === null) {
    throw new LoopwiseError(
      'LW_ERR_INVALID_OPTION',
      `${base}/metrics does not show loopwise's loop guard: start the server with new App({ metrics: true }), or bench the app module instead of its URL.`,
    );
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const loopDelay: LoopDelayPoint[] = [];
  const runs: RunResult[] = [];
  for (const concurrency of options.concurrency) {
    for (const spec of options.routes) {
      const match = /^([A-Z]+) (\/\S*)$/.exec(spec);
      if (match === null) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `a route is 'METHOD /path', not ${JSON.stringify(spec)}`);
      const before = await scrapeGuard(base);
      let loading = true;
      let maxDelay = 0;
      // Read the guard while the run lasts; a read that waits behind a stall still returns its window.
      const sampler = (async () => {
        while (loading) {
          const reading = await scrapeGuard(base);
          if (reading !== null) {
            maxDelay = Math.max(maxDelay, reading.delayMaxMs);
            loopDelay.push({ t: Math.round((performance.now() - t0) / 10) / 100, delayMaxMs: Math.round(reading.delayMaxMs * 10) / 10 });
          }
          await sleep(250);
        }
      })();
      const load = await runLoad(
        { url: base + match[2], route: spec, pattern: 'async', method: match[1], ...(options.bodies?.[spec] === undefined ? {} : { body: options.bodies[spec], headers: { 'content-type': 'application/json' } }) },
        { concurrency, duration: options.duration, amount: options.amount, onProgress: options.onProgress },
      ).finally(() => (loading = false));
      await sampler;
      await sleep(SETTLE_MS);
      const after = await scrapeGuard(base);
      maxDelay = Math.max(maxDelay, after?.delayMaxMs ?? 0);
      // Runs are sequential, so whatever the guard charged during this one is this route's.
      const blockedMs = after === null || before === null ? null : Math.round(total(after) - total(before));
      const blocking = blockedMs !== null && blockedMs > 0;
      // From outside, offloaded and async look alike: only blocking shows.
      runs.push({ ...load, pattern: blocking ? 'blocking-inline' : 'async', loopDelayMaxMs: Math.round(maxDelay), blockedMs, blockedCount: null, verdict: blocking ? 'blocking' : 'ok' });
    }
  }
  return {
    startedAt: startedAt.toISOString(),
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), platform: `${process.platform} ${process.arch}` },
    target: base,
    runs,
    loopDelay,
  };
}

function total(reading: GuardReading): number {
  let sum = 0;
  for (const ms of reading.blockedMs.values()) sum += ms;
  return sum;
}
