import { parseArgs } from 'node:util';
import { cliServer } from '../app.js';
import { LoopwiseError } from '../errors.js';
import { createLogger } from '../logger.js';
import { runtimeLabel } from '../runtime-label.js';
import { QueueWorker, DEFAULT_CONCURRENCY } from '../queue/queue-worker.js';
import { serveWorkerMetrics, workerMetrics, type WorkerMetricsServer } from '../queue/worker-metrics-server.js';
import { loadApp, parseAppSpec } from './load-app.js';

export const WORKER_HELP = `Usage: loopwise worker <app module>[:export] [options]

Runs the jobs of the app's queues, as Celery's \`celery worker\`, on this machine or any other:
routes declared with offload: { queue: bullmq(redis(url)) }, and durable jobs (durableTask()s
enqueued with background.enqueue, found by name). It imports the same module and runs each job
on a worker thread of its own: a route with its handler, dependencies, serialization and
exception handlers, exactly as the API process's worker threads would.

  --concurrency N    jobs run at once, each on a thread (default ${DEFAULT_CONCURRENCY})  env LOOPWISE_CONCURRENCY
  --metrics-port N   serve GET /metrics on this port (off by default): job wait and run times,
                     retries, failures, stalled jobs, queue depth, the loop and the thread pool
  --host HOST        the address --metrics-port listens on (default 127.0.0.1)
  --log-level LEVEL  fatal, error, warn, info (default), debug, trace or silent  env LOG_LEVEL
  --help             this text

SIGTERM or SIGINT stops gracefully: no new jobs are taken, running ones finish (up to the App's
closeTimeout), then the process exits 0.`;

/** `loopwise worker app.ts`: takes jobs until a signal; returns an exit code for bad usage. */
export async function workerCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { concurrency: { type: 'string' }, 'metrics-port': { type: 'string' }, host: { type: 'string' }, 'log-level': { type: 'string' }, help: { type: 'boolean' } } });
  } catch (error) {
    console.error(`loopwise worker: ${(error as Error).message}\n\n${WORKER_HELP}`);
    return 2;
  }
  if (parsed.values.help === true) {
    console.log(WORKER_HELP);
    return 0;
  }
  const [spec, ...extra] = parsed.positionals;
  const rawConcurrency = parsed.values.concurrency ?? process.env.LOOPWISE_CONCURRENCY ?? String(DEFAULT_CONCURRENCY);
  const concurrency = Number(rawConcurrency);
  if (spec === undefined || extra.length > 0 || !Number.isInteger(concurrency) || concurrency < 1) {
    const why = spec === undefined ? 'which app module?' : extra.length > 0 ? `one app module, not ${parsed.positionals.length}` : `--concurrency takes a whole number ≥ 1, not ${JSON.stringify(rawConcurrency)}`;
    console.error(`loopwise worker: ${why}\n\n${WORKER_HELP}`);
    return 2;
  }
  const rawPort = parsed.values['metrics-port'];
  const metricsPort = rawPort === undefined ? null : Number(rawPort);
  if (metricsPort !== null && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
    console.error(`loopwise worker: --metrics-port takes a port number (0 to 65535), not ${JSON.stringify(rawPort)}\n\n${WORKER_HELP}`);
    return 2;
  }
  if (parsed.values.host !== undefined && metricsPort === null) {
    console.error(`loopwise worker: --host is where --metrics-port listens; give --metrics-port too (a worker serves no other HTTP)\n\n${WORKER_HELP}`);
    return 2;
  }
  if (parsed.values['log-level'] !== undefined) process.env.LOG_LEVEL = parsed.values['log-level'];
  parseAppSpec(spec);

  let worker: QueueWorker | null = null;
  let metricsServer: WorkerMetricsServer | null = null;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.error(`loopwise worker: ${signal} again: exiting without waiting for running jobs`);
      process.exit(1);
    }
    stopping = true;
    if (worker === null) process.exit(0);
    worker.close().then(
      async () => {
        await metricsServer?.close();
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`loopwise worker: closing failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // A listen() the module makes itself serves nothing here: a worker answers no HTTP.
  cliServer.address = { url: '', host: '', port: 0 };
  const app = await loadApp(spec);
  const parts = app.forQueueWorker();
  if (parts.queues.length === 0) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${spec}: no route is offloaded through a queue and no durable job has a queue, so this worker would have nothing to run. Declare offload: { queue: bullmq(redis(url)) } on a route, or the App option jobs: bullmq(redis(url)) for durableTask()s (docs/scaling-out.md).`);
  }
  // Said by the command, not the app's logger (which may be off): the line a supervisor waits for.
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'loopwise' }).log;
  const metrics = metricsPort === null ? null : workerMetrics(parts);
  const starting = new QueueWorker(parts, { concurrency, metrics });
  if (metrics !== null) {
    // Before taking jobs: a port in use stops the worker now, not after it ran some.
    metricsServer = await serveWorkerMetrics(metrics, parsed.values.host ?? '127.0.0.1', metricsPort!, log);
    log.info({ url: metricsServer.url }, `worker metrics on ${metricsServer.url}`);
  }
  await starting.start();
  worker = starting;
  log.info({ runtime: runtimeLabel(), queues: parts.queues.map((queue) => queue.name), concurrency }, `worker taking jobs from queue ${parts.queues.map((queue) => queue.name).join(', ')} (concurrency ${concurrency}) on ${runtimeLabel()}`);
  if (stopping) {
    stopping = false; // the signal came while starting: close now, as for a first one
    stop('SIGTERM');
  }
  return new Promise<number>(() => undefined); // taking jobs until a signal
}
