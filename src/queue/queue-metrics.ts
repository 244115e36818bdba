/**
 * Queue series for /metrics (docs/scaling-out.md, "Queue metrics"). Two kinds, measured where
 * they can be measured honestly:
 *
 * - Depth per state is Redis's number, the same from every process: it is read at scrape time
 *   (one getJobCounts per queue, bounded by the queue's redisTimeout), never on a request or a
 *   timer. Redis away → the scrape answers at once without those samples, as /metrics must.
 * - Wait and run times, retries, failures and stalls happen in `loopwise worker`: its BullMQ
 *   Worker sees each job start and end, so it counts them (the API process never sees a job run).
 *
 * prom-client's labelled Histogram and Counter are used as they are: ~1 µs a call, once per job,
 * which is nothing beside a job's Redis round trips (the request path's own series avoid them).
 */
import { createRequire } from 'node:module';
import type { Counter, Histogram, Registry } from 'prom-client';

/** A job's wait and run time histograms' bounds (s): jobs live from milliseconds to minutes. */
export const JOB_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]);

/** The states exposed as `state` (BullMQ's `prioritized` jobs are waiting ones: counted with them). */
export const DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/** One queue's counts source: null while its Redis is known to be away (no sample, no wait). */
export interface DepthSource {
  name: string;
  /** Rejects or resolves; the caller bounds it with `timeout`. */
  counts(): Promise<Record<string, number>> | null;
  timeout: number;
}

const require = createRequire(import.meta.url);

function promClient(): typeof import('prom-client') {
  return require('prom-client') as typeof import('prom-client');
}

/**
 * `<prefix>queue_jobs{queue, state}`: read from Redis when scraped. A queue whose read fails or
 * overstays its timeout has no samples in that scrape (a gap, never a made-up 0).
 */
export function registerQueueDepth(registry: Registry, prefix: string, sources: () => DepthSource[]): void {
  const { Gauge } = promClient();
  const depth = new Gauge({
    name: `${prefix}queue_jobs`,
    help: 'Jobs in each queue by state (waiting, active, delayed, failed, completed: those kept by removeOnFail/removeOnComplete), read from Redis at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    aggregator: 'max', // every process reads the same Redis: summing them would count each job once per process
    async collect() {
      depth.reset();
      const readings = await Promise.all(sources().map(async (source) => ({ source, counts: await bounded(source.counts(), source.timeout) })));
      for (const { source, counts } of readings) {
        if (counts === null) continue;
        for (const state of DEPTH_STATES) {
          const value = (counts[state] ?? 0) + (state === 'waiting' ? (counts.prioritized ?? 0) : 0);
          depth.set({ queue: source.name, state }, value);
        }
      }
    },
  });
}

/** The counts, or null if they failed or took longer than `timeout` ms (the read is then left to finish alone). */
async function bounded(work: Promise<Record<string, number>> | null, timeout: number): Promise<Record<string, number> | null> {
  if (work === null) return null;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(resolve, timeout, null)));
  try {
    return await Promise.race([work.catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a BullMQ job tells about its timing (the fields this module reads). */
export interface JobTiming {
  /** When it was added (ms since the epoch, the adder's clock). */
  timestamp: number;
  /** Starts so far, this one included (BullMQ's attemptsStarted). */
  attemptsStarted?: number;
  opts?: { delay?: number };
}

/** The worker side: jobs started, finished, retried, failed and stalled, per queue. */
export class JobSeries {
  private readonly wait: Histogram<'queue'>;
  private readonly run: Histogram<'queue'>;
  private readonly retries: Counter<'queue'>;
  private readonly failures: Counter<'queue'>;
  private readonly stalls: Counter<'queue'>;

  constructor(registry: Registry, prefix: string, queues: readonly string[]) {
    const { Counter, Histogram } = promClient();
    const registers = [registry];
    const buckets = [...JOB_BUCKETS];
    this.wait = new Histogram({
      name: `${prefix}queue_job_wait_seconds`,
      help: "Time from a job's enqueue (after its delay, if any) to the start of its first run, by queue. Clocks of two machines: keep them in sync (NTP).",
      labelNames: ['queue'],
      buckets,
      registers,
    });
    this.run = new Histogram({
      name: `${prefix}queue_job_run_seconds`,
      help: 'Time from the start of a run to its end, succeeded or failed, by queue (each attempt is one observation).',
      labelNames: ['queue'],
      buckets,
      registers,
    });
    this.retries = new Counter({ name: `${prefix}queue_job_retries_total`, help: 'Failed runs that BullMQ will retry (attempts left), by queue.', labelNames: ['queue'], registers });
    this.failures = new Counter({ name: `${prefix}queue_jobs_failed_total`, help: 'Jobs failed for good: no attempts left, or an unrecoverable error (an unknown task), by queue.', labelNames: ['queue'], registers });
    this.stalls = new Counter({
      name: `${prefix}queue_jobs_stalled_total`,
      help: "Jobs this worker found stalled (their worker died or stopped renewing the lock) and gave back to the queue, by queue.",
      labelNames: ['queue'],
      registers,
    });
    // Every queue shows 0 from the first scrape, so a rate() or an alert has a series before the first job.
    for (const queue of queues) {
      this.wait.zero({ queue });
      this.run.zero({ queue });
      for (const counter of [this.retries, this.failures, this.stalls]) counter.inc({ queue }, 0);
    }
  }

  /** A run starts: its first one observes the wait. Called before the job's code, so it must not throw. */
  started(queue: string, job: JobTiming): void {
    if ((job.attemptsStarted ?? 1) > 1) return; // a retry or a stall's second run waited for a backoff or a lock, not for a worker
    const seconds = (Date.now() - job.timestamp - (job.opts?.delay ?? 0)) / 1000;
    this.wait.observe({ queue }, seconds > 0 && seconds < Infinity ? seconds : 0); // another machine's clock may be ahead
  }

  finished(queue: string, seconds: number): void {
    this.run.observe({ queue }, seconds > 0 && seconds < Infinity ? seconds : 0);
  }

  /** BullMQ's 'failed' (emitted after it moved the job): retried or failed for good. */
  failed(queue: string, job: { attemptsMade: number; opts?: { attempts?: number } } | undefined, error: Error): void {
    const unrecoverable = error?.name === 'UnrecoverableError';
    const final = job === undefined || unrecoverable || job.attemptsMade >= (job.opts?.attempts ?? 1);
    (final ? this.failures : this.retries).inc({ queue });
  }

  stalled(queue: string): void {
    this.stalls.inc({ queue });
  }
}
