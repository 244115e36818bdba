import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { PoolGauge } from '../metrics/app-metrics.js';
import { HTTPException, LoopwiseError, timeoutError } from '../errors.js';
import type { RecordedResponse, WorkerCall, WorkerSetup } from './messages.js';
import type { OverrideSync } from './override-sync.js';
import { entryPoint } from '../package-files.js';
import { nonNegativeInteger, positiveInteger } from '../option-checks.js';
import { workersNeedTsx } from '../tsx-hooks.js';
import { createUsageCounters, readUsage, type UsageTotals } from './call-usage.js';
import { defaultMemoryBudget, THREAD_COST_GUESS, THREAD_COST_RANGE } from './memory-budget.js';
import { PoolSizer } from './pool-sizer.js';
import { isBun } from '../runtime-env.js';
import { threadClock } from '../thread-clock.js';
import { ThreadPool } from './thread-pool.js';
import { workerThreadOptions } from './worker-thread-options.js';

/** The App's `offload` option: the worker pool that runs `offload: true` routes and task()s. */
export interface OffloadOptions {
  /**
   * Most worker threads at once. Default 64. The pool grows toward it only for calls that wait
   * without using a core (docs/offload.md, "How the pool sizes itself"), and never past `memory`.
   */
  threads?: number;
  /** Threads kept alive while idle. Default 1, so the first request does not pay for a thread's start. */
  minThreads?: number;
  /**
   * Bytes the pool's threads may take, by the pool's own weighing of a thread: it does not start
   * a thread past it, calls queue (then get 503) instead. Default a quarter of the memory the
   * process may use (the container's limit, else the machine's), at most 512 MiB.
   */
  memory?: number;
  /** Calls waiting for a free thread; past it, requests get 503 with Retry-After. Default 1024. */
  maxQueue?: number;
  /** A thread above minThreads idle this long (ms) is stopped. Default 30 s. */
  idleTimeout?: number;
  /** V8 heap limits for each worker (Node's `resourceLimits`). Refused on Bun, whose workers ignore them. */
  resourceLimits?: ResourceLimits;
}

/** The pool's settings with every default applied and checked. */
export interface PoolSettings {
  threads: number;
  minThreads: number;
  memory: number;
  maxQueue: number;
  idleTimeout: number;
  resourceLimits: ResourceLimits | undefined;
}

export const DEFAULT_THREADS = 64;
export const DEFAULT_MAX_QUEUE = 1024;
export const DEFAULT_IDLE_TIMEOUT = 30_000;
/** How often a pool with calls in hand revisits its size (ms). */
const SIZING_INTERVAL = 50;

const WORKER_ENTRY = entryPoint('offload/worker-entry', 'mts');

/**
 * Where tsx's register() is, for threads that must install it themselves (src/tsx-hooks.ts). tsx
 * is an optional peer dependency, there when the app's TypeScript runs through it, which is when
 * this is asked.
 */
function tsxApi(): string {
  return import.meta.resolve('tsx/esm/api');
}

/** What each worker starts with: the app's module, and whether to register tsx (src/tsx-hooks.ts). */
export function workerSetup(module: string | null, ordinal: number): WorkerSetup {
  return { module, ordinal, registerTsx: workersNeedTsx(), usage: createUsageCounters() };
}

/** A call that waits for the pool to let it run. */
interface Waiting {
  call: WorkerCall;
  what: string;
  timeout: number | undefined;
  signal: AbortSignal | undefined;
  since: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onAbort: (() => void) | null;
}

/**
 * The worker threads (src/offload/thread-pool.ts), started lazily (and again after destroy()),
 * behind a gate that decides how many calls run at once (src/offload/pool-sizer.ts), with their
 * failures turned into HTTP answers. A call let through gets an idle thread or one started for it,
 * in parallel with the others: a burst never waits for threads one at a time.
 */
export class OffloadPool {
  private readonly settings: PoolSettings;
  private readonly setup: WorkerSetup;
  private readonly log: Logger;
  private threads: ThreadPool | null = null;
  private warming: Promise<void> | null = null;
  private readonly sizer: PoolSizer;
  private readonly usage: BigInt64Array;
  private lastUsage: UsageTotals;
  /** Calls let through the gate and not yet settled. */
  private running = 0;
  private readonly waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private resizeSoon = false;
  /** RSS before the first thread started, and the weighed cost of one thread (bytes). */
  private rssBefore = 0;
  private threadCost = THREAD_COST_GUESS;
  private firstWeighing: { rss: number; threads: number } | null = null;
  private budgetWarned = false;
  /** Told each time a call is refused because the pool is full (the loop guard counts them). */
  onFull: (() => void) | null = null;
  /** The App's dependency overrides, as its route calls carry them to the threads (null for a task()-only pool). */
  overrides: OverrideSync | null = null;

  constructor(settings: PoolSettings, setup: WorkerSetup, log: Logger) {
    this.settings = settings;
    this.setup = setup;
    this.log = log;
    this.usage = new BigInt64Array(setup.usage);
    this.lastUsage = readUsage(this.usage);
    // The workers read the same clock as this thread can: asked here once, to know what they will see.
    const clock = threadClock();
    clock?.close();
    const cores = availableParallelism();
    // Without a clock the pool cannot tell waiting from working: twice the cores, as loopwise did before.
    const blind = clock === null ? Math.min(16, Math.max(4, 2 * cores)) : null;
    this.sizer = new PoolSizer(cores, settings.minThreads, blind, clock?.seesRunQueue ?? false);
    this.sizer.limit = Math.min(this.sizer.limit, this.cap());
  }

  /**
   * Runs one call on a worker. `what` names the route or task in errors and logs. Past `timeout`
   * ms (counted from now, so time spent queued counts too) the worker running it is terminated.
   */
  run(call: WorkerCall, what: string, timeout: number | undefined): Promise<unknown> {
    const canRun = this.running < this.sizer.limit && this.waiting.length === 0;
    if (!canRun && this.waiting.length >= this.settings.maxQueue) return Promise.reject(this.queueFull(what));
    const signal = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
    return new Promise((resolve, reject) => {
      const entry: Waiting = { call, what, timeout, signal, since: performance.now(), resolve, reject, onAbort: null };
      if (canRun) return this.start(entry);
      if (signal !== undefined) {
        entry.onAbort = () => {
          const at = this.waiting.indexOf(entry);
          if (at !== -1) this.waiting.splice(at, 1);
          this.log.warn({ route: what, timeout }, `${what} waited for the offload pool past its ${timeout} ms timeout: answered 504 without running it`);
          reject(timeoutError(timeout!));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.waiting.push(entry);
      this.watch();
      // Decide once the whole burst is queued (a microtask later), not at the next tick: the
      // threads for calls known to wait start now.
      if (!this.resizeSoon) {
        this.resizeSoon = true;
        queueMicrotask(() => {
          this.resizeSoon = false;
          this.resize();
        });
      }
    });
  }

  /** For metrics: the pool's size, and how many calls run and wait now. */
  gauge(): PoolGauge {
    return {
      threads: this.threads?.size ?? 0,
      starting: this.threads?.starting ?? 0,
      maxThreads: this.cap(),
      limit: this.sizer.limit,
      busy: this.running,
      queued: this.waiting.length,
      maxQueue: this.settings.maxQueue,
      cpuDemand: this.sizer.demand,
    };
  }

  /** Starts the threads and has one load the app module now, so a module that cannot load fails at startup. */
  warmUp(): Promise<void> {
    return (this.warming ??= this.pool()
      .run({ kind: 'ping' } satisfies WorkerCall)
      .then(
        () => this.weighThreads(),
        (error: unknown) => {
          this.warming = null;
          throw error instanceof LoopwiseError
            ? error
            : new LoopwiseError('LW_ERR_OFFLOAD_MODULE', `a worker thread could not load the app module ${this.setup.module}: ${(error as Error).message}`, {
                cause: error,
              });
        },
      ));
  }

  /** Stops every thread (a running task is cut off, a waiting one is refused); a later run() starts a fresh pool. */
  async destroy(): Promise<void> {
    const threads = this.threads;
    this.threads = null;
    this.warming = null;
    this.stopWatching();
    for (const entry of this.waiting.splice(0)) {
      this.forget(entry);
      entry.reject(new HTTPException(503, 'Service Unavailable: the server is shutting down', { 'retry-after': '1' }));
    }
    if (threads !== null) await threads.destroy();
  }

  private start(entry: Waiting): void {
    this.forget(entry);
    this.running++;
    this.pool()
      .run(entry.call, entry.signal)
      .then(entry.resolve, (error: unknown) => entry.reject(this.translate(error, entry.what, entry.timeout)))
      .finally(() => {
        this.running--;
        this.admit();
      });
    this.watch();
  }

  /** Lets waiting calls run while the limit allows; a request that waited past its deadline gets 503 instead. */
  private admit(): void {
    while (this.waiting.length > 0 && this.running < this.sizer.limit) {
      const entry = this.waiting.shift()!;
      const waited = performance.now() - entry.since;
      // Late, unless threads are still starting: then the pool is growing, not full, and a cold
      // pool must not turn a burst away. Serving a late request would spend a thread on a client that gave up.
      if (entry.call.kind === 'route' && waited > entry.call.maxQueueWait && (this.threads?.starting ?? 0) === 0) {
        this.forget(entry);
        entry.resolve({ status: 503, headers: undefined, body: undefined, destroyed: false, late: waited } satisfies RecordedResponse);
        continue;
      }
      this.start(entry);
    }
  }

  private forget(entry: Waiting): void {
    if (entry.onAbort !== null) entry.signal!.removeEventListener('abort', entry.onAbort);
    entry.onAbort = null;
  }

  /** Revisits the size every SIZING_INTERVAL ms while the pool has calls in hand. */
  private watch(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.resize(), SIZING_INTERVAL).unref();
  }

  private stopWatching(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private resize(): void {
    const totals = readUsage(this.usage);
    const last = this.lastUsage;
    this.lastUsage = totals;
    const usage = { calls: totals.calls - last.calls, measured: totals.measured - last.measured, wall: totals.wall - last.wall, cpu: totals.cpu - last.cpu, runQueue: totals.runQueue - last.runQueue };
    // Weighed with every thread up: one still loading weighs less than it will.
    if (this.threads !== null && this.threads.size >= 4 && this.threads.starting === 0) this.weighThreads();
    const cap = this.cap();
    const before = this.sizer.limit;
    const limit = this.sizer.decide({ usage, running: this.running, waiting: this.waiting.length, cap });
    if (limit !== before) this.log.debug({ limit, before, demand: this.sizer.demand, cap }, `offload pool: ${limit} calls at once (was ${before})`);
    if (this.waiting.length > 0 && limit >= cap && cap < this.settings.threads) this.warnBudget(cap);
    this.admit();
    if (this.running === 0 && this.waiting.length === 0) {
      this.stopWatching();
      this.sizer.idle(cap);
    }
  }

  /** Most calls at once: the `threads` option, or what the memory budget pays for at the weighed cost of a thread. */
  private cap(): number {
    return Math.max(1, Math.min(this.settings.threads, Math.floor(this.settings.memory / this.threadCost)));
  }

  /**
   * A thread's cost. First the RSS growth since before the first thread over the threads warmUp()
   * started (an overestimate: it carries what the first thread alone costs, such as Node's worker
   * machinery); then, once more threads are up, the growth per thread since then: the cost of the
   * next one, which is what the budget is spent on.
   */
  private weighThreads(): void {
    const threads = this.threads?.size ?? 0;
    if (threads === 0 || this.rssBefore === 0) return;
    const rss = process.memoryUsage.rss();
    const [low, high] = THREAD_COST_RANGE;
    const clamp = (cost: number): number => Math.round(Math.min(high, Math.max(low, cost)));
    if (this.firstWeighing === null) {
      this.firstWeighing = { rss, threads };
      this.threadCost = clamp((rss - this.rssBefore) / threads);
      return;
    }
    const added = threads - this.firstWeighing.threads;
    if (added < 3) return;
    this.threadCost = clamp((rss - this.firstWeighing.rss) / added);
  }

  private warnBudget(cap: number): void {
    if (this.budgetWarned) return;
    this.budgetWarned = true;
    const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);
    this.log.warn(
      { threads: cap, threadMiB: mib(this.threadCost), memoryMiB: mib(this.settings.memory) },
      `offload pool at its memory budget: ${cap} threads of ~${mib(this.threadCost)} MiB in ${mib(this.settings.memory)} MiB; calls queue. ` +
        'Raise pool.memory, or move the blocking work to an async driver or a queue worker (docs/offload.md).',
    );
  }

  private pool(): ThreadPool {
    if (this.threads !== null) return this.threads;
    this.rssBefore = process.memoryUsage.rss();
    this.firstWeighing = null;
    return (this.threads = new ThreadPool({
      filename: WORKER_ENTRY,
      loader: this.setup.registerTsx ? tsxApi() : null,
      workerData: this.setup,
      maxThreads: this.settings.threads,
      maxStarting: availableParallelism(),
      minThreads: this.settings.minThreads,
      idleTimeout: this.settings.idleTimeout,
      ...workerThreadOptions(this.settings.resourceLimits),
    }));
  }

  /** 503 at once, so load past capacity is turned away instead of piling up latency and memory. */
  private queueFull(what: string): HTTPException {
    const { maxQueue } = this.settings;
    const running = this.running;
    this.onFull?.();
    this.log.warn({ route: what, running, maxQueue }, `offload pool full (${running} running, ${maxQueue} waiting): answered 503 for ${what}`);
    return new HTTPException(503, 'Service Unavailable: the server is at capacity, retry shortly', { 'retry-after': '1' });
  }

  private translate(error: unknown, what: string, timeout: number | undefined): unknown {
    if (!(error instanceof Error)) return error;
    if ((error.name === 'AbortError' || error.name === 'TimeoutError') && timeout !== undefined) {
      this.log.warn({ route: what, timeout }, `${what} did not finish within its ${timeout} ms timeout: its worker thread was terminated and replaced`);
      return timeoutError(timeout);
    }
    if (error.name === 'DataCloneError') {
      return new LoopwiseError(
        'LW_ERR_OFFLOAD_RESULT',
        `a value passed to or returned from ${what} could not be copied between threads (${error.message}). ` +
          'Offloaded handlers, tasks and their arguments must use plain data: objects, arrays, strings, numbers, Dates, Maps, Sets, typed arrays.',
        { cause: error },
      );
    }
    if (error.message.startsWith('worker exited with code')) {
      return new Error(`${what} ended its worker thread (${error.message}); the thread was replaced`, { cause: error });
    }
    return error;
  }
}

/** Checked when the App is created, so a bad option fails at once, not when the pool first starts. */
export function poolSettings(options: OffloadOptions): PoolSettings {
  const threads = positiveInteger(options.threads ?? DEFAULT_THREADS, 'pool.threads');
  return {
    threads,
    minThreads: Math.min(threads, nonNegativeInteger(options.minThreads ?? 1, 'pool.minThreads')),
    memory: positiveInteger(options.memory ?? defaultMemoryBudget(), 'pool.memory', { unit: 'bytes' }),
    maxQueue: nonNegativeInteger(options.maxQueue ?? DEFAULT_MAX_QUEUE, 'pool.maxQueue'),
    idleTimeout: nonNegativeInteger(options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT, 'pool.idleTimeout', { unit: 'milliseconds' }),
    resourceLimits: heapLimits(options.resourceLimits),
  };
}

/** The user's heap limits, refused on Bun: its worker threads accept them and ignore them, so a limit would not hold. */
function heapLimits(limits: ResourceLimits | undefined): ResourceLimits | undefined {
  if (limits === undefined || !isBun()) return limits;
  throw new LoopwiseError(
    'LW_ERR_INVALID_OPTION',
    'pool.resourceLimits cannot be enforced on Bun: its worker threads accept resourceLimits and ignore them (a thread limited to 32 MB grew without bound), ' +
      'so an offloaded call could still exhaust the process’s memory. Remove pool.resourceLimits when running on Bun (pool.memory still caps the number of threads), or run on Node.',
  );
}
