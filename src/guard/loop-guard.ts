import { isAbsolute, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { nonNegativeNumber, positiveNumber } from '../option-checks.js';
import { isBun } from '../runtime-env.js';
import { AsyncSliceTracer, untraced, type SliceTracer } from './async-slices.js';
import { LoopClock, STARVING_MS, type LoopStall } from './loop-clock.js';
import { LoopMonitor, type LoopSample } from './loop-monitor.js';
import { RouteActivity } from './route-activity.js';
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
/** Host starvation and stalls outside any request are logged at most once per this long (ms). */
const QUIET_MS = 60_000;
/** Stalls outside any request this soon after start are start-up work (compiling, loading), not worth a warning. */
const STARTUP_MS = 1_000;
/** Read once: what Bun lacks (async_hooks callbacks, the inspector's Debugger domain) is decided at startup, never per request. */
const ON_BUN = isBun();

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
 * the loop (once per stall, with what to do about it), tells a stall the host caused (other
 * processes had the CPU) from one the code caused, and says when to shed load.
 */
export class LoopGuard {
  /** True while the last window's loop delay exceeded maxLoopDelay: new requests get 503. */
  shedding = false;
  /**
   * Bun only: the clock reading the dispatcher's shedCheck() took, for the first slice of the
   * handler it calls next, in the same call, to start from (src/pipeline/run-handler.ts); -1 when
   * there is none. Only shedCheck() sets it, and the dispatcher clears it once the route's function
   * returns: a reading can never start a slice that runs later (a body route's) or elsewhere.
   */
  sliceStart = -1;
  /** Whether the dispatcher asks shedCheck() rather than `shedding`: on Bun, where asking reads the clock anyway. */
  readonly sharesSliceStart = ON_BUN;
  /** Bun only: the window's answer behind the `shedding` accessor (see shedOnRead), which shedCheck() reads directly. */
  shedFlag = false;
  readonly settings: GuardSettings;
  readonly events: GuardEvents = {};
  /** The heartbeat that sees stalls as they end and splits them into the code's part and the host's. */
  readonly clock: LoopClock;
  private readonly log: Logger;
  private readonly monitor: LoopMonitor;
  private readonly tracer: SliceTracer;
  private readonly activities = new Map<string, RouteActivity>();
  /** When (performance.now()) the last stall named by a handler's timing ended. */
  private lastNamedEnd = -Infinity;
  private running = false;
  private startedAt = 0;
  private watchdog: Promise<StallWatchdog | null> | null = null;
  /** With stacks on: a stall named by its route, waiting (briefly) for the watchdog's stack. */
  private pending: { route: string; ms: number; where: string; fields: Record<string, unknown>; timer: NodeJS.Timeout } | null = null;
  /** The last stall the heartbeat judged: when it ended, and whether it was the host's alone. */
  private lastStall = { end: -Infinity, hostOnly: false };
  /** Host starvation, stalls outside requests, and (on Bun, which cannot trace) suspected routes since their last log line. */
  private readonly quiet = { starved: new QuietLog(), outside: new QuietLog(), suspected: new QuietLog() };

  constructor(settings: GuardSettings, log: Logger) {
    this.settings = settings;
    this.log = log;
    this.monitor = new LoopMonitor({ sampleInterval: settings.sampleInterval, onSample: (sample) => this.onSample(sample) });
    this.clock = new LoopClock({
      threshold: settings.blockThreshold,
      onStall: (stall) => this.onStall(stall),
      onFailure: (error) => this.log.warn({ err: error }, 'the loop guard stopped telling the host’s stalls from the code’s: stalls are timed on the wall clock from now on'),
    });
    this.tracer = ON_BUN
      ? untraced
      : new AsyncSliceTracer(
          settings.blockThreshold,
          (route, ms) => {
            // The traced callback that ran a handler also holds its first slice, already named: a slice
            // that began before the last named stall ended is that same stall.
            const end = performance.now();
            if (end - ms < this.lastNamedEnd) return;
            this.slowSlice(route, end - ms, end, 'after an await', { evidence: 'traced' });
          },
          // As a handler's first slice does: the host's share of a slice is read from a beat at most a period before it.
          (now) => this.clock.check(now),
        );
    if (ON_BUN) shedOnRead(this, () => this.stalledPastMax());
  }

  get loop(): LoopSample {
    return this.monitor.last;
  }

  start(): void {
    if (!this.settings.enabled || this.running) return;
    this.running = true;
    this.startedAt = performance.now();
    this.monitor.start();
    this.clock.start();
    if (this.settings.captureStacks && ON_BUN) {
      this.log.info(
        'guard.captureStacks: on Bun the blocking code’s file:line cannot be taken (Bun’s inspector has no Debugger domain to pause the thread); stalls are still timed and named by their route',
      );
    } else if (this.settings.captureStacks) {
      this.watchdog = startStallWatchdog({ threshold: this.settings.blockThreshold, onStall: (stall) => this.onStack(stall) }).catch((error: unknown) => {
        this.log.warn({ err: error }, 'the stall watchdog could not start: stalls are named without their stack');
        return null;
      });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.monitor.stop();
    this.clock.stop();
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

  /** The counter a route's runner keeps of its requests in flight (one per route name). */
  activity(route: string): RouteActivity {
    let activity = this.activities.get(route);
    if (activity === undefined) this.activities.set(route, (activity = new RouteActivity(route)));
    return activity;
  }

  /**
   * A slice of `route`'s code ran from `start` to `end` past the threshold on the wall clock. It
   * is named only if the code held the loop that long: time the host gave the CPU to other
   * processes is the host's (the clock reports it as starvation), never the route's.
   */
  slowSlice(route: string, start: number, end: number, where: string, fields: Record<string, unknown> = {}): void {
    const { heldMs, starvedMs } = this.clock.split(start, end);
    if (heldMs < this.settings.blockThreshold) return;
    this.blocked(route, heldMs, where, starvedMs >= 1 ? { ...fields, hostStarvedMs: Math.round(starvedMs) } : fields);
  }

  blocked(route: string, ms: number, where: string, fields: Record<string, unknown> = {}): void {
    this.lastNamedEnd = performance.now();
    this.events.blocked?.(route, ms);
    if (this.watchdog === null) {
      this.warn(route, ms, where, undefined, fields);
      return;
    }
    // The watchdog's stack of this stall arrives just after the loop runs again: wait for it a
    // moment, so the one warning has both the route and the line.
    if (this.pending !== null) this.flush();
    this.pending = { route, ms, where, fields, timer: setTimeout(() => this.flush(), 200).unref() };
  }

  /** A stall the heartbeat saw end: the host's part is reported as such, the code's is named if it can be. */
  private onStall(stall: LoopStall): void {
    const { blockThreshold } = this.settings;
    // A handler's first slice (or a traced callback) already named this stall.
    const named = this.lastNamedEnd >= stall.freeAt;
    const blockedFrom = stall.end - stall.ms;
    const suspects = named ? [] : [...this.activities.values()].filter((activity) => activity.inFlightAcross(blockedFrom));
    // With no request in flight, a stall the thread spent off the CPU on a host that is starving
    // it is the host's too: the main thread was waiting for its own helper threads (garbage
    // collection), starved as well. (A route's synchronous wait is still the route's: see below.)
    const starvedAll =
      !named && suspects.length === 0 && stall.cpuMs < blockThreshold && (stall.starvedMs >= blockThreshold || this.clock.starvedWithin(STARVING_MS, stall.end));
    if (starvedAll || stall.starvedMs >= blockThreshold) this.starved(starvedAll ? stall.ms : stall.starvedMs);
    this.lastStall = { end: stall.end, hostOnly: starvedAll || stall.heldMs < blockThreshold };
    if (stall.heldMs < blockThreshold || named || starvedAll) return;
    const ms = Math.round(stall.heldMs);
    if (suspects.length > 0 && ON_BUN) {
      this.suspectedUntraced(ms, suspects.map((activity) => activity.route));
      return;
    }
    if (suspects.length > 0 && !this.tracer.active) {
      // Code after an await, where no timer surrounds it: the routes with a request in flight
      // across the stall are the suspects, named now. Only tracing (which costs on every promise)
      // can tell whose code it was for sure, so it goes on, and the next such stall is named
      // exactly. Until then nothing is charged to a route: code outside any request (a timer, a
      // client in the same process) can stall the loop while one request waits.
      const names = suspects.map((activity) => activity.route);
      this.tracer.enableFor(TRACE_MS);
      this.log.warn(
        { blockedMs: ms, where: 'after an await', suspects: names },
        `the event loop was blocked for ${ms} ms after an await, while ${names.length === 1 ? `only ${names[0]} had a request in flight: most likely its code` : `requests to ${listOf(names)} were in flight`}; ` +
          `timing async callbacks for the next ${TRACE_MS / 1000} s to name the route if it happens again`,
      );
      return;
    }
    // No request's code: a timer, start-up work, garbage collection, or (tracing being on and
    // naming nothing) code outside any request. In development the watchdog's warning gives its line.
    if (this.watchdog !== null || stall.end - this.startedAt < STARTUP_MS) return;
    const summary = this.quiet.outside.add(ms);
    if (summary !== null) {
      this.log.warn(
        { blockedMs: ms, where: 'outside any request', cpuMs: Math.round(stall.cpuMs), hostStarvedMs: Math.round(stall.starvedMs), ...summary.fields },
        `the event loop was blocked for ${ms} ms by code outside any request (a timer, start-up work or garbage collection)${summary.text}` +
          (ON_BUN ? '' : '; run with guard: { captureStacks: true } (on in dev mode) to see the line'),
      );
    }
  }

  /**
   * Bun cannot trace async callbacks, so a stall after an await is never confirmed: the routes in
   * flight across it are named as suspects each time, logged at most once a minute (not charged).
   */
  private suspectedUntraced(ms: number, names: string[]): void {
    const summary = this.quiet.suspected.add(ms);
    if (summary === null) return;
    this.log.warn(
      { blockedMs: ms, where: 'after an await', suspects: names, ...summary.fields },
      `the event loop was blocked for ${ms} ms after an await, while ${names.length === 1 ? `only ${names[0]} had a request in flight: most likely its code` : `requests to ${listOf(names)} were in flight`}${summary.text}; ` +
        'on Bun the guard cannot time async callbacks (async_hooks does not see promises or timers there) to confirm which route it was',
    );
  }

  /**
   * Bun only (see shedOnRead): whether the loop has just stood still past maxLoopDelay, which the
   * window's sample has not seen yet.
   */
  private stalledPastMax(): boolean {
    if (this.settings.maxLoopDelay === 0 || !this.running) return false;
    return this.stalledAt(performance.now());
  }

  /**
   * The heartbeat's next beat is due at `clock.dueAt`: a request read later than maxLoopDelay past
   * it waited behind a stall (a stopped clock is due never). The stall is then sampled at once, so
   * this request and those queued with it are shed; the heartbeat judges it first (as a handler's
   * first slice would), so it is seen once: reads from here on, onSample's included, find the clock on time.
   */
  private stalledAt(now: number): boolean {
    const { maxLoopDelay } = this.settings;
    const late = now - this.clock.dueAt;
    if (late <= maxLoopDelay) return false;
    this.clock.check(now);
    this.monitor.sampleNow(late);
    return this.monitor.last.delayMaxMs > maxLoopDelay;
  }

  /**
   * The dispatcher's `shedding` on Bun: the same answer, and the clock reading asking took (none
   * when the guard is not running or already sheds) left in `sliceStart` for the handler it calls.
   * The accessor's work, inline: one clock read and one comparison for a request on time.
   */
  shedCheck(): boolean {
    if (this.shedFlag || this.settings.maxLoopDelay === 0 || !this.running) {
      this.sliceStart = -1;
      return this.shedFlag;
    }
    const now = performance.now();
    const shed = this.stalledAt(now);
    this.sliceStart = shed ? -1 : now;
    return shed;
  }

  /** The host kept the process off the CPU: counted, and logged at most once a minute. */
  private starved(ms: number): void {
    this.events.starved?.(ms);
    const rounded = Math.round(ms);
    const summary = this.quiet.starved.add(rounded);
    if (summary === null) return;
    this.log.warn(
      { hostStarvedMs: rounded, ...summary.fields },
      `host starved: the event loop stood still for ${rounded} ms while other processes had this process's CPU${summary.text}. ` +
        'No route is blamed; requests waited all the same. Give the server a core of its own or fewer neighbours (docs/loop-guard.md#host-starved).',
    );
  }

  private onStack(stall: CapturedStall): void {
    const at = stall.userFrame ?? stall.frames[0];
    const line = at === undefined ? undefined : `${shortPath(at.file)}:${at.line}${at.functionName ? ` (${at.functionName})` : ''}`;
    if (this.pending !== null) {
      const { route, ms, where, fields, timer } = this.pending;
      clearTimeout(timer);
      this.pending = null;
      this.warn(route, ms, where, line, fields);
    } else if (line !== undefined) {
      // The watchdog sees the host's stalls too (the main thread stops beating either way): once
      // the heartbeat has judged this one (it beats within a period of the loop running again),
      // a stall that was the host's alone gets no line.
      const seenAt = performance.now();
      setTimeout(() => {
        if (this.lastStall.hostOnly && this.lastStall.end >= seenAt - this.clock.period) return;
        this.log.warn({ blockedMs: Math.round(stall.totalMs), at: line }, `the event loop was blocked for ${Math.round(stall.totalMs)} ms at ${line}`);
      }, 3 * this.clock.period).unref();
    }
  }

  private flush(): void {
    const { route, ms, where, fields, timer } = this.pending!;
    clearTimeout(timer);
    this.pending = null;
    this.warn(route, ms, where, undefined, fields);
  }

  private warn(route: string, ms: number, where: string, at: string | undefined, fields: Record<string, unknown>): void {
    this.log.warn(
      { route, blockedMs: Math.round(ms), where, ...fields, ...(at === undefined ? {} : { at }) },
      `${route} blocked the event loop for ${Math.round(ms)} ms (${where}${at === undefined ? '' : `, at ${at}`}): every other request waited. ` +
        'Make the blocking call async, or mark the route offload: true to run it on a worker thread (docs/offload.md).',
    );
  }

  noteShed(reason: 'loop' | 'queue' | 'deadline'): void {
    this.events.shed?.(reason);
  }

  private onSample(sample: LoopSample): void {
    const { maxLoopDelay } = this.settings;
    const wasShedding = this.shedding;
    this.shedding = maxLoopDelay > 0 && sample.delayMaxMs > maxLoopDelay;
    if (this.shedding && !wasShedding) {
      this.log.warn({ delayMaxMs: Math.round(sample.delayMaxMs), maxLoopDelay }, `event-loop delay reached ${Math.round(sample.delayMaxMs)} ms: answering new requests 503 until it recovers`);
    } else if (wasShedding && !this.shedding) {
      this.log.info({ delayMaxMs: Math.round(sample.delayMaxMs) }, 'event-loop delay recovered: serving again');
    }
  }
}

/**
 * Bun reads a request that waited behind a stall before its timers run (Node runs the timers
 * first: measured on Bun 1.4.5 with node:http), so the window's sample that starts shedding
 * would come after that request. There `shedding` becomes an accessor that, while false, first
 * asks `check()` whether the loop just stood still: a clock read and a comparison per request,
 * on Bun only. Node keeps the plain field the dispatcher reads.
 */
function shedOnRead(guard: LoopGuard, check: () => boolean): void {
  Object.defineProperty(guard, 'shedding', {
    get: () => guard.shedFlag || check(),
    set: (value: boolean) => {
      guard.shedFlag = value;
    },
    enumerable: true,
    configurable: true,
  });
}

/**
 * Events worth a line but not a line each: the first is logged at once, later ones are summed
 * and logged with the next event at least QUIET_MS after the last line.
 */
class QuietLog {
  private lastAt = -Infinity;
  private count = 0;
  private totalMs = 0;

  add(ms: number): { text: string; fields: Record<string, number> } | null {
    this.count++;
    this.totalMs += ms;
    const now = performance.now();
    if (now - this.lastAt < QUIET_MS) return null;
    const first = this.lastAt === -Infinity;
    this.lastAt = now;
    const count = this.count;
    const totalMs = this.totalMs;
    this.count = 0;
    this.totalMs = 0;
    if (first || count === 1) return { text: '', fields: {} };
    return { text: ` (${count} times, ${totalMs} ms in all, since the last line)`, fields: { times: count, totalMs } };
  }
}

function listOf(names: string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
/** Paths under the working directory are shown relative to it, as editors and terminals link them. */
function shortPath(file: string): string {
  const inside = relative(process.cwd(), file);
  return isAbsolute(file) && !inside.startsWith('..') ? inside : file;
}
