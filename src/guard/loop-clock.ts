import { performance } from 'node:perf_hooks';
import { coreWaitGauge, type CoreWaitGauge, type CoreWaitReading } from './core-wait.js';

/** Once the host has starved the thread, the other threads are watched too for this long (ms). */
export const STARVING_MS = 5_000;

/** The loop stood still past its beat: what the code held, and what the host took. */
export interface LoopStall {
  /** performance.now() of the last beat before the stall: the loop was free then. */
  freeAt: number;
  /** When the loop ran again. */
  end: number;
  /** How long the loop was late for its beat: the stall, within one beat period. */
  ms: number;
  /** The part the thread ran code or waited in a synchronous call: the code's doing. */
  heldMs: number;
  /** The part the thread was runnable but the host ran other processes: nobody's code. */
  starvedMs: number;
  /** CPU time the thread spent over the stall (the rest of heldMs it waited in a synchronous call). */
  cpuMs: number;
}

export interface LoopClockOptions {
  /** Stalls shorter than this (ms) are not reported. */
  threshold: number;
  onStall(stall: LoopStall): void;
  /** The clock failed and stopped itself. */
  onFailure?(error: unknown): void;
  /** Default: the calling thread's (src/guard/core-wait.ts). */
  gauge?: CoreWaitGauge;
}

/**
 * A heartbeat on the event loop (an unref'd timer every 20 ms, one pread of the thread's schedstat
 * each) that tells when the loop stood still, and splits each stall into the code's part and the
 * host's. It is also what a request asks, at its start, whether it waited behind a stall.
 */
export class LoopClock {
  readonly period: number;
  private readonly threshold: number;
  private readonly onStall: (stall: LoopStall) => void;
  private readonly onFailure: ((error: unknown) => void) | undefined;
  private gauge: CoreWaitGauge | null = null;
  private readonly givenGauge: CoreWaitGauge | undefined;
  private last: CoreWaitReading | null = null;
  /**
   * last.at + period, when the next beat is due: past it, a request's check() beats in the timer's
   * place, so the last reading is never more than a period old. Infinity while stopped.
   */
  dueAt = Infinity;
  private timer: NodeJS.Timeout | null = null;
  /** When a beat last found the thread had waited for a core (performance.now()). */
  private lastStarvedAt = -Infinity;
  /** The stall just seen, for the requests read in the next two loop turns (they arrived during it). */
  private recentSince: number | null = null;

  constructor(options: LoopClockOptions) {
    this.threshold = options.threshold;
    this.onStall = options.onStall;
    this.onFailure = options.onFailure;
    this.givenGauge = options.gauge;
    this.period = Math.max(1, Math.min(20, options.threshold / 2));
  }

  start(): void {
    if (this.timer !== null) return;
    this.gauge ??= this.givenGauge ?? coreWaitGauge();
    this.last = this.gauge.read();
    this.dueAt = this.last.at + this.period;
    // A request's check() beats in the timer's place when one is due: a tick that finds the last
    // reading less than a period old has nothing to add (under load, half the readings otherwise).
    this.timer = setInterval(() => this.check(performance.now()), this.period).unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.dueAt = Infinity;
    this.recentSince = null;
    // A stopped clock reads nothing: no stall can be measured from its last reading.
    this.last = null;
    if (this.givenGauge === undefined) this.gauge?.close();
    this.gauge = null;
  }

  /**
   * Called with performance.now() by code that runs for each request: a stall that just ended is
   * judged now, before the request's own work could be counted in it, and a slice timed from
   * here is judged against a reading at most a period old. One comparison, and at most one
   * reading per period.
   */
  check(now: number): void {
    if (now > this.dueAt) this.beat();
  }

  /** A slice of code that ran from `start` to `end` (now): how much of it the code held, and how much the host took. */
  split(start: number, end: number): { heldMs: number; starvedMs: number } {
    const wall = end - start;
    if (this.gauge === null || this.last === null) return { heldMs: wall, starvedMs: 0 };
    // From the last beat (at most a beat period before the slice, as check() ran at its start):
    // the host's part is never under-counted, so the code's is never over-counted.
    const starvedMs = Math.min(wall, this.hostShare(this.last, this.gauge.read(this.last.siblings !== null)));
    return { heldMs: wall - starvedMs, starvedMs };
  }

  /**
   * How long a request read now may have waited behind a stall: the loop could not read it while
   * stalled. An upper bound (it arrived at some point during the stall); 0 when there was none.
   */
  waited(now: number): number {
    if (this.last === null) return 0;
    const late = now - this.last.at - this.period;
    if (late >= this.threshold) return late; // the stall ended just now, before its beat could run
    return this.recentSince === null ? 0 : Math.max(0, now - this.recentSince);
  }

  /**
   * The host's share of the time between two readings: the thread's own wait for a core, the time
   * it never left its core yet did not run (a virtual machine's stolen time), and the time it
   * spent off the CPU while the process's other threads waited for one (the main thread joins
   * V8's garbage-collector helpers: when they are starved, so is it, though it sleeps).
   */
  private hostShare(from: CoreWaitReading, to: CoreWaitReading): number {
    const gauge = this.gauge!;
    const own = gauge.waitedMs(from, to) + gauge.unseenMs(from, to);
    const offCpu = to.at - from.at - own - (to.cpuNs - from.cpuNs) / 1e6;
    if (offCpu <= 0) return own;
    // The other threads waited for a core for at least half the time this one was off the CPU: a join on them.
    const siblings = gauge.siblingsWaitedMs(from, to);
    return siblings >= offCpu / 2 ? own + Math.min(offCpu, siblings) : own;
  }

  /** True if the host kept this thread waiting for a core at some point in the last `ms` before `now`. */
  starvedWithin(ms: number, now: number): boolean {
    return now - this.lastStarvedAt <= ms;
  }

  private beat(): void {
    try {
      this.judgeBeat();
    } catch (error) {
      // Called from a timer and from requests: whatever goes wrong here stops the clock (stalls
      // are then named by their wall time, as without it), never the process.
      this.stop();
      this.onFailure?.(error);
    }
  }

  private judgeBeat(): void {
    const gauge = this.gauge;
    const last = this.last;
    if (gauge === null || last === null) return;
    // On a host that is starving the process, the other threads' run queues are read too (see hostShare).
    const reading = gauge.read(this.starvedWithin(STARVING_MS, last.at));
    this.last = reading;
    this.dueAt = reading.at + this.period;
    const ms = reading.at - last.at - this.period;
    if (gauge.waitedMs(last, reading) >= this.period / 4) this.lastStarvedAt = reading.at;
    if (ms < this.threshold) return;
    // Over the whole gap, the thread was idle (at most one period: the beat was due then), ran
    // code, waited synchronously, or waited for a core; only the last is the host's.
    const starvedMs = Math.min(ms, this.hostShare(last, reading));
    this.markRecent(last.at + this.period);
    this.onStall({ freeAt: last.at, end: reading.at, ms, heldMs: ms - starvedMs, starvedMs, cpuMs: (reading.cpuNs - last.cpuNs) / 1e6 });
  }

  /**
   * Requests that arrived during the stall are read in the next loop turn or the one after (a
   * new connection's data comes a turn after its accept): they are told they waited.
   */
  private markRecent(since: number): void {
    this.recentSince = since;
    setImmediate(() => setImmediate(() => {
      if (this.recentSince === since) this.recentSince = null;
    }).unref()).unref();
  }
}
