import { LoopwiseError } from '../errors.js';
import { positiveInteger } from '../option-checks.js';
import type { BullmqConfig } from './bullmq-config.js';
import { durableRegistry } from './durable-registry.js';
import { jobProducer, type JobInfo } from './job-producer.js';

export interface DurableTaskOptions {
  /** Runs in all before the job is marked failed (BullMQ's `attempts`). Default 3. */
  attempts?: number;
  /** Ms before the first retry; each next one waits twice as long (exponential backoff). Default 1000. */
  backoff?: number;
  /** Ms one run may take on the worker's thread before the thread is terminated and the attempt fails. Default 60 000. */
  timeout?: number;
  /** The queue its jobs go to. Default: the App's `jobs` queue. */
  queue?: BullmqConfig;
  /** Finished jobs kept in Redis, per state (completed, failed), so their results stay readable. Default 10 000. */
  keep?: number;
}

/** Per-enqueue options: `task.with({ jobId })`. */
export interface EnqueueOptions {
  /** Your id for the job: enqueueing an id Redis still holds adds nothing (idempotent enqueue). No ':' and not a bare integer. */
  jobId?: string;
  /** Ms to wait before the job may run. Default 0. */
  delay?: number;
}

/** A function `loopwise worker` runs as a durable job, found by its name on any machine. */
export interface DurableTask<A extends unknown[], R> {
  readonly name: string;
  /** Stores a job in Redis and resolves with its id once stored; rejects with a 503 HTTPException while Redis is unreachable. */
  enqueue(...args: A): Promise<string>;
  /** The same task with per-enqueue options: `sendEmail.with({ jobId: `welcome-${id}` }).enqueue(id)`. */
  with(options: EnqueueOptions): DurableTask<A, R>;
  /** The job as Redis holds it (state, attempts, result), or null if it is unknown or no longer kept. */
  job(id: string): Promise<JobInfo<Awaited<R>> | null>;
}

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF = 1000;
export const DEFAULT_JOB_TIMEOUT = 60_000;
export const DEFAULT_KEEP = 10_000;

/**
 * Declares a durable task (Celery's `@app.task(name=...)`): `fn` runs on a `loopwise worker`, which
 * imports the same app module and finds it by `name`, so the name (not the file's path) is what
 * must match across machines. Declare it at module level, in a module the app module imports.
 * Arguments and the result travel as JSON.
 *
 * ```ts
 * export const sendWelcome = durableTask('send-welcome', async (userId: number) => { ... }, { attempts: 5 });
 * app.post('/users', async ({ body, background }) => { ...; await background.enqueue(sendWelcome, user.id); });
 * ```
 */
export function durableTask<A extends unknown[], R>(name: string, fn: (...args: A) => R, options: DurableTaskOptions = {}): DurableTask<A, R> {
  if (typeof name !== 'string' || !/^[\w.:/-]{1,200}$/.test(name) || name.startsWith('loopwise:')) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `durableTask() name must be 1-200 letters, digits, '_', '.', ':', '/' or '-' (not starting with 'loopwise:'), not ${JSON.stringify(name)}.`);
  }
  if (typeof fn !== 'function') throw new LoopwiseError('LW_ERR_INVALID_OPTION', `durableTask('${name}') needs a function as its second argument.`);
  const attempts = options.attempts === undefined ? DEFAULT_ATTEMPTS : positiveInteger(options.attempts, `durableTask('${name}') attempts`);
  const backoff = options.backoff === undefined ? DEFAULT_BACKOFF : positiveInteger(options.backoff, `durableTask('${name}') backoff`, { unit: 'milliseconds' });
  const timeout = options.timeout === undefined ? DEFAULT_JOB_TIMEOUT : positiveInteger(options.timeout, `durableTask('${name}') timeout`, { unit: 'milliseconds' });
  const keep = options.keep === undefined ? DEFAULT_KEEP : positiveInteger(options.keep, `durableTask('${name}') keep`);
  const registry = durableRegistry();
  const existing = registry.tasks.get(name);
  // The same module imported twice (two copies of loopwise on a thread) registers the same source: that is fine.
  if (existing !== undefined && existing.fn.toString() !== fn.toString()) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `two durable tasks are named '${name}': a worker could not tell which to run. Give each its own name.`);
  }
  registry.tasks.set(name, { fn: fn as never, timeout, queue: options.queue });

  const queueOf = (): BullmqConfig => {
    const queue = options.queue ?? (registry.defaultQueue as BullmqConfig | undefined);
    if (queue === undefined) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `durable task '${name}' has no queue: give the App jobs: bullmq(redis(url)), or the task durableTask('${name}', fn, { queue: bullmq(redis(url)) }) (docs/scaling-out.md).`);
    }
    return queue;
  };

  const make = (perCall: EnqueueOptions): DurableTask<A, R> => ({
    name,
    async enqueue(...args: A): Promise<string> {
      const queue = queueOf();
      let text: string | undefined;
      try {
        text = JSON.stringify(args);
      } catch (error) {
        throw new TypeError(`durable task '${name}': its arguments must be JSON (they are stored in Redis): ${(error as Error).message}`);
      }
      return jobProducer(queue).add(name, { args: JSON.parse(text!) as unknown[] }, {
        ...(perCall.jobId !== undefined ? { jobId: perCall.jobId } : {}),
        ...(perCall.delay !== undefined ? { delay: perCall.delay } : {}),
        attempts,
        backoff: { type: 'exponential', delay: backoff },
        removeOnComplete: { count: keep, age: 24 * 3600 },
        removeOnFail: { count: keep, age: 7 * 24 * 3600 },
      });
    },
    with(more: EnqueueOptions): DurableTask<A, R> {
      if (more.jobId !== undefined && (typeof more.jobId !== 'string' || more.jobId === '' || more.jobId.includes(':') || /^\d+$/.test(more.jobId))) {
        throw new TypeError(`durable task '${name}': jobId must be a non-empty string without ':' and not a bare integer (BullMQ's rule), not ${JSON.stringify(more.jobId)}.`);
      }
      if (more.delay !== undefined && !(Number.isFinite(more.delay) && more.delay >= 0)) throw new TypeError(`durable task '${name}': delay must be a number of ms ≥ 0, not ${String(more.delay)}.`);
      return make({ ...perCall, ...more });
    },
    async job(id: string) {
      const info = await jobProducer(queueOf()).get(id);
      // Tasks share a queue: another task's job (its arguments, its result) is not this one's to show.
      return (info !== null && info.name === name ? info : null) as JobInfo<Awaited<R>> | null;
    },
  });
  return make({});
}

export function isDurableTask(value: unknown): value is DurableTask<unknown[], unknown> {
  return typeof value === 'object' && value !== null && typeof (value as DurableTask<unknown[], unknown>).enqueue === 'function' && typeof (value as DurableTask<unknown[], unknown>).with === 'function';
}

/** The queues durable tasks of this process name, beside the App's `jobs` one (what `loopwise worker` listens on). */
export function durableQueues(): BullmqConfig[] {
  const registry = durableRegistry();
  const queues: BullmqConfig[] = [];
  if (registry.defaultQueue !== undefined) queues.push(registry.defaultQueue as BullmqConfig);
  for (const entry of registry.tasks.values()) if (entry.queue !== undefined) queues.push(entry.queue as BullmqConfig);
  return queues;
}

/** The App option `jobs`: where durable tasks without a queue of their own go (checked at startup). */
export function useJobsQueue(jobs: unknown): void {
  if (jobs === undefined) return;
  if (typeof jobs !== 'object' || jobs === null || (jobs as BullmqConfig).kind !== 'bullmq') {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', "App option jobs takes a queue: jobs: bullmq(redis('redis://127.0.0.1:6379')).");
  }
  durableRegistry().defaultQueue = jobs;
}
