/**
 * Process-wide (per thread) durable-task state, kept on globalThis under a registered symbol: a
 * worker thread may load loopwise twice, and both copies must find the same tasks by name.
 * A leaf module: the offload worker thread and the queue worker both read it.
 */

/** What `loopwise worker` needs to run a durable task: its function and how long one run may take. */
export interface DurableEntry {
  fn: (...args: never[]) => unknown;
  /** Ms one run may take on a worker thread before the thread is terminated (the attempt fails). */
  timeout: number;
  /** The task's own queue (a BullmqConfig), or undefined for the App's `jobs` queue. */
  queue: unknown;
}

export interface DurableRegistry {
  tasks: Map<string, DurableEntry>;
  /** The `jobs` queue (a BullmqConfig) of the App created last with one: where tasks without their own queue go. */
  defaultQueue: unknown;
}

const KEY = Symbol.for('loopwise.durable.registry');

export function durableRegistry(): DurableRegistry {
  const holder = globalThis as unknown as Record<symbol, DurableRegistry | undefined>;
  return (holder[KEY] ??= { tasks: new Map(), defaultQueue: undefined });
}
