import { deserialize } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../logger.js';
import { HTTPException, LoopwiseError, type LoopwiseErrorCode } from '../errors.js';
import { positiveNumber } from '../option-checks.js';
import type { SerializedError, TaskCall, TaskOutcome } from './messages.js';
import { OffloadPool, poolSettings, workerSetup } from './pool.js';
import { offloadRegistry, registerTask } from './registry.js';
import { toFileUrl } from './module-url.js';

export interface TaskOptions {
  /** Milliseconds before the call is abandoned with 504 and its worker terminated. Default: none. */
  timeout?: number;
}

/** A function run on a worker thread: same arguments, same result, always a promise. */
export type Task<A extends unknown[], R> = (...args: A) => Promise<Awaited<R>>;

/**
 * Wraps a function defined at the top level of a module so that calling it runs it on a worker
 * thread, which imports `module` (pass `import.meta.url`) to find the same function. Arguments
 * and the result are copied between threads, so they must be plain data.
 *
 * ```ts
 * export const hash = task(import.meta.url, function hash(password: string) { return scryptSync(password, salt, 64).toString('hex'); });
 * app.post('/users', async ({ body }) => ({ hash: await hash(body.password) }));
 * ```
 */
export function task<A extends unknown[], R>(module: string, fn: (...args: A) => R, options: TaskOptions = {}): Task<A, R> {
  const url = toFileUrl(module.startsWith('file:') ? module : safePath(module));
  if (url === null) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `task() needs the module's file URL (import.meta.url), not ${JSON.stringify(module)}.`);
  if (typeof fn !== 'function') throw new LoopwiseError('LW_ERR_INVALID_OPTION', 'task() needs a function as its second argument.');
  const timeout = options.timeout;
  if (timeout !== undefined) positiveNumber(timeout, "task() timeout", { unit: 'milliseconds' });
  const index = registerTask(url, fn);
  const name = fn.name;
  const what = `task ${name || `#${index}`} (${fileURLToPath(url)})`;

  return async (...args: A): Promise<Awaited<R>> => {
    // Already on a worker thread: the loop being protected is the main thread's, so just call it.
    if (offloadRegistry().inWorker) return (await fn(...args)) as Awaited<R>;
    const call: TaskCall = { kind: 'task', module: url, index, name, args };
    const bytes = (await taskPool().run(call, what, timeout)) as Uint8Array;
    const outcome = deserialize(bytes) as TaskOutcome;
    if (outcome.ok) return outcome.value as Awaited<R>;
    throw toError(outcome.error);
  };
}

/** The running App's offload pool, or else one of default size that serves only tasks. */
function taskPool(): OffloadPool {
  const registry = offloadRegistry();
  return (registry.taskPool ??= new OffloadPool(poolSettings({}), workerSetup(null, 0), createLogger(false).log)) as OffloadPool;
}

function safePath(module: string): string | null {
  return module.startsWith('/') ? module : null;
}

/** Rebuilt on this side so that an HTTPException raised in a task answers the request as if raised here. */
function toError(serialized: SerializedError): Error {
  const error =
    serialized.statusCode !== undefined
      ? new HTTPException(serialized.statusCode, serialized.detail, serialized.headers)
      : serialized.code !== undefined
        ? Object.assign(new LoopwiseError(serialized.code as LoopwiseErrorCode, ''), { message: serialized.message })
        : Object.assign(new Error(serialized.message), { name: serialized.name });
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
