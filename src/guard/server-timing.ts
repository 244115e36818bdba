import { performance } from 'node:perf_hooks';

/**
 * One request's phases for the `Server-Timing` header, which Chrome's DevTools (Network panel,
 * Timing tab) draws as bars. Phases are laps of one clock, so they never overlap and their sum
 * never exceeds `total`.
 */
export class ServerTiming {
  readonly start = performance.now();
  private last = this.start;
  parse = -1;
  validate = -1;
  /** Offloaded routes: waiting for a free worker thread. */
  queue = -1;
  /** Resolving the route's dependencies. */
  dependencies = -1;
  handler = -1;
  serialize = -1;

  /** Milliseconds since the previous lap (or the start), and starts the next one. */
  lap(): number {
    const now = performance.now();
    const ms = now - this.last;
    this.last = now;
    return ms;
  }

  /** `parse;dur=0.041, validate;dur=0.012, handler;dur=1.3, serialize;dur=0.02, total;dur=1.5` */
  header(): string {
    let value = '';
    if (this.parse >= 0) value += `parse;dur=${round(this.parse)}, `;
    if (this.validate >= 0) value += `validate;dur=${round(this.validate)}, `;
    if (this.queue >= 0) value += `queue;dur=${round(this.queue)}, `;
    if (this.dependencies >= 0) value += `dependencies;dur=${round(this.dependencies)}, `;
    if (this.handler >= 0) value += `handler;dur=${round(this.handler)}, `;
    if (this.serialize >= 0) value += `serialize;dur=${round(this.serialize)}, `;
    return `${value}total;dur=${round(performance.now() - this.start)}`;
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
