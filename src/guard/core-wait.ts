// How long the main thread waited for a CPU core between two readings: the part of a stall that
// is the host's doing (other processes had the core), not the code's. A stall the thread spent
// running (a hashing loop) or asleep in a synchronous call (Atomics.wait, readFileSync, a sync
// driver) is the code's: the thread was not runnable-and-waiting, so neither adds to this.
import { performance } from 'node:perf_hooks';
import { threadClock, type ThreadClock } from '../thread-clock.js';
import { SiblingRunQueues } from './sibling-run-queues.js';

/** The longest scheduler tick (Linux at 100 Hz): how far a running thread's CPU time may lag. */
const TICK_MS = 10;

export interface CoreWaitReading {
  /** performance.now() when taken. */
  at: number;
  /** The thread's run-queue total in ns (Linux), or null where only CPU time is known. */
  runQueueNs: number | null;
  /** CPU time in ns: the thread's where Node or Linux says, else the process's. */
  cpuNs: number;
  /** Times the thread was put on a core (Linux), or null where unknown. */
  slices: number | null;
  /** The process's context switches, for the estimate where the run queue is unknown. */
  voluntary: number;
  involuntary: number;
  /** The other threads' run-queue totals in ns, by thread id: read only when asked (a starving host), else null. */
  siblings: Map<number, number> | null;
}

export interface CoreWaitGauge {
  /** True where the run queue is read (Linux's schedstat): the split is exact. */
  readonly exact: boolean;
  /** `siblings`: also read the process's other threads' run queues (Linux; a few reads per thread). */
  read(siblings?: boolean): CoreWaitReading;
  /** Milliseconds the thread waited for a core between two readings, 0 to their distance. */
  waitedMs(from: CoreWaitReading, to: CoreWaitReading): number;
  /**
   * Milliseconds between two readings that the thread neither ran, nor waited for a core, nor
   * slept: it never left its core (Linux's slice count did not move), yet its CPU time did not
   * grow with the wall clock. The hypervisor ran another machine on the core (steal) or the kernel
   * served interrupts: the host's. 0 where unknown, and whenever the thread left its core.
   */
  unseenMs(from: CoreWaitReading, to: CoreWaitReading): number;
  /** Milliseconds the process's other threads waited for a core between two readings, summed; 0 where unknown. */
  siblingsWaitedMs(from: CoreWaitReading, to: CoreWaitReading): number;
  close(): void;
}

/**
 * Linux's /proc/thread-self/schedstat counts the time the thread spent runnable but not running:
 * exactly the host's share of a stall. Elsewhere there is no such counter, and the gauge estimates:
 * when the process was switched out only involuntarily (preempted, never blocking in a call) the
 * time it did not spend on a CPU was spent waiting for one; otherwise (it blocked, or both happened)
 * nothing is taken off, so a synchronous wait is always counted against the code, as it should be.
 */
export function coreWaitGauge(clock: ThreadClock | null = threadClock()): CoreWaitGauge {
  if (clock !== null && clock.seesRunQueue) {
    // The main thread sometimes waits for the process's own helper threads (the garbage collector
    // joins its helpers). On a starving host those wait for a core too, and the main thread's wait
    // looks like a synchronous call of the code's. Their run queues tell the two apart.
    const siblingQueues = new SiblingRunQueues();
    return {
      exact: true,
      read(siblings = false) {
        const { cpu, runQueue, slices } = clock.read();
        return { at: performance.now(), runQueueNs: runQueue, cpuNs: cpu, slices: slices ?? null, voluntary: 0, involuntary: 0, siblings: siblings ? siblingQueues.read() : null };
      },
      waitedMs: (from, to) => clamp((to.runQueueNs! - from.runQueueNs!) / 1e6, to.at - from.at),
      unseenMs(from, to) {
        if (from.slices === null || from.slices !== to.slices) return 0;
        const wall = to.at - from.at;
        // The CPU time of a thread that stays on its core is brought up to date at the scheduler's
        // tick (every 1-10 ms): up to a tick of it may not show yet, and is never taken for the host's.
        return clamp(wall - (to.runQueueNs! - from.runQueueNs!) / 1e6 - (to.cpuNs - from.cpuNs) / 1e6 - TICK_MS, wall);
      },
      siblingsWaitedMs,
      close: () => {
        siblingQueues.close();
        clock.close();
      },
    };
  }
  return estimatingGauge(clock);
}

/** The estimate where the run queue is unknown; exported so Linux can test the rule too. */
export function estimatingGauge(clock: ThreadClock | null): CoreWaitGauge {
  return {
    exact: false,
    read() {
      // Without a thread clock (Node 20 off Linux), the process's CPU time stands in: offload
      // threads' work makes it larger, so less is taken off, and the code is blamed, never excused.
      const cpuNs = clock !== null ? clock.read().cpu : cpuUsageNs();
      const usage = process.resourceUsage();
      return { at: performance.now(), runQueueNs: null, cpuNs, slices: null, voluntary: usage.voluntaryContextSwitches, involuntary: usage.involuntaryContextSwitches, siblings: null };
    },
    unseenMs: () => 0,
    siblingsWaitedMs: () => 0,
    waitedMs(from, to) {
      const preemptedOnly = to.involuntary > from.involuntary && to.voluntary === from.voluntary;
      if (!preemptedOnly) return 0;
      const wall = to.at - from.at;
      return clamp(wall - (to.cpuNs - from.cpuNs) / 1e6, wall);
    },
    close: () => clock?.close(),
  };
}

/**
 * How long the other threads waited for a core between the readings, summed (a join may wait
 * for several helpers in turn). Threads present in both readings only: one that started or ended
 * in between says nothing.
 */
function siblingsWaitedMs(from: CoreWaitReading, to: CoreWaitReading): number {
  if (from.siblings == null || to.siblings == null) return 0;
  let ns = 0;
  for (const [tid, runQueue] of to.siblings) {
    const before = from.siblings.get(tid);
    if (before !== undefined && runQueue > before) ns += runQueue - before;
  }
  return ns / 1e6;
}

function cpuUsageNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

function clamp(ms: number, most: number): number {
  return ms <= 0 ? 0 : ms >= most ? Math.max(0, most) : ms;
}
