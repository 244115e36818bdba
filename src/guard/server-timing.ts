import { performance } from 'node:perf_hooks';

/**
 * One request's phases for the `Server-Timing` header, which Chrome's DevTools (Network panel,
 * Timing tab) draws as bars. Phases are laps of one clock, so they never overlap and their sum
 * never exceeds `total`. `wait`, the time the request sat unread behind a stalled loop, comes
 * before them all and is part of `total`.
 */
export class ServerTiming {
  readonly start = performance.now();
  private last = this.start;
  /** How long the request may have waited for a stalled event loop before it could be read (see LoopClock.waited). */
  readonly wait: number;
  parse = -1;
  validate = -1;
  /** Offloaded routes: waiting for a free worker thread. */
  queue = -1;
  /** Resolving the route's dependencies. */
  dependencies = -1;
  handler = -1;
  serialize = -1;

  constructor(waited: (now: number) => number = noWait) {
    this.wait = waited(this.start);
  }

  /** Milliseconds since the previous lap (or the start), and starts the next one. */
  lap(): number {
    const now = performance.now();
    const ms = now - this.last;
    this.last = now;
    return ms;
  }

  /** `parse;dur=0.041, validate;dur=0.012, handler;dur=1.3, serialize;dur=0.02, total;dur=1.5` (`wait;dur=…` first after a stall) */
  header(): string {
    let value = this.wait > 0 ? `wait;dur=${round(this.wait)}, ` : '';
    if (this.parse >= 0) value += `parse;dur=${round(this.parse)}, `;
    if (this.validate >= 0) value += `validate;dur=${round(this.validate)}, `;
    if (this.queue >= 0) value += `queue;dur=${round(this.queue)}, `;
    if (this.dependencies >= 0) value += `dependencies;dur=${round(this.dependencies)}, `;
    if (this.handler >= 0) value += `handler;dur=${round(this.handler)}, `;
    if (this.serialize >= 0) value += `serialize;dur=${round(this.serialize)}, `;
    return `${value}total;dur=${round(performance.now() - this.start + this.wait)}`;
  }
}

const noWait = (): number => 0;

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
