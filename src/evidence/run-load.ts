// One load run against one URL with autocannon (as a library), reduced to a RunResult. The loop
// figures and the verdict come from whoever knows the server (bench-app.ts); this file only loads.
import { performance } from 'node:perf_hooks';
import type { EventEmitter } from 'node:events';
import { LoopwiseError } from '../errors.js';
import { positiveInteger, positiveNumber } from '../option-checks.js';
import type { RoutePattern, RunResult } from './types.js';
import { requireOptional } from '../optional-package.js';

export interface LoadTarget {
  /** The full URL to load, parameters filled in. */
  url: string;
  /** "GET /items/:id": the route as the app names it. */
  route: string;
  pattern: RoutePattern;
  /** Default: the method in `route`, else GET. */
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadProgress {
  route: string;
  concurrency: number;
  elapsedSeconds: number;
  /** Responses so far. */
  requests: number;
}

export interface LoadOptions {
  /** Concurrent connections, each with one request in flight. */
  concurrency: number;
  /** Seconds to run; ignored when `amount` is set. Default 10. */
  duration?: number;
  /** Exactly this many requests, then stop. */
  amount?: number;
  /** Seconds before a request counts as timed out: at least 1 (autocannon's floor). Default 10 (autocannon's). */
  timeout?: number;
  /** About once a second. */
  onProgress?(progress: LoadProgress): void;
}

/** What a load run measures by itself: everything but the server's loop figures and the verdict. */
export type LoadResult = Omit<RunResult, 'loopDelayMaxMs' | 'blockedMs' | 'blockedCount' | 'verdict' | 'verdictNote' | 'startedAtSeconds' | 'endedAtSeconds' | 'hostStarvedMs'>;

// autocannon ships no types; this is the part of its API used here (README: "Autocannon events").
interface AutocannonInstance extends EventEmitter {
  stop(): void;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

// A CommonJS package without types, and an optional one: loaded on the first run, with an install hint if missing.
let autocannon: Autocannon | undefined;

export function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  autocannon ??= requireOptional<Autocannon>('autocannon', 'loopwise bench (the load generator)', true);
  const { concurrency, amount } = options;
  positiveInteger(concurrency, 'runLoad() concurrency');
  if (amount !== undefined) positiveInteger(amount, 'runLoad() amount');
  const duration = options.duration ?? 10;
  positiveNumber(duration, 'runLoad() duration', { unit: 'seconds' });
  if (options.timeout !== undefined && !(options.timeout >= 1)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `runLoad() timeout is in seconds, at least 1 (the load generator's floor), not ${options.timeout}`);
  // autocannon refuses more connections than requests; fewer connections send the same amount.
  const connections = amount === undefined ? concurrency : Math.min(concurrency, amount);
  const method = target.method ?? (/^[A-Z]+(?= )/.exec(target.route)?.[0] ?? 'GET');

  // Latencies are kept whole (not autocannon's histogram, which has no p95), and every response
  // is counted as it arrives: autocannon's own totals are per 1 ms sample and miss none either,
  // but counting here makes "requests" exactly "responses received", whatever their status.
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  return new Promise<LoadResult>((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon!(
      {
        url: target.url,
        method,
        connections,
        pipelining: 1,
        // autocannon checks for the end of a run once per sample (default 1 s): a 1.5 s run would
        // last 2 s, still sending, and an amount run would idle to the next second.
        sampleInt: 50,
        ...(amount === undefined ? { duration } : { amount }),
        timeout: options.timeout ?? 10,
        ...(target.body === undefined ? {} : { body: target.body }),
        headers: target.headers ?? {},
      },
      (error, result) => {
        if (error !== null) {
          reject(error);
          return;
        }
        const seconds = (performance.now() - started) / 1000;
        const requests = latencies.length;
        latencies.sort((a, b) => a - b);
        resolve({
          route: target.route,
          url: target.url,
          pattern: target.pattern,
          concurrency,
          durationSeconds: round(seconds, 3),
          requests,
          requestsPerSecond: round(requests / seconds, 1),
          latencyMs: {
            p50: percentile(latencies, 50),
            p95: percentile(latencies, 95),
            p99: percentile(latencies, 99),
            max: requests === 0 ? 0 : round(latencies[requests - 1]!, 2),
          },
          // autocannon's `errors` counts timeouts too; here the two are apart, so errors + timeouts
          // is every request that failed, and neither is counted twice.
          statuses,
          errors: result.non2xx + (result.errors - result.timeouts),
          timeouts: result.timeouts,
          socketErrors: result.errors - result.timeouts,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
    if (options.onProgress !== undefined) {
      const onProgress = options.onProgress;
      instance.on('tick', () =>
        onProgress({ route: target.route, concurrency, elapsedSeconds: round((performance.now() - started) / 1000, 1), requests: latencies.length }),
      );
    }
  });
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return round(sorted[rank - 1]!, 2);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
