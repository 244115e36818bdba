import { createHook, executionAsyncResource, type AsyncHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

const ROUTE = Symbol('loopwise.route');
type Tagged = { [ROUTE]?: string };

/** What the guard asks of a tracer: the real one on Node, {@link untraced} where async_hooks cannot see callbacks (Bun). */
export interface SliceTracer {
  readonly active: boolean;
  tag(route: string): void;
  enableFor(ms: number): void;
  disable(): void;
}

/**
 * Bun's createHook sees no promise or timer callbacks, and executionAsyncResource() inside its
 * init recursed into a stack overflow (measured on Bun 1.4.5): there the guard never traces.
 */
export const untraced: SliceTracer = { active: false, tag() {}, enableFor() {}, disable() {} };

/**
 * Times the slices of a request that run after an `await` (promise reactions, timers, I/O
 * callbacks) and names the route they belong to. async_hooks cost on every promise, so this is
 * switched on only for a while after a stall the cheap per-handler timing could not attribute.
 */
export class AsyncSliceTracer implements SliceTracer {
  active = false;
  private readonly hook: AsyncHook;
  private readonly starts: number[] = [];
  private offTimer: NodeJS.Timeout | null = null;

  /** `beforeSlice(now)` runs as each callback starts (the guard's clock beats if it is due, so a slice is judged against a reading at most a beat old). */
  constructor(threshold: number, onSlow: (route: string, ms: number) => void, beforeSlice: (now: number) => void = () => {}) {
    const starts = this.starts;
    this.hook = createHook({
      // A callback scheduled by a request's code belongs to that request's route.
      init(_id, _type, _trigger, resource) {
        const route = (executionAsyncResource() as Tagged | undefined)?.[ROUTE];
        if (route !== undefined) (resource as Tagged)[ROUTE] = route;
      },
      before() {
        beforeSlice(performance.now());
        starts.push(performance.now());
      },
      after() {
        const start = starts.pop();
        if (start === undefined) return;
        const ms = performance.now() - start;
        if (ms < threshold) return;
        const route = (executionAsyncResource() as Tagged | undefined)?.[ROUTE];
        if (route !== undefined) onSlow(route, ms);
      },
    });
  }

  /** Marks the running request's async resource with its route (only while tracing). */
  tag(route: string): void {
    const resource = executionAsyncResource() as Tagged | undefined;
    if (resource !== undefined && resource !== null) resource[ROUTE] = route;
  }

  /** Traces for `ms`, then switches itself off again. */
  enableFor(ms: number): void {
    if (!this.active) {
      this.active = true;
      this.hook.enable();
    }
    if (this.offTimer !== null) clearTimeout(this.offTimer);
    this.offTimer = setTimeout(() => this.disable(), ms).unref();
  }

  disable(): void {
    if (this.offTimer !== null) clearTimeout(this.offTimer);
    this.offTimer = null;
    if (!this.active) return;
    this.active = false;
    this.hook.disable();
    this.starts.length = 0;
  }
}
