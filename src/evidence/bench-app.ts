// `loopwise bench` on an App object: serve it in this process, load each route at each concurrency
// level in turn, and read the server's own loop guard for the loop delay and for which route blocked.
//
// The load generator (autocannon) runs in the same process, on the same event loop as the app. A
// route that blocks the loop therefore stalls the client too: its req/s and latencies show the
// stall twice over. That does not spoil the verdict or the loop figures (the loop guard measures
// the one loop both share, and names the route whose code held it); for client figures untouched
// by the server's stalls, load a URL from another process.
import { cpus, availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { App } from '../app.js';
import { LoopwiseError } from '../errors.js';
import { probeStream } from './probe-route.js';
import { checkedHeaders, requestHeaders } from './request-headers.js';
import { runLoad, type LoadProgress, type LoadTarget } from './run-load.js';
import { selectRoutes, type SelectedRoute } from './select-routes.js';
import type { EvidenceReport, LoopDelayPoint, RunResult, SkippedRoute } from './types.js';
import { judgeRun } from './verdict.js';
import { runtimeLabel } from '../runtime-label.js';

export interface BenchAppOptions {
  /**
   * "GET /json", "GET /items/1" (a concrete path for a route with parameters). Default: the app's
   * GET routes without path parameters that do not stream; the others are listed in `skipped`.
   */
  routes?: string[];
  /** Each route is loaded at each level, one run after another. */
  concurrency: number[];
  /** Seconds per run. Default 10. */
  duration?: number;
  /** Requests per run instead of a duration. */
  amount?: number;
  /** Request bodies (sent as JSON) by route: { "POST /items": '{"name":"a"}' }. */
  bodies?: Record<string, string>;
  /** Sent on every request of every route: { authorization: 'Bearer abc' }. */
  headers?: Record<string, string>;
  /** Named in the report as what was loaded. Default: the app's title. */
  target?: string;
  onProgress?(progress: LoadProgress): void;
}

export async function benchApp(app: App<boolean>, options: BenchAppOptions): Promise<EvidenceReport> {
  const guard = app.guard;
  if (!guard.settings.enabled) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'benchApp reads the loop delay and blocking from the loop guard: create the App without guard: { enabled: false }.');
  }
  if (options.concurrency.length === 0) throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'benchApp: give at least one concurrency level.');
  const headers = checkedHeaders(options.headers, 'benchApp');
  const selection = selectRoutes(app, options.routes, options.bodies);
  const startedAt = new Date();
  const t0 = performance.now();
  const since = (): number => round((performance.now() - t0) / 1000, 2);
  const { url: base } = await app.listen({ host: '127.0.0.1', port: 0, handleSignals: false });

  // Stalls per route, from the guard's own attribution, and the time the host starved the server.
  // Chained, so /metrics keeps counting; restored after.
  const previousBlocked = guard.events.blocked;
  const previousStarved = guard.events.starved;
  let blocked = new Map<string, { ms: number; count: number }>();
  let starvedMs = 0;
  let starvedTotal = 0;
  guard.events.blocked = (route, ms) => {
    previousBlocked?.(route, ms);
    const seen = blocked.get(route) ?? { ms: 0, count: 0 };
    blocked.set(route, { ms: seen.ms + ms, count: seen.count + 1 });
  };
  guard.events.starved = (ms) => {
    previousStarved?.(ms);
    starvedMs += ms;
    starvedTotal += ms;
  };

  // Each guard window is read once: a window is a new LoopSample object. Polled at least twice per
  // window, so none is missed; a stalled loop just delays the read, the window still holds the stall.
  const loopDelay: LoopDelayPoint[] = [];
  let seen = guard.loop;
  let runMax = 0;
  const read = (): void => {
    const sample = guard.loop;
    if (sample === seen) return;
    seen = sample;
    runMax = Math.max(runMax, sample.delayMaxMs);
    loopDelay.push({ t: since(), delayMaxMs: round(sample.delayMaxMs, 1) });
  };
  const poll = setInterval(read, Math.min(250, guard.settings.sampleInterval / 2));
  // A window straddling two runs would charge one route's stall to the next: after each run, wait
  // until the guard has closed the window holding the run's end, and take it for that run.
  const settle = async (): Promise<void> => {
    await sleep(guard.settings.sampleInterval + 100);
    read();
  };

  const runs: RunResult[] = [];
  const skipped: SkippedRoute[] = [...selection.skipped];
  try {
    // Streams (SSE, a body that keeps coming) would only measure timeouts: asked once, and left out.
    const selected: SelectedRoute[] = [];
    for (const route of selection.selected) {
      const stream = route.named || route.method !== 'GET' ? null : await probeStream(base + route.path, route.method, headers);
      if (stream === null) selected.push(route);
      else skipped.push({ route: route.route, reason: `${stream}: load it anyway with --route '${route.method} ${route.path}'` });
    }
    if (selected.length === 0) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: every GET route of the app streams; name the routes to load with --route (benchApp's routes).`);
    }
    // A warm-up round, not measured: the load generator (in this process) loads and compiles, each
    // route's code is compiled, and an offloaded route's worker threads start. The first run would
    // otherwise carry all of that as loop delay and latency that are no route's steady state.
    const widest = Math.max(...options.concurrency);
    for (const route of selected) {
      await runLoad(target(base, route, headers), { concurrency: widest, amount: 2 * widest });
    }
    await settle();
    for (const concurrency of options.concurrency) {
      for (const route of selected) {
        blocked = new Map();
        runMax = 0;
        starvedMs = 0;
        const startedAtSeconds = since();
        const load = await runLoad(target(base, route, headers), { concurrency, duration: options.duration, amount: options.amount, onProgress: options.onProgress });
        const endedAtSeconds = since();
        await settle();
        // Runs are sequential, so whatever the guard named during this one is this route's own
        // (the guard tells a route's stall from the host's since it measures the process's CPU).
        const stalls = blocked.get(route.route) ?? { ms: 0, count: 0 };
        const judgement = judgeRun(load, stalls.count, stalls.ms);
        runs.push({
          ...load,
          pattern: route.offload ? 'offloaded' : judgement.verdict === 'blocking' ? 'blocking-inline' : 'async',
          loopDelayMaxMs: round(runMax, 1),
          blockedMs: round(stalls.ms, 1),
          blockedCount: stalls.count,
          ...judgement,
          startedAtSeconds,
          endedAtSeconds,
          hostStarvedMs: round(starvedMs, 1),
        });
      }
    }
  } finally {
    clearInterval(poll);
    guard.events.blocked = previousBlocked;
    guard.events.starved = previousStarved;
    await app.close();
  }
  return {
    startedAt: startedAt.toISOString(),
    machine: { node: process.version, runtime: runtimeLabel(), cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), platform: `${process.platform} ${process.arch}` },
    target: options.target ?? app.title,
    runs,
    loopDelay,
    skipped,
    hostStarvedMs: round(starvedTotal, 1),
  };
}

function target(base: string, route: SelectedRoute, headers: Record<string, string>): LoadTarget {
  return {
    url: base + route.path,
    route: route.route,
    pattern: route.offload ? 'offloaded' : 'async',
    method: route.method,
    body: route.body,
    headers: requestHeaders(headers, route.body),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
