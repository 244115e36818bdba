import { availableParallelism } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { HTTPException, LoopwiseError, timeoutError } from '../errors.js';
import type { WorkerCall, WorkerSetup } from './messages.js';
import { entryPoint } from '../package-files.js';
import { nonNegativeInteger, positiveInteger } from '../option-checks.js';
import { workersNeedTsx } from '../tsx-hooks.js';
import { workerThreadOptions } from './worker-thread-options.js';

/** The App's `offload` option: the worker pool that runs `offload: true` routes and task()s. */
export interface OffloadOptions {
  /** Most worker threads at once. Default: twice the cores, at least 4, at most 16 (see docs/offload.md). */
  threads?: number;
  /** Threads kept alive while idle. Default 1, so the first request does not pay for a thread's start. */
  minThreads?: number;
  /** Calls waiting for a free thread; past it, requests get 503 with Retry-After. Default 1024. */
  maxQueue?: number;
  /** A thread above minThreads idle this long (ms) is stopped. Default 30 s. */
  idleTimeout?: number;
  /** V8 heap limits for each worker (Node's `resourceLimits`). */
  resourceLimits?: ResourceLimits;
}

/** The pool's settings with every default applied and checked. */
export interface PoolSettings {
  threads: number;
  minThreads: number;
  maxQueue: number;
  idleTimeout: number;
  resourceLimits: ResourceLimits | undefined;
}

export const DEFAULT_MAX_QUEUE = 1024;
export const DEFAULT_IDLE_TIMEOUT = 30_000;

/**
 * Blocking I/O (a sync driver waiting on disk) holds a thread without using a core, so more threads
 * than cores help; CPU work stops scaling at the core count. Each thread is a V8 isolate of its
 * own (10–20 MB, its own copy of module state), which caps the figure.
 */
export function defaultThreads(): number {
  return Math.min(16, Math.max(4, 2 * availableParallelism()));
}

// Loaded when the pool starts its threads, not at import: an app with no offloaded route never needs it.
const require = createRequire(import.meta.url);

const WORKER_ENTRY = entryPoint('offload/worker-entry', 'mts');

/** What each worker starts with: the app's module, and whether to register tsx (src/tsx-hooks.ts). */
export function workerSetup(module: string | null, ordinal: number): WorkerSetup {
  return { module, ordinal, registerTsx: workersNeedTsx() };
}

/** Piscina, started lazily (and again after destroy()), with its failures turned into HTTP answers. */
export class OffloadPool {
  private readonly settings: PoolSettings;
  private readonly setup: WorkerSetup;
  private readonly log: Logger;
  private piscina: Piscina | null = null;
  private warming: Promise<void> | null = null;
  /** Calls handed over and not yet settled: running on a thread or waiting for one. */
  private active = 0;
  /** Told each time a call is refused because the pool is full (the loop guard counts them). */
  onFull: (() => void) | null = null;

  constructor(settings: PoolSettings, setup: WorkerSetup, log: Logger) {
    this.settings = settings;
    this.setup = setup;
    this.log = log;
  }

  /**
   * Runs one call on a worker. `what` names the route or task in errors and logs. Past `timeout`
   * ms (counted from now, so time spent queued counts too) the worker running it is terminated.
   */
  async run(call: WorkerCall, what: string, timeout: number | undefined): Promise<unknown> {
    // The queue bound is kept here, not by piscina: piscina does not count calls that carry an
    // AbortSignal against its maxQueue, and with maxQueue 0 it still runs a call it refused.
    if (this.active >= this.settings.threads + this.settings.maxQueue) throw this.queueFull(what);
    this.active++;
    const signal = timeout === undefined ? undefined : AbortSignal.timeout(timeout);
    try {
      return await this.pool().run(call, signal === undefined ? undefined : { signal });
    } catch (error) {
      throw this.translate(error, what, timeout);
    } finally {
      this.active--;
    }
  }

  /** For metrics: the pool's size, and how many calls run and wait now. */
  gauge(): { threads: number; busy: number; queued: number; maxQueue: number } {
    const { threads, maxQueue } = this.settings;
    return { threads, busy: Math.min(this.active, threads), queued: Math.max(0, this.active - threads), maxQueue };
  }

  /** Starts the threads and has one load the app module now, so a module that cannot load fails at startup. */
  warmUp(): Promise<void> {
    return (this.warming ??= this.pool()
      .run({ kind: 'ping' } satisfies WorkerCall)
      .then(
        () => undefined,
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

  /** Stops every thread (a running task is cut off); a later run() starts a fresh pool. */
  async destroy(): Promise<void> {
    const piscina = this.piscina;
    this.piscina = null;
    this.warming = null;
    if (piscina !== null) await piscina.destroy();
  }

  private pool(): Piscina {
    if (this.piscina !== null) return this.piscina;
    const { Piscina } = require('piscina') as typeof import('piscina');
    return (this.piscina = new Piscina({
      filename: WORKER_ENTRY.href,
      workerData: this.setup,
      maxThreads: this.settings.threads,
      minThreads: this.settings.minThreads,
      idleTimeout: this.settings.idleTimeout,
      // 'sync' (piscina's default) freezes a worker's event loop between calls, so work a route
      // leaves for after its response (background tasks, dependencies' cleanups) would never run.
      atomics: 'async',
      ...workerThreadOptions(this.settings.resourceLimits),
    }));
  }

  /** 503 at once, so load past capacity is turned away instead of piling up latency and memory. */
  private queueFull(what: string): HTTPException {
    const { threads, maxQueue } = this.settings;
    this.onFull?.();
    this.log.warn({ route: what, threads, maxQueue }, `offload pool full (${threads} running, ${maxQueue} waiting): answered 503 for ${what}`);
    return new HTTPException(503, 'Service Unavailable: the server is at capacity, retry shortly', { 'retry-after': '1' });
  }

  private translate(error: unknown, what: string, timeout: number | undefined): unknown {
    if (!(error instanceof Error)) return error;
    if (error.name === 'AbortError' && timeout !== undefined) {
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
  const threads = positiveInteger(options.threads ?? defaultThreads(), 'pool.threads');
  return {
    threads,
    minThreads: Math.min(threads, nonNegativeInteger(options.minThreads ?? 1, 'pool.minThreads')),
    maxQueue: nonNegativeInteger(options.maxQueue ?? DEFAULT_MAX_QUEUE, 'pool.maxQueue'),
    idleTimeout: nonNegativeInteger(options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT, 'pool.idleTimeout', { unit: 'milliseconds' }),
    resourceLimits: options.resourceLimits,
  };
}
