import { isAbsolute, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { nonNegativeNumber, positiveNumber } from '../option-checks.js';
import { AsyncSliceTracer } from './async-slices.js';
import { LoopMonitor, type LoopSample } from './loop-monitor.js';
import { startStallWatchdog, type CapturedStall, type StallWatchdog } from './stall-watchdog.js';

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
  /** Add Server-Timing headers (shown in DevTools' Network panel). Default: on in dev mode (LOOPWISE_DEV=1) or with NODE_ENV=development. */
  serverTiming?: boolean;
  /**
   * Take the stack of blocking code while it blocks (a watchdog thread pauses the main thread
   * through the inspector) and print its file:line in the stall warning. Default: on in dev mode
   * (LOOPWISE_DEV=1) or with NODE_ENV=development. Off in production: after its first capture, awaits run 10–20% slower.
   */
  captureStacks?: boolean;
}

export interface GuardSettings {
  enabled: boolean;
  blockThreshold: number;
  maxLoopDelay: number;
  sampleInterval: number;
  maxQueueWait: number;
  serverTiming: boolean;
  captureStacks: boolean;
}

// The guard's options are all durations.
const MS = { unit: 'milliseconds' };

/** How long async tracing stays on after a stall it was needed for. */
const TRACE_MS = 60_000;

/** `development` (from src/runtime-env.ts) turns Server-Timing and stack capture on unless the options say otherwise. */
export function guardSettings(options: LoopGuardOptions = {}, development = false): GuardSettings {
  return {
    enabled: options.enabled ?? true,
    blockThreshold: positiveNumber(options.blockThreshold ?? 50, 'guard.blockThreshold', MS),
    maxLoopDelay: nonNegativeNumber(options.maxLoopDelay ?? 1000, 'guard.maxLoopDelay', MS),
    sampleInterval: positiveNumber(options.sampleInterval ?? 500, 'guard.sampleInterval', MS),
    maxQueueWait: positiveNumber(options.maxQueueWait ?? 5000, 'guard.maxQueueWait', MS),
    serverTiming: options.serverTiming ?? development,
    captureStacks: options.captureStacks ?? development,
  };
}

/** Listeners the metrics (and tests) attach to. */
export interface GuardEvents {
  /** A route's code held the loop for `ms` (one call per stall: a count of calls is a count of stalls). */
  blocked?: (route: string, ms: number) => void;
  /** The loop stood still for `ms` because the host gave this process no CPU (other processes had its core): no route's doing. */
  starved?: (ms: number) => void;
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
  /** When (performance.now()) the last stall named by a handler's timing ended. */
  private lastNamedEnd = 0;
  private running = false;
  private windows = 0;
  private watchdog: Promise<StallWatchdog | null> | null = null;
  /** With stacks on: a stall named by its route, waiting (briefly) for the watchdog's stack. */
  private pending: { route: string; ms: number; where: string; timer: NodeJS.Timeout } | null = null;

  constructor(settings: GuardSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
    this.monitor = new LoopMonitor({ sampleInterval: settings.sampleInterval, onSample: (sample) => this.onSample(sample) });
    this.tracer = new AsyncSliceTracer(settings.blockThreshold, (route, ms) => {
      // The traced callback that ran a handler also holds its first slice, already named: a slice
      // that began before the last named stall ended is that same stall.
      if (performance.now() - ms < this.lastNamedEnd) return;
      this.blocked(route, ms, 'after an await');
    });
  }

  get loop(): LoopSample {
    return this.monitor.last;
  }

  start(): void {
    if (!this.settings.enabled || this.running) return;
    this.running = true;
    this.windows = 0;
    this.monitor.start();
    if (this.settings.captureStacks) {
      this.watchdog = startStallWatchdog({ threshold: this.settings.blockThreshold, onStall: (stall) => this.onStack(stall) }).catch((error: unknown) => {
        this.log.warn({ err: error }, 'the stall watchdog could not start: stalls are named without their stack');
        return null;
      });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.monitor.stop();
    this.tracer.disable();
    this.shedding = false;
    if (this.pending !== null) this.flush();
    const watchdog = await this.watchdog;
    this.watchdog = null;
    await watchdog?.stop();
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
    this.lastNamedEnd = performance.now();
    this.events.blocked?.(route, ms);
    if (this.watchdog === null) {
      this.warn(route, ms, where, undefined);
      return;
    }
    // The watchdog's stack of this stall arrives just after the loop runs again: wait for it a
    // moment, so the one warning has both the route and the line.
    if (this.pending !== null) this.flush();
    this.pending = { route, ms, where, timer: setTimeout(() => this.flush(), 200).unref() };
  }

  private onStack(stall: CapturedStall): void {
    const at = stall.userFrame ?? stall.frames[0];
    const line = at === undefined ? undefined : `${shortPath(at.file)}:${at.line}${at.functionName ? ` (${at.functionName})` : ''}`;
    if (this.pending !== null) {
      const { route, ms, where, timer } = this.pending;
      clearTimeout(timer);
      this.pending = null;
      this.warn(route, ms, where, line);
    } else if (line !== undefined) {
      this.log.warn({ blockedMs: Math.round(stall.totalMs), at: line }, `the event loop was blocked for ${Math.round(stall.totalMs)} ms at ${line}`);
    }
  }

  private flush(): void {
    const { route, ms, where, timer } = this.pending!;
    clearTimeout(timer);
    this.pending = null;
    this.warn(route, ms, where, undefined);
  }

  private warn(route: string, ms: number, where: string, at: string | undefined): void {
    this.log.warn(
      { route, blockedMs: Math.round(ms), where, ...(at === undefined ? {} : { at }) },
      `${route} blocked the event loop for ${Math.round(ms)} ms (${where}${at === undefined ? '' : `, at ${at}`}): every other request waited. ` +
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

/** Paths under the working directory are shown relative to it, as editors and terminals link them. */
function shortPath(file: string): string {
  const inside = relative(process.cwd(), file);
  return isAbsolute(file) && !inside.startsWith('..') ? inside : file;
}
