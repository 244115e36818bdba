import cluster from 'node:cluster';
import { LoopwiseError } from '../errors.js';
import { createLogger } from '../logger.js';
import { isBun } from '../runtime-env.js';
import { runtimeLabel } from '../runtime-label.js';
import { runPrimary } from './cluster-primary.js';
import { currentRuntime } from './find-runtime.js';
import { parseAppSpec } from './load-app.js';
import { runUnder } from './run-under.js';
import { serveApp } from './serve-app.js';
import { parseServeOptions, UsageError, type ServeOptions } from './serve-options.js';

export const RUN_HELP = `Usage: loopwise run <app module>[:export] [options]

Serves the app for production, as \`fastapi run\` / \`uvicorn --workers\`. The App is the export
named after the colon, else \`app\`, else the default export, else the only exported App.
TypeScript modules run as they are (Bun itself; Node's type stripping, or tsx on Node 20;
LOOPWISE_TSX=1 forces tsx on Node). A listen() the module calls itself is skipped: the command
owns the server.

  --host HOST        address to listen on (default 0.0.0.0: every interface)   env LOOPWISE_HOST
  --port N           port (default 8000; 0 picks a free one)        env LOOPWISE_PORT, PORT
  --workers N        processes sharing the port (default 1); dead ones are restarted
                                                        env LOOPWISE_WORKERS, WEB_CONCURRENCY
  --log-level LEVEL  fatal, error, warn, info (default), debug, trace or silent  env LOG_LEVEL
  --no-access-log    no log line per request
  --runtime RUNTIME  bun or node (default: the one running this command); the other one is
                     node_modules/.bin's (the project's) or PATH's, e.g. npm install -D bun
  --help             this text

SIGTERM or SIGINT stops gracefully: no new connections, in-flight requests finish (up to the
App's closeTimeout), then the process exits 0.`;

/** `loopwise run …`: returns an exit code only for bad usage; otherwise it serves until stopped. */
export async function runCommand(argv: string[]): Promise<number> {
  let options: ServeOptions | null;
  try {
    options = parseServeOptions('run', argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`loopwise run: ${error.message}\n\n${RUN_HELP}`);
    return 2;
  }
  if (options === null) {
    console.log(RUN_HELP);
    return 0;
  }
  parseAppSpec(options.spec); // a missing file fails here once, not in every worker
  if (options.runtime !== undefined && options.runtime !== currentRuntime()) return runUnder(options.runtime);
  // The App reads these when the module constructs it (cluster workers inherit them).
  process.env.LOOPWISE_ACCESS_LOG = options.accessLog ? '1' : '0';
  if (options.logLevel !== undefined) process.env.LOG_LEVEL = options.logLevel;
  // Set by `loopwise dev` for the child it supervises; not passed further down.
  const devChild = process.env.LOOPWISE_DEV_CHILD === '1';
  delete process.env.LOOPWISE_DEV_CHILD;
  if (options.workers > 1 && isBun() && process.platform !== 'linux') {
    // Bun's node:cluster passes no server handles to its workers: they share a port through
    // SO_REUSEPORT, which only Linux balances. Elsewhere every worker but one would sit idle.
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `--workers ${options.workers} on Bun needs Linux (Bun's workers share the port through SO_REUSEPORT; ${process.platform} has no such balancing): serve one process, or use --runtime node for workers.`);
  }
  if (cluster.isPrimary && !devChild) {
    // Which runtime serves, said once: the app's own lines cannot tell Bun from Node.
    const log = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'loopwise' }).log;
    const workers = options.workers > 1 ? `, ${options.workers} workers` : '';
    log.info({ runtime: runtimeLabel() }, `starting ${options.spec} on ${runtimeLabel()}${workers}`);
    if (options.workers > 1) return runPrimary(options.workers, log);
  }
  return serveApp(options, { supervised: cluster.isWorker || devChild, banner: devChild });
}
