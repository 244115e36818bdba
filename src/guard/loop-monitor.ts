import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

/** The loop's health over the last sample window. */
export interface LoopSample {
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Share of the window the loop spent running code rather than waiting for events, 0–1. */
  utilization: number;
}

export interface LoopMonitorOptions {
  /** Window length in ms: how often delay and utilization are read (and the histogram reset). */
  sampleInterval: number;
  /** Called after each window, on the loop, with that window's figures. */
  onSample: (sample: LoopSample) => void;
}

const EMPTY: LoopSample = { delayP50Ms: 0, delayP99Ms: 0, delayMaxMs: 0, utilization: 0 };

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
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private timer: NodeJS.Timeout | null = null;
  private lastSampleAt = 0;
  private readonly options: LoopMonitorOptions;

  constructor(options: LoopMonitorOptions) {
    this.options = options;
  }

  start(): void {
    if (this.timer !== null) return;
    // A monitor started again (close, then listen) must not read the time it was stopped as delay.
    const histogram = (this.histogram ??= monitorEventLoopDelay({ resolution: 10 }));
    histogram.reset();
    this.last = EMPTY;
    histogram.enable();
    this.elu = performance.eventLoopUtilization();
    this.lastSampleAt = performance.now();
    this.timer = setInterval(() => this.sample(), this.options.sampleInterval).unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.histogram?.disable();
  }

  private sample(): void {
    const h = this.histogram!; // the timer that calls this runs only between start() and stop()
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, this.elu);
    this.elu = now;
    // This timer's own lateness catches a stall that ended just now, in case the histogram's
    // timer has not fired since (the two are due at about the same time after a stall).
    const at = performance.now();
    const late = Math.max(0, at - this.lastSampleAt - this.options.sampleInterval);
    this.lastSampleAt = at;
    const max = Math.max(late, h.count === 0 ? 0 : h.max / 1e6);
    this.last =
      h.count === 0
        ? { ...EMPTY, delayMaxMs: max, utilization: window.utilization }
        : { delayP50Ms: h.percentile(50) / 1e6, delayP99Ms: h.percentile(99) / 1e6, delayMaxMs: max, utilization: window.utilization };
    h.reset();
    this.options.onSample(this.last);
  }
}
