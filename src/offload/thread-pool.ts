import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { SerializedError } from './messages.js';
import { reviveError } from './serialized-error.js';

/** How this pool and a worker (src/offload/worker-entry.mts) talk. */
type ToWorker = { id: number; call: unknown };
type FromWorker = { ready: true } | { id: number; result: unknown } | { id: number; failure: SerializedError };

export interface ThreadPoolOptions {
  /** The worker's entry module. */
  filename: URL;
  /** A module whose register() installs a loader (tsx) before the entry is imported, where workers do not inherit it. */
  loader: string | null;
  workerData: unknown;
  /** Threads started at once and kept while idle. */
  minThreads: number;
  /** Most threads alive at once, starting ones included. */
  maxThreads: number;
  /**
   * Most threads starting at once. Starting a thread is CPU work (it loads the app module): more
   * at once than there are cores only takes the cores from the event loop, and starts none sooner.
   */
  maxStarting: number;
  /** A thread above minThreads idle this long (ms) is stopped. */
  idleTimeout: number;
  resourceLimits: ResourceLimits | undefined;
  /** Node options for each thread; absent, a thread inherits the main thread's. */
  execArgv?: string[];
}

interface Call {
  id: number;
  call: unknown;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  /** The call it runs now. */
  call: Call | null;
  idleTimer: NodeJS.Timeout | null;
  /** Set once the thread is being ended on purpose (idle, aborted call, destroy). */
  ending: boolean;
}

/**
 * Worker threads that run one call at a time each. A call goes to an idle thread; with none, a
 * thread is started for it, but a thread that is already starting counts: a call never waits
 * for a second thread while one is on its way, and never makes a thread nobody needs. How many
 * calls run at once is the caller's decision (src/offload/pool.ts): this only runs what it is given.
 */
export class ThreadPool {
  private readonly threads = new Set<Thread>();
  private readonly pending: Call[] = [];
  private nextId = 1;
  private destroyed = false;

  constructor(private readonly options: ThreadPoolOptions) {
    this.keepMinimum();
  }

  /** Threads alive: running a call, idle, or starting. */
  get size(): number {
    return this.threads.size;
  }

  /** Threads still loading the app module. */
  get starting(): number {
    let count = 0;
    for (const thread of this.threads) if (!thread.ready && !thread.ending) count++;
    return count;
  }

  /** Runs `call` on a thread; `signal` ends it (the thread running it is terminated) with an AbortError. */
  run(call: unknown, signal?: AbortSignal): Promise<unknown> {
    if (this.destroyed) return Promise.reject(abortError('the pool is closed'));
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise((resolve, reject) => {
      const entry: Call = { id: this.nextId++, call, signal, onAbort: null, resolve, reject };
      if (signal !== undefined) {
        entry.onAbort = () => this.abort(entry);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.push(entry);
      this.dispatch();
    });
  }

  /** Ends every thread; calls still running or pending are rejected. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const entry of this.pending.splice(0)) this.settle(entry, abortError('the pool is closed'), true);
    const ending = [...this.threads].map((thread) => {
      if (thread.call !== null) this.settle(thread.call, abortError('the pool is closed'), true);
      thread.call = null;
      return this.end(thread);
    });
    await Promise.all(ending);
  }

  private dispatch(): void {
    for (const thread of this.threads) {
      // A thread whose call could not be posted is free again: it takes the next one.
      while (this.pending.length > 0 && thread.ready && thread.call === null && !thread.ending) this.give(thread, this.pending.shift()!);
      if (this.pending.length === 0) return;
    }
    // A call waits for a thread already starting rather than have another started for it.
    let starting = this.starting;
    for (let more = this.pending.length - starting; more > 0 && this.threads.size < this.options.maxThreads && starting < this.options.maxStarting; more--, starting++) this.start();
  }

  private give(thread: Thread, entry: Call): void {
    if (thread.idleTimer !== null) clearTimeout(thread.idleTimer);
    thread.idleTimer = null;
    try {
      thread.worker.postMessage({ id: entry.id, call: entry.call } satisfies ToWorker);
    } catch (error) {
      // An argument that cannot be copied to a thread (a function, a socket) fails its call alone.
      this.settle(entry, error, true);
      this.idle(thread);
      return;
    }
    thread.call = entry;
    thread.worker.ref();
  }

  private start(): void {
    const { filename, loader, workerData, resourceLimits, execArgv } = this.options;
    const worker = new Worker(BOOT, {
      argv: [filename.href, loader ?? ''],
      workerData,
      ...(resourceLimits === undefined ? {} : { resourceLimits }),
      ...(execArgv === undefined ? {} : { execArgv }),
    });
    const thread: Thread = { worker, ready: false, call: null, idleTimer: null, ending: false };
    this.threads.add(thread);
    worker.on('message', (message: FromWorker) => this.onMessage(thread, message));
    // An uncaught exception (or a heap past resourceLimits) ends the thread: its call fails with it,
    // and no other call is given to it while it exits.
    worker.on('error', (error) => {
      this.failCall(thread, error);
      thread.ending = true;
    });
    worker.once('exit', (code) => this.onExit(thread, code));
  }

  private onMessage(thread: Thread, message: FromWorker): void {
    if ('ready' in message) {
      thread.ready = true;
    } else {
      const entry = thread.call;
      if (entry === null || entry.id !== message.id) return;
      thread.call = null;
      if ('failure' in message) this.settle(entry, reviveError(message.failure), true);
      else this.settle(entry, message.result, false);
    }
    if (thread.call === null) this.idle(thread);
    this.dispatch();
  }

  private idle(thread: Thread): void {
    thread.worker.unref(); // an idle thread does not keep the process alive
    if (this.pending.length > 0 || this.threads.size <= this.options.minThreads || !Number.isFinite(this.options.idleTimeout)) return;
    thread.idleTimer ??= setTimeout(() => {
      thread.idleTimer = null;
      if (thread.call === null && this.threads.size > this.options.minThreads) void this.end(thread);
    }, this.options.idleTimeout).unref();
  }

  private failCall(thread: Thread, error: unknown): void {
    const entry = thread.call;
    if (entry !== null) {
      thread.call = null;
      this.settle(entry, error, true);
    } else if (!thread.ready && this.pending.length > 0) {
      // A thread that cannot even start fails the call it was started for, so a broken entry module cannot loop.
      this.settle(this.pending.shift()!, error, true);
    }
  }

  private onExit(thread: Thread, code: number): void {
    this.threads.delete(thread);
    if (thread.idleTimer !== null) clearTimeout(thread.idleTimer);
    // Not when it was ended on purpose, or already failed its call through an 'error' event.
    if (!thread.ending) this.failCall(thread, new Error(`worker exited with code: ${code}`));
    if (this.destroyed) return;
    this.keepMinimum();
    this.dispatch();
  }

  private abort(entry: Call): void {
    const at = this.pending.indexOf(entry);
    if (at !== -1) this.pending.splice(at, 1);
    for (const thread of this.threads) {
      if (thread.call !== entry) continue;
      // The call cannot be stopped inside the thread: the thread goes, and a fresh one replaces it.
      thread.call = null;
      void this.end(thread);
    }
    this.settle(entry, abortError(entry.signal!.reason), true);
  }

  private end(thread: Thread): Promise<unknown> {
    thread.ending = true;
    if (thread.idleTimer !== null) clearTimeout(thread.idleTimer);
    thread.idleTimer = null;
    return thread.worker.terminate();
  }

  private settle(entry: Call, value: unknown, failed: boolean): void {
    if (entry.onAbort !== null) entry.signal!.removeEventListener('abort', entry.onAbort);
    entry.onAbort = null;
    if (failed) entry.reject(value);
    else entry.resolve(value);
  }

  private keepMinimum(): void {
    if (this.destroyed) return;
    while (this.threads.size < this.options.minThreads) this.start();
  }
}

/**
 * Each thread's first module: installs the loader, if any, then imports the entry, so the loader
 * applies to the entry itself (a .mts file when loopwise runs from src/ through tsx).
 */
const BOOT = new URL(
  `data:text/javascript,${encodeURIComponent(
    // argv: [entry, loader] (the last two: what precedes them differs between Node versions).
    'const [entry, loader] = process.argv.slice(-2); if (loader) (await import(loader)).register(); await import(entry);',
  )}`,
);

function abortError(reason: unknown): Error {
  const error = new Error(typeof reason === 'string' ? reason : 'The operation was aborted', { cause: reason });
  error.name = 'AbortError';
  return error;
}

