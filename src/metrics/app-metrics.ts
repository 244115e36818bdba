/**
 * One App's Prometheus metrics, in a registry of its own (never prom-client's global one, so two
 * apps in one process do not collide): requests and their latency per route, event-loop delay and
 * utilization, loop blocking per route, the offload pool, shed requests, and prom-client's default
 * process metrics.
 *
 * Cost on the request path: requestDone() only adds numbers into per-(route, method, status) cells
 * (about 55–75 ns a call, measured on Node 20 and 24); labels, strings and cumulative buckets are
 * made when /metrics is scraped. prom-client's labelled metrics were measured at ~850 ns a call,
 * and a cached `.labels()` child at ~1,100 ns: prom-client hashes the label object on every inc()
 * and observe(), child or not.
 */
import { createRequire } from 'node:module';
import type { Aggregator, Counter, Gauge, Registry } from 'prom-client';
import { LoopwiseError } from '../errors.js';
import { isBun } from '../runtime-env.js';
import { createLatencyHistogram } from './latency-histogram.js';
import { createReadGauge } from './read-gauge.js';
import { LATENCY_BUCKETS, RequestSeries } from './request-series.js';

/** The offload pool at scrape time (src/offload/pool.ts fills it). */
export interface PoolGauge {
  /** Threads alive: running a call, idle, or starting. */
  threads: number;
  /** Of them, the ones still loading the app module. */
  starting: number;
  /** Most threads: the `threads` option, or fewer when the memory budget binds. */
  maxThreads: number;
  /** Calls the pool lets run at once now (src/offload/pool-sizer.ts). */
  limit: number;
  busy: number;
  queued: number;
  maxQueue: number;
  /** What recent calls spent on a core or waiting for one over their time, 0 to 1; null before the first. */
  cpuDemand: number | null;
}

/**
 * The loop monitor at scrape time: delay percentiles in ms (the 10 ms sampling resolution
 * included, as Node reports them, on Bun too), utilization 0–1 (`performance.eventLoopUtilization()`;
 * on Bun, whose one always reads 0, the main thread's CPU time over wall time: src/guard/loop-monitor.ts).
 */
export interface LoopGauge {
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  utilization: number;
}

export type ShedReason = 'loop' | 'queue' | 'deadline';

export interface AppMetricsOptions {
  /** Put before every series name, prom-client's default metrics included. Default `loopwise_`. */
  prefix?: string;
  /**
   * prom-client's process and Node.js metrics (CPU, memory, heap, GC, handles, its own loop lag).
   * Default true. Each AppMetrics that has them keeps a GC observer and a loop-delay monitor
   * running for the rest of the process (prom-client cannot stop them), so an app created many
   * times in one process (tests) may want them off.
   */
  defaultMetrics?: boolean;
}

export const DEFAULT_METRICS_PREFIX = 'loopwise_';

const SHED_REASONS: readonly ShedReason[] = ['loop', 'queue', 'deadline'];

/**
 * prom-client default series that Bun 1.4.5 fills from stubs (measured): no 'gc' entries for a
 * PerformanceObserver, empty active handle/request/resource lists, V8's heap spaces (JavaScriptCore
 * has none: all 0). Left out there rather than exposed as zeros that look measured (docs/metrics.md).
 */
const UNMEASURED_ON_BUN = [
  'nodejs_gc_duration_seconds',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_heap_space_size_total_bytes',
  'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes',
];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

// prom-client loads with the first AppMetrics, not at import: an app without metrics never needs it.
const require = createRequire(import.meta.url);

export class AppMetrics {
  /** The app's own registry: render() exposes everything in it, so users can register their own metrics here. */
  readonly registry: Registry;
  readonly prefix: string;

  private readonly requests = new RequestSeries(LATENCY_BUCKETS);
  /** route → seconds the loop was blocked by it, and how many times. */
  private readonly blocking = new Map<string, { seconds: number; stalls: number }>();
  private readonly sheds: Record<ShedReason, number> = { loop: 0, queue: 0, deadline: 0 };
  private starvedSeconds = 0;
  private readLoop: (() => LoopGauge) | null = null;
  private readPool: (() => PoolGauge | null) | null = null;
  /** Each source is read once per scrape, however many gauges show it (see sample()). */
  private loopSample: LoopGauge | undefined = undefined;
  private poolSample: PoolGauge | null | undefined = undefined;

  constructor(options: AppMetricsOptions = {}) {
    const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
    if (prefix !== '' && !METRIC_NAME.test(prefix)) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `metrics prefix must start with a letter, _ or : and hold only letters, digits, _ and :, not ${JSON.stringify(prefix)}.`);
    }
    this.prefix = prefix;
    const { collectDefaultMetrics, Counter, Registry } = require('prom-client') as typeof import('prom-client');
    this.registry = new Registry();
    const registers = [this.registry];

    const requests = this.requests;
    const requestsTotal: Counter<'route' | 'method' | 'status'> = new Counter({
      name: `${prefix}http_requests_total`,
      help: 'Requests answered, by route pattern ("unmatched" for none), method and status code.',
      labelNames: ['route', 'method', 'status'],
      registers,
      collect() {
        requestsTotal.reset();
        for (const [route, methods] of requests.routes) {
          for (const [method, cell] of methods) {
            for (const [status, counted] of cell.statuses) requestsTotal.inc({ route, method, status: String(status) }, counted.count);
          }
        }
      },
    });
    createLatencyHistogram(
      `${prefix}http_request_duration_seconds`,
      'Time from the request being read (plus any time it waited for a stalled event loop) to the response written, by route pattern and method.',
      requests,
      this.registry,
    );

    // Aggregators: how prom-client's cluster registry would combine worker processes' values.
    const loop = (name: string, help: string, aggregator: Aggregator, value: (sample: LoopGauge) => number): Gauge<string> =>
      createReadGauge(`${prefix}${name}`, help, this.registry, aggregator, () => {
        const sample = this.sample('loop');
        return sample === null ? null : value(sample);
      });
    loop('event_loop_delay_p50_seconds', 'Event-loop delay, median, in seconds.', 'max', (s) => s.delayP50Ms / 1000);
    loop('event_loop_delay_p99_seconds', 'Event-loop delay, 99th percentile, in seconds.', 'max', (s) => s.delayP99Ms / 1000);
    loop('event_loop_delay_max_seconds', 'Event-loop delay, maximum, in seconds.', 'max', (s) => s.delayMaxMs / 1000);
    loop('event_loop_utilization_ratio', 'Share of time the event loop was busy, 0 to 1.', 'average', (s) => s.utilization);

    const blocking = this.blocking;
    const blockedSeconds: Counter<'route'> = new Counter({
      name: `${prefix}event_loop_blocked_seconds_total`,
      help: 'Seconds the event loop was blocked, by the route whose code blocked it.',
      labelNames: ['route'],
      registers,
      collect() {
        blockedSeconds.reset();
        for (const [route, cell] of blocking) blockedSeconds.inc({ route }, cell.seconds);
      },
    });
    const stalls: Counter<'route'> = new Counter({
      name: `${prefix}event_loop_stalls_total`,
      help: 'Times the event loop was blocked, by the route whose code blocked it.',
      labelNames: ['route'],
      registers,
      collect() {
        stalls.reset();
        for (const [route, cell] of blocking) stalls.inc({ route }, cell.stalls);
      },
    });

    const hostStarved: Counter<string> = new Counter({
      name: `${prefix}host_starved_seconds_total`,
      help: 'Seconds the event loop stood still because the host gave the process no CPU (other processes had its core): no route is blamed for them.',
      registers,
      collect: () => {
        hostStarved.reset();
        hostStarved.inc(this.starvedSeconds);
      },
    });

    const pool = (name: string, help: string, value: (sample: PoolGauge) => number | null): Gauge<string> =>
      createReadGauge(`${prefix}${name}`, help, this.registry, name.endsWith('_ratio') ? 'average' : 'sum', () => {
        const sample = this.sample('pool');
        return sample === null ? null : value(sample);
      });
    pool('offload_pool_threads', 'Worker threads alive: running a call, idle, or starting.', (p) => p.threads);
    pool('offload_pool_starting_threads', 'Worker threads still loading the app module.', (p) => p.starting);
    pool('offload_pool_max_threads', 'Most worker threads: the pool.threads option, or fewer where the memory budget binds.', (p) => p.maxThreads);
    pool('offload_pool_limit_calls', 'Calls the pool lets run at once now: the cores for calls that compute, up to the most threads for calls that wait.', (p) => p.limit);
    pool('offload_pool_busy_threads', 'Calls running on a worker thread (or on one still starting).', (p) => p.busy);
    pool('offload_pool_queued_calls', 'Calls waiting for the pool to let them run.', (p) => p.queued);
    pool('offload_pool_queue_limit_calls', 'Most calls that may wait; past it, requests get 503.', (p) => p.maxQueue);
    pool('offload_pool_utilization_ratio', 'Busy threads over threads alive, 0 to 1.', (p) => (p.threads > 0 ? Math.min(1, p.busy / p.threads) : 0));
    pool(
      'offload_pool_cpu_demand_ratio',
      'What recent offloaded calls spent on a core or waiting for one, over their time: near 0 they wait (the pool grows), near 1 they compute (it holds at the cores).',
      (p) => p.cpuDemand,
    );

    const sheds = this.sheds;
    const shed: Counter<'reason'> = new Counter({
      name: `${prefix}http_requests_shed_total`,
      help: 'Requests answered 503 by load shedding, by reason: loop (event loop overloaded), queue (offload queue full), deadline.',
      labelNames: ['reason'],
      registers,
      collect() {
        shed.reset();
        for (const reason of SHED_REASONS) shed.inc({ reason }, sheds[reason]);
      },
    });

    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix });
      if (isBun()) for (const name of UNMEASURED_ON_BUN) this.registry.removeSingleMetric(`${prefix}${name}`);
    }
  }

  /** One finished request. `route` is the pattern ("GET /items/:id") or "unmatched"; `seconds` from dispatch to response written. */
  requestDone(route: string, method: string, status: number, seconds: number): void {
    this.requests.record(route, method, status, seconds);
  }

  /** The event loop was blocked by this route's code for `ms` milliseconds (the loop guard's attribution). */
  blocked(route: string, ms: number): void {
    if (!(ms > 0 && ms < Infinity)) return;
    const cell = this.blocking.get(route);
    if (cell === undefined) this.blocking.set(route, { seconds: ms / 1000, stalls: 1 });
    else {
      cell.seconds += ms / 1000;
      cell.stalls++;
    }
  }

  /** The loop stood still for `ms` milliseconds while the host ran other processes (the loop guard's reading). */
  starved(ms: number): void {
    if (ms > 0 && ms < Infinity) this.starvedSeconds += ms / 1000;
  }

  /** A request answered 503 by load shedding. */
  shed(reason: ShedReason): void {
    this.sheds[reason]++;
  }

  /**
   * The loop monitor, read when /metrics is scraped (once per scrape). Until it is set, the loop
   * gauges have no sample. A later call replaces the source.
   */
  watchLoop(read: () => LoopGauge): void {
    this.readLoop = read;
  }

  /**
   * The offload pool, read when /metrics is scraped (once per scrape). `null` means no pool is
   * running: the pool gauges then have no sample, as before watchPool() is called. A later call replaces the source.
   */
  watchPool(read: () => PoolGauge | null): void {
    this.readPool = read;
  }

  /**
   * The Prometheus text exposition (format 0.0.4) and its content type. Rejects if a watched
   * source throws, so a broken reader is seen rather than reported as zeros.
   */
  async render(): Promise<{ contentType: string; body: string }> {
    const body = await this.registry.metrics();
    return { contentType: this.registry.contentType, body };
  }

  /**
   * The source's reading for this scrape. The Registry asks every metric for its values in one
   * synchronous pass, so the first gauge to ask reads the source and the reading is dropped in the
   * next microtask: one read per scrape, and every gauge of a scrape shows the same reading.
   */
  private sample(source: 'loop'): LoopGauge | null;
  private sample(source: 'pool'): PoolGauge | null;
  private sample(source: 'loop' | 'pool'): LoopGauge | PoolGauge | null {
    if (source === 'loop') {
      if (this.readLoop === null) return null;
      if (this.loopSample === undefined) {
        this.loopSample = this.readLoop();
        queueMicrotask(() => (this.loopSample = undefined));
      }
      return this.loopSample;
    }
    if (this.readPool === null) return null;
    if (this.poolSample === undefined) {
      this.poolSample = this.readPool();
      queueMicrotask(() => (this.poolSample = undefined));
    }
    return this.poolSample;
  }
}
