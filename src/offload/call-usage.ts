/**
 * What the pool's calls did with their time, summed over every worker thread in shared memory:
 * workers add each finished call, the main thread reads the totals (no message per call, and a
 * thread that is replaced loses nothing it reported).
 */
const CALLS = 0;
const WALL = 1;
const CPU = 2;
const RUN_QUEUE = 3;
const MEASURED = 4;
const FIELDS = 5;

export interface UsageTotals {
  /** Calls finished. */
  calls: number;
  /** Of them, the ones whose thread could read its own CPU time (the rest count in `calls` only). */
  measured: number;
  /** Nanoseconds the measured calls took, ran on a core, and waited for one. */
  wall: number;
  cpu: number;
  runQueue: number;
}

export function createUsageCounters(): SharedArrayBuffer {
  return new SharedArrayBuffer(FIELDS * BigInt64Array.BYTES_PER_ELEMENT);
}

/** Worker side: one finished call. `times` is null where the thread cannot read its CPU time. */
export function recordCall(counters: BigInt64Array, wallNs: number, times: { cpu: number; runQueue: number } | null): void {
  Atomics.add(counters, CALLS, 1n);
  if (times === null) return;
  Atomics.add(counters, MEASURED, 1n);
  Atomics.add(counters, WALL, BigInt(Math.max(0, Math.round(wallNs))));
  Atomics.add(counters, CPU, BigInt(Math.max(0, Math.round(times.cpu))));
  Atomics.add(counters, RUN_QUEUE, BigInt(Math.max(0, Math.round(times.runQueue))));
}

/** Main side: the totals so far. */
export function readUsage(counters: BigInt64Array): UsageTotals {
  return {
    calls: Number(Atomics.load(counters, CALLS)),
    measured: Number(Atomics.load(counters, MEASURED)),
    wall: Number(Atomics.load(counters, WALL)),
    cpu: Number(Atomics.load(counters, CPU)),
    runQueue: Number(Atomics.load(counters, RUN_QUEUE)),
  };
}
