import { Worker, type ResourceLimits } from 'node:worker_threads';
import { FROM_SOURCE } from '../package-files.js';
import { isBun } from '../runtime-env.js';

/**
 * The export condition an offload thread resolves `loopwise` with: the package's exports map it to
 * dist/worker/, a build without what a worker thread never runs (the HTTP server, the router, the
 * OpenAPI pages, metrics, the loop guard's monitors…), so each thread holds less code and fewer
 * objects. scripts/build.mjs writes that build; package.json names the condition.
 */
export const OFFLOAD_THREAD_CONDITION = 'loopwise-offload-thread';

/**
 * A thread's young generation grows to V8's default (16 MiB and more) while it loads modules, and
 * keeps its pages: per thread that was megabytes of RSS. Offloaded work is mostly short-lived
 * objects of a request, which fit in a small one (see bench/pool-memory.ts for the figures).
 */
export const DEFAULT_MAX_YOUNG_GENERATION_MB = 2;

/**
 * Bun's worker threads accept `resourceLimits` and ignore them (measured on Bun 1.4.5: a thread
 * limited to 32 MB kept growing): there none are passed, the default young generation included,
 * and poolSettings() refuses the user's (src/offload/pool.ts).
 */
const LIMITS_HONOURED = !isBun();

/** What each offload thread is started with (src/offload/thread-pool.ts): its heap limits (none on Bun) and Node options. */
export interface WorkerThreadOptions {
  resourceLimits: ResourceLimits | undefined;
  execArgv?: string[];
}

/** The options for each offload thread; the user's `pool.resourceLimits` win over loopwise's defaults. */
export function workerThreadOptions(userLimits: ResourceLimits | undefined): WorkerThreadOptions {
  const resourceLimits = LIMITS_HONOURED ? { maxYoungGenerationSizeMb: DEFAULT_MAX_YOUNG_GENERATION_MB, ...userLimits } : undefined;
  const execArgv = slimExecArgv();
  return execArgv === null ? { resourceLimits } : { resourceLimits, execArgv };
}

let checked: string[] | null | undefined;

/**
 * The main thread's Node options plus the offload condition, or null to let the thread inherit
 * them as they are (and load the full build). Run from src/ there is no slim build. Given
 * explicitly, a worker's options are parsed afresh, and some the main thread accepts make a
 * Worker throw (V8 flags such as --max-old-space-size, per-process ones such as --title): those
 * are tried once, on a thread stopped at once, rather than refused by the pool later.
 */
function slimExecArgv(): string[] | null {
  // Bun resolves every thread with the process's conditions: a Worker's execArgv --conditions is
  // ignored (Bun 1.4.5), and the process's own would give the main thread the slim build too.
  // So on Bun the threads load the full build, as when run from src/.
  if (FROM_SOURCE || isBun()) return null;
  if (checked !== undefined) return checked;
  const execArgv = [...process.execArgv, `--conditions=${OFFLOAD_THREAD_CONDITION}`];
  if (process.execArgv.length === 0) return (checked = execArgv);
  try {
    const probe = new Worker('', { eval: true, execArgv });
    probe.unref();
    void probe.terminate();
    checked = execArgv;
  } catch {
    checked = null;
  }
  return checked;
}
