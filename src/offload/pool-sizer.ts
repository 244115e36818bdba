import type { UsageTotals } from './call-usage.js';

/** What the pool saw over one window, for PoolSizer.decide(). */
export interface PoolWindow {
  /** Calls finished in the window: their summed wall, CPU and run-queue time (ns). */
  usage: UsageTotals;
  /** Calls on a thread (or on a thread that is starting) now. */
  running: number;
  /** Calls waiting for the pool to let them run. */
  waiting: number;
  /** Most calls at once, from the `threads` option and the memory budget. */
  cap: number;
}

/** How much a call wants a core, 0 to 1, below which it counts as waiting. */
export const WAITING_DEMAND = 0.5;
/** A call shorter than this (ns, hand-over to answer) costs more to hand over than to run. */
const SHORT_CALL = 2e6;
/** What is left of the past in the demand estimate after each window (50 ms): it halves in about a third of a second. */
const FADE = 0.9;

/**
 * Decides how many calls the offload pool runs at once. A call that blocks without using a core
 * (a synchronous driver waiting on the disk, `Atomics.wait`, a sleep) holds a thread and leaves
 * its core free, so such calls get as many threads as there are calls, up to the cap; a call that
 * computes, or waits in the run queue for a core, gets the cores, since more threads would only
 * add memory and switching. In between, cores ÷ demand: half-CPU calls get twice the cores.
 *
 * `demand` is what finished calls spent on a core or waiting for one, over their wall time, with
 * the past fading: a pool that just grew for a burst of waits is not shrunk by one call that
 * computed, nor grown by one that blocked.
 */
export class PoolSizer {
  /** Calls allowed at once now. */
  limit: number;
  /** (CPU + run-queue) ÷ wall time of recent calls, 0 to 1; null until a call has been measured. */
  demand: number | null = null;
  private busyTime = 0;
  private wallTime = 0;
  /** Recent calls took under SHORT_CALL each, hand-over included. */
  private shortCalls = false;

  constructor(
    /** Cores the process may use (availableParallelism()): the floor of the limit. */
    private readonly cores: number,
    /** Threads kept ready anyway: the limit never drops below them. */
    private readonly minThreads: number,
    /** The threads cannot measure their CPU time here: keep a fixed size, as a pool without this would. */
    private readonly fixedWhenBlind: number | null,
    /**
     * The threads' clock counts time waiting for a core (Linux). Without it, a call slowed by
     * too many threads on too few cores looks like one that waits, and growing would feed on
     * itself: then only calls that clearly wait (demand under a quarter) grow the pool.
     */
    private readonly seesRunQueue = true,
  ) {
    this.limit = fixedWhenBlind ?? cores;
  }

  /** The limit for the next window; `window.usage` is what finished since the last call. */
  decide(window: PoolWindow): number {
    this.noteLength(window.usage);
    // Calls shorter than the hand-over between threads keep the cores busy with messaging, not
    // work: a few in flight (twice the cores, at least 4) let one cross while another runs.
    const cores = this.shortCalls ? Math.max(4, 2 * this.cores) : this.cores;
    const floor = Math.min(window.cap, Math.max(cores, this.minThreads, 1));
    if (this.fixedWhenBlind !== null) return (this.limit = Math.min(window.cap, Math.max(floor, this.fixedWhenBlind)));
    this.observe(window.usage);
    if (this.demand === null) return (this.limit = Math.min(Math.max(this.limit, floor), window.cap));
    // Cores ÷ demand threads keep the cores busy; no more than there are calls to run.
    // Rounded, not ceiled: calls that compute measure a little under 1 (a wake-up, a page fault),
    // and that must not buy a thread per core more.
    const ideal = !this.seesRunQueue && this.demand >= WAITING_DEMAND / 2 ? floor : Math.round(cores / Math.max(this.demand, 1 / window.cap));
    const wanted = Math.min(window.cap, Math.max(floor, Math.min(ideal, window.running + window.waiting)));
    if (wanted > this.limit) {
      // Grow only for calls that wait, and all at once: their threads start in parallel.
      if (window.waiting > 0) this.limit = wanted;
    } else if (wanted < this.limit) {
      // Shrink by a quarter of the gap per window: a pause between bursts does not undo the growth.
      this.limit = Math.max(wanted, this.limit - Math.ceil((this.limit - wanted) / 4));
    }
    return (this.limit = Math.min(this.limit, window.cap));
  }

  /** The pool went idle: back to the floor, keeping what it learned about its calls. */
  idle(cap: number): void {
    const cores = this.shortCalls ? Math.max(4, 2 * this.cores) : this.cores;
    if (this.fixedWhenBlind === null) this.limit = Math.min(cap, Math.max(cores, this.minThreads, 1));
  }

  private noteLength(usage: UsageTotals): void {
    if (usage.calls > 0 && usage.wall > 0) this.shortCalls = usage.wall / usage.calls < SHORT_CALL;
  }

  private observe(usage: UsageTotals): void {
    // Sums that fade by a tenth each window, so the estimate follows the work as it changes, and a
    // call weighs by its time: a 1 ms call that computed cannot outvote a 300 ms one that waited.
    this.busyTime = this.busyTime * FADE + Math.max(0, usage.cpu + usage.runQueue);
    this.wallTime = this.wallTime * FADE + Math.max(0, usage.wall);
    if (this.wallTime > 0) this.demand = Math.min(1, this.busyTime / this.wallTime);
  }
}
