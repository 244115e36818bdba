import { totalmem } from 'node:os';

const MiB = 1024 * 1024;

/** The default budget is this share of the memory the process may use... */
const DEFAULT_SHARE = 0.25;
/** ...and at most this: past ~40 waiting threads, a queue worker (docs/offload.md) serves better. */
const DEFAULT_CEILING = 512 * MiB;

/**
 * The memory the process may use: the container's limit (cgroup, through Node's
 * process.constrainedMemory()) when there is one, else the machine's.
 */
export function memoryLimit(): number {
  const machine = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  // No limit reads as 0, undefined, or cgroup v1's "unlimited" (about 2^63) depending on the Node version.
  return constrained !== undefined && constrained > 0 && constrained < machine ? constrained : machine;
}

/** The pool's threads may use a quarter of it, at most 512 MiB: 128 MiB in a 512 MB container. */
export function defaultMemoryBudget(limit = memoryLimit()): number {
  return Math.min(DEFAULT_CEILING, Math.floor(limit * DEFAULT_SHARE));
}

/** The first guess at a thread's cost, until the pool has weighed its own (src/offload/pool.ts). */
export const THREAD_COST_GUESS = 16 * MiB;
/** A weighed cost is kept within these, so one odd reading of the process's RSS cannot swing the cap. */
export const THREAD_COST_RANGE = [4 * MiB, 96 * MiB] as const;
