import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { LoopwiseError } from '../errors.js';
import { AsyncSliceTracer } from './async-slices.js';
import { LoopMonitor, type LoopSample } from './loop-monitor.js';

/** The App's `guard` option. */
export interface LoopGuardOptions {
  /** Measure the loop, attribute stalls and shed load. Default true. */
  enabled?: boolean;
  /** A handler slice holding the loop this long (ms) is logged as a stall naming its route. Default 50. */
  blockThreshold?: number;
  /** While the loop's delay in the last window exceeded this (ms), new requests get 503. Default 1000; 0 never sheds. */
  maxLoopDelay?: number;
  /** How often (ms) delay and utilization are read; shedding decisions last one window. Default 500. */
  sampleInterval?: number;
  /** An offloaded call that waited longer (ms) for a free thread is answered 503, not run. Default 5000. */
  maxQueueWait?: number;
  /** Add Server-Timing headers (shown in DevTools' Network panel). Default: on when NODE_ENV=development. */
  serverTiming?: boolean;
}

export interface GuardSettings {
  enabled: boolean;
  blockThreshold: number;
  maxLoopDelay: number;
  sampleInterval: number;
  maxQueueWait: number;
  serverTiming: boolean;
}

/** How long async tracing stays on after a stall it was needed for. */
const TRACE_MS = 60_000;

export function guardSettings(options: LoopGuardOptions = {}): GuardSettings {
  const development = process.env.NODE_ENV === 'development';
  return {
    enabled: options.enabled ?? true,
    blockThreshold: positive(options.blockThreshold ?? 50, 'guard.blockThreshold'),
    maxLoopDelay: nonNegative(options.maxLoopDelay ?? 1000, 'guard.maxLoopDelay'),
    sampleInterval: positive(options.sampleInterval ?? 500, 'guard.sampleInterval'),
    maxQueueWait: positive(options.maxQueueWait ?? 5000, 'guard.maxQueueWait'),
    serverTiming: options.serverTiming ?? development,
  };
}

/** Listeners the metrics (and tests) attach to. */
export interface GuardEvents {
  blocked?: (route: string, ms: number) => void;
  shed?: (reason: 'loop' | 'queue' | 'deadline') => void;
}

/**
 * The loop guard: reads the event loop's delay and utilization, names the route whose code held
 * the loop (once per stall, with what to do about it), and says when to shed load.
 */
export class LoopGuard {
  /** True while the last window's loop delay exceeded maxLoopDelay: new requests get 503. */
  shedding = false;
  readonly settings: GuardSettings;
  readonly events: GuardEvents = {};
  private readonly log: Logger;
  private readonly monitor: LoopMonitor;
  private readonly tracer: AsyncSliceTracer;
  /** Stalls named in the current window, so the window's own reading of the same stall stays quiet. */
  private attributed = 0;
  private running = false;
  private windows = 0;

  constructor(settings: GuardSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
    this.monitor = new LoopMonitor({ sampleInterval: settings.sampleInterval, onSample: (sample) => this.onSample(sample) });
    this.tracer = new AsyncSliceTracer(settings.blockThreshold, (route, ms) => this.blocked(route, ms, 'after an await'));
  }

  get loop(): LoopSample {
    return this.monitor.last;
  }

  start(): void {
    if (!this.settings.enabled || this.running) return;
    this.running = true;
    this.windows = 0;
    this.monitor.start();
  }

  stop(): void {
    this.running = false;
    this.monitor.stop();
    this.tracer.disable();
    this.shedding = false;
  }

  /** While true, runners tag each request's async resource, so the tracer can name later slices. */
  get tracing(): boolean {
    return this.tracer.active;
  }

  tag(route: string): void {
    this.tracer.tag(route);
  }

  blocked(route: string, ms: number, where: string): void {
    this.attributed++;
    this.events.blocked?.(route, ms);
    this.log.warn(
      { route, blockedMs: Math.round(ms), where },
      `${route} blocked the event loop for ${Math.round(ms)} ms (${where}): every other request waited. ` +
        'Make the blocking call async, or mark the route offload: true to run it on a worker thread (docs/offload.md).',
    );
  }

  noteShed(reason: 'loop' | 'queue' | 'deadline'): void {
    this.events.shed?.(reason);
  }

  private onSample(sample: LoopSample): void {
    const { maxLoopDelay, blockThreshold } = this.settings;
    const wasShedding = this.shedding;
    this.shedding = maxLoopDelay > 0 && sample.delayMaxMs > maxLoopDelay;
    if (this.shedding && !wasShedding) {
      this.log.warn({ delayMaxMs: Math.round(sample.delayMaxMs), maxLoopDelay }, `event-loop delay reached ${Math.round(sample.delayMaxMs)} ms: answering new requests 503 until it recovers`);
    } else if (wasShedding && !this.shedding) {
      this.log.info({ delayMaxMs: Math.round(sample.delayMaxMs) }, 'event-loop delay recovered: serving again');
    }
    // A stall no handler slice accounts for happened after an await (or outside any route):
    // trace async callbacks for a while, so the next one is named.
    // (Not in the first window: it holds start-up work, compiling and loading, that is no route's.)
    if (this.windows++ > 0 && sample.delayMaxMs >= blockThreshold && this.attributed === 0 && !this.tracer.active) {
      this.log.warn(
        { delayMaxMs: Math.round(sample.delayMaxMs) },
        `the event loop was blocked for ${Math.round(sample.delayMaxMs)} ms by code outside a handler's first slice; ` +
          `timing async callbacks for the next ${TRACE_MS / 1000} s to name the route if it happens again`,
      );
      this.tracer.enableFor(TRACE_MS);
    }
    this.attributed = 0;
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${name} must be a positive number of milliseconds, not ${String(value)}.`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${name} must be a number of milliseconds ≥ 0, not ${String(value)}.`);
  return value;
}
