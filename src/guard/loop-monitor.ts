import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { isBun } from '../runtime-env.js';
import { threadClock, type ThreadClock } from '../thread-clock.js';

/** The loop's health over the last sample window. */
export interface LoopSample {
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /**
   * Share of the window the loop spent running code rather than waiting for events, 0–1. On Bun
   * (whose eventLoopUtilization() always reads 0) the main thread's CPU time over the window's.
   */
  utilization: number;
}

export interface LoopMonitorOptions {
  /** Window length in ms: how often delay and utilization are read (and the histogram reset). */
  sampleInterval: number;
  /** Called after each window, on the loop, with that window's figures. */
  onSample: (sample: LoopSample) => void;
}

const EMPTY: LoopSample = { delayP50Ms: 0, delayP99Ms: 0, delayMaxMs: 0, utilization: 0 };
const RESOLUTION_MS = 10;
const ON_BUN = isBun();
/**
 * Node's histogram records each 10 ms timer's interval (an idle loop reads ~10 ms), Bun's only
 * its lateness (idle ≈ 0.1 ms; measured on Bun 1.4.5): Bun's figures get the resolution added,
 * so a delay, and maxLoopDelay, mean the same on both.
 */
const HISTOGRAM_OFFSET_MS = ON_BUN ? RESOLUTION_MS : 0;

/**
 * Event-loop delay (libuv's timer, sampled natively every 10 ms by monitorEventLoopDelay: no JS
 * runs per sample) and utilization, read once per window by an unref'd timer: the cost is one
 * JS callback per window, whatever the request rate.
 */
export class LoopMonitor {
  last: LoopSample = EMPTY;
  // Made by start(), not at construction: a worker thread's App never starts its guard, and each
  // histogram holds ~360 KB of native memory.
  private histogram: IntervalHistogram | null = null;
  private readonly utilization = ON_BUN ? new ThreadCpuShare() : new LoopUtilization();
  private timer: NodeJS.Timeout | null = null;
  private lastSampleAt = 0;
  private readonly options: LoopMonitorOptions;

  constructor(options: LoopMonitorOptions) {
    this.options = options;
  }

  start(): void {
    if (this.timer !== null) return;
    // A monitor started again (close, then listen) must not read the time it was stopped as delay.
    const histogram = (this.histogram ??= monitorEventLoopDelay({ resolution: RESOLUTION_MS }));
    histogram.reset();
    this.last = EMPTY;
    histogram.enable();
    this.utilization.start();
    this.lastSampleAt = performance.now();
    this.timer = setInterval(() => this.sample(0), this.options.sampleInterval).unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.histogram?.disable();
    this.utilization.stop();
  }

  /**
   * Ends the window now, counting a stall of `stalledMs` that just ended (the loop guard's clock
   * saw it before this window's timer could run), and starts the next window from here.
   */
  sampleNow(stalledMs: number): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.sample(0), this.options.sampleInterval).unref();
    this.sample(stalledMs);
  }

  private sample(stalledMs: number): void {
    const h = this.histogram!; // the timer that calls this runs only between start() and stop()
    const utilization = this.utilization.window();
    // This timer's own lateness catches a stall that ended just now, in case the histogram's
    // timer has not fired since (the two are due at about the same time after a stall).
    const at = performance.now();
    const late = Math.max(0, at - this.lastSampleAt - this.options.sampleInterval, stalledMs);
    this.lastSampleAt = at;
    const max = Math.max(late, h.count === 0 ? 0 : h.max / 1e6 + HISTOGRAM_OFFSET_MS);
    this.last =
      h.count === 0
        ? { ...EMPTY, delayMaxMs: max, utilization }
        : { delayP50Ms: h.percentile(50) / 1e6 + HISTOGRAM_OFFSET_MS, delayP99Ms: h.percentile(99) / 1e6 + HISTOGRAM_OFFSET_MS, delayMaxMs: max, utilization };
    h.reset();
    this.options.onSample(this.last);
  }
}

/** Node: performance.eventLoopUtilization() over each window. */
class LoopUtilization {
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  start(): void {
    this.elu = performance.eventLoopUtilization();
  }
  window(): number {
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, this.elu);
    this.elu = now;
    return window.utilization;
  }
  stop(): void {}
}

/**
 * Bun: its eventLoopUtilization() is a stub that always reads 0, so the main thread's CPU time
 * over each window's wall time stands in (Linux's schedstat, else process.threadCpuUsage(),
 * which Bun has). It differs from Node's figure in one way: time the loop spends asleep in a
 * synchronous call (Atomics.wait, a sync read) counts as busy for Node, idle here.
 */
class ThreadCpuShare {
  private clock: ThreadClock | null = null;
  private cpuNs = 0;
  private at = 0;
  start(): void {
    this.clock ??= threadClock() ?? processCpuClock();
    this.cpuNs = this.clock.read().cpu;
    this.at = performance.now();
  }
  window(): number {
    const cpuNs = this.clock!.read().cpu;
    const at = performance.now();
    const share = at > this.at ? (cpuNs - this.cpuNs) / 1e6 / (at - this.at) : 0;
    this.cpuNs = cpuNs;
    this.at = at;
    return Math.min(1, Math.max(0, share));
  }
  stop(): void {
    this.clock?.close();
    this.clock = null;
  }
}

/** Where no thread clock exists: the process's CPU time (worker threads' work included, so an over-estimate, capped at 1). */
function processCpuClock(): ThreadClock {
  return {
    read() {
      const { user, system } = process.cpuUsage();
      return { cpu: (user + system) * 1000, runQueue: 0 };
    },
    seesRunQueue: false,
    close() {},
  };
}
