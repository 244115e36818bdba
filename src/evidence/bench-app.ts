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
import type { RouteDefinition } from '../route.js';
import { routeName } from '../route-name.js';
import { runLoad, type LoadProgress, type LoadTarget } from './run-load.js';
import type { EvidenceReport, LoopDelayPoint, RunResult } from './types.js';

export interface BenchAppOptions {
  /** "GET /json", "GET /items/1" (a concrete path for a route with parameters). Default: every GET route without parameters, except /health, /ready and /metrics. */
  routes?: string[];
  /** Each route is loaded at each level, one run after another. */
  concurrency: number[];
  /** Seconds per run. Default 10. */
  duration?: number;
  /** Requests per run instead of a duration. */
  amount?: number;
  /** Request bodies (sent as JSON) by route: { "POST /items": '{"name":"a"}' }. */
  bodies?: Record<string, string>;
  /** Named in the report as what was loaded. Default: the app's title. */
  target?: string;
  onProgress?(progress: LoadProgress): void;
}

const BUILT_IN = new Set(['/health', '/ready', '/metrics']);

interface Selected {
  route: string;
  path: string;
  method: string;
  offload: boolean;
  body: string | undefined;
}

export async function benchApp(app: App<boolean>, options: BenchAppOptions): Promise<EvidenceReport> {
  const guard = app.guard;
  if (!guard.settings.enabled) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'benchApp reads the loop delay and blocking from the loop guard: create the App without guard: { enabled: false }.');
  }
  if (options.concurrency.length === 0) throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'benchApp: give at least one concurrency level.');
  const selected = selectRoutes(app.routes(), options);
  const startedAt = new Date();
  const t0 = performance.now();
  const { url: base } = await app.listen({ host: '127.0.0.1', port: 0, handleSignals: false });

  // Blocked time per route, from the guard's own attribution. Chained, so /metrics keeps counting.
  const { blockThreshold } = guard.settings;
  const previous = guard.events.blocked;
  let blocked = new Map<string, number>();
  guard.events.blocked = (route, ms) => {
    previous?.(route, ms);
    blocked.set(route, (blocked.get(route) ?? 0) + ms);
  };

  // Each guard window is read once: a window is a new LoopSample object. Polled at least twice per
  // window, so none is missed; a stalled loop just delays the read, the window still holds the stall.
  const loopDelay: LoopDelayPoint[] = [];
  let seen = guard.loop;
  let runMax = 0;
  let windowsOver = 0;
  const read = (): void => {
    const sample = guard.loop;
    if (sample === seen) return;
    seen = sample;
    runMax = Math.max(runMax, sample.delayMaxMs);
    if (sample.delayMaxMs > blockThreshold) windowsOver++;
    loopDelay.push({ t: round((performance.now() - t0) / 1000, 2), delayMaxMs: round(sample.delayMaxMs, 1) });
  };
  const poll = setInterval(read, Math.min(250, guard.settings.sampleInterval / 2));
  // A window straddling two runs would charge one route's stall to the next: after each run, wait
  // until the guard has closed the window holding the run's end, and take it for that run.
  const settle = async (): Promise<void> => {
    await sleep(guard.settings.sampleInterval + 100);
    read();
  };

  const runs: RunResult[] = [];
  try {
    // First requests to an offloaded route start its worker threads: not the route's steady state.
    const widest = Math.max(...options.concurrency);
    for (const route of selected.filter((r) => r.offload)) {
      await runLoad(target(base, route), { concurrency: widest, amount: widest });
    }
    await settle();
    for (const concurrency of options.concurrency) {
      for (const route of selected) {
        blocked = new Map();
        runMax = 0;
        windowsOver = 0;
        const load = await runLoad(target(base, route), { concurrency, duration: options.duration, amount: options.amount, onProgress: options.onProgress });
        await settle();
        const blockedMs = blocked.get(route.route) ?? 0;
        // Runs are sequential, so loop delay past the guard's threshold during this one is this
        // route's. One window past it may be a GC pause or the OS running another process (on a
        // busy 2-core box, 100 ms happens); a route that blocks does it again, in a second window.
        // An offloaded handler runs on a worker thread: loop delay during its run is not its doing.
        const blocking = blockedMs > 0 || (!route.offload && windowsOver >= 2);
        runs.push({
          ...load,
          pattern: route.offload ? 'offloaded' : blocking ? 'blocking-inline' : 'async',
          loopDelayMaxMs: round(runMax, 1),
          blockedMs: round(blockedMs, 1),
          blockedCount: null,
          verdict: blocking ? 'blocking' : 'ok',
        });
      }
    }
  } finally {
    clearInterval(poll);
    guard.events.blocked = previous;
    await app.close();
  }
  return {
    startedAt: startedAt.toISOString(),
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), platform: `${process.platform} ${process.arch}` },
    target: options.target ?? app.title,
    runs,
    loopDelay,
  };
}

function target(base: string, route: Selected): LoadTarget {
  return {
    url: base + route.path,
    route: route.route,
    pattern: route.offload ? 'offloaded' : 'async',
    method: route.method,
    body: route.body,
    headers: route.body === undefined ? {} : { 'content-type': 'application/json' },
  };
}

function selectRoutes(definitions: RouteDefinition[], options: BenchAppOptions): Selected[] {
  const pick = (definition: RouteDefinition, path: string): Selected => {
    const route = routeName(definition.method, definition.path);
    return { route, path, method: definition.method, offload: definition.options.offload === true, body: options.bodies?.[route] ?? options.bodies?.[routeName(definition.method, path)] };
  };
  if (options.routes === undefined) {
    const chosen = definitions.filter((d) => d.method === 'GET' && !hasParams(d.path) && !BUILT_IN.has(d.path)).map((d) => pick(d, d.path));
    if (chosen.length === 0) throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'benchApp: the app has no GET route without path parameters; name the routes to load with `routes`.');
    return chosen;
  }
  return options.routes.map((wanted) => {
    const match = /^([A-Z]+) (\/\S*)$/.exec(wanted.trim());
    if (match === null) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: a route is "METHOD /path", e.g. "GET /json", not ${JSON.stringify(wanted)}.`);
    const [, method, path] = match as unknown as [string, string, string];
    const exact = definitions.find((d) => d.method === method && d.path === path);
    if (exact !== undefined && !hasParams(path)) return pick(exact, path);
    if (hasParams(path)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: ${wanted} has path parameters; give a concrete path to load, e.g. "${method} ${path.replace(/:[^/]+/g, '1')}".`);
    const matching = definitions.find((d) => d.method === method && pathPattern(d.path).test(path));
    if (matching === undefined) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `benchApp: the app has no route for ${wanted}.`);
    return pick(matching, path);
  });
}

function hasParams(path: string): boolean {
  return path.includes(':') || path.includes('*');
}

/** Enough of find-my-way's syntax to tell which route a concrete path belongs to. */
function pathPattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.replace(/:[^/]+/g, '[^/]+').replace(/[.]/g, '\\.')))
    .join('/');
  return new RegExp(`^${source}$`);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
