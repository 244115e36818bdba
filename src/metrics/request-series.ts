/**
 * The hot path's record of finished requests: one cell per (route, method) with the latency
 * histogram's bucket counts, and one counter per status inside it. Recording is a few Map lookups
 * and additions; turning cells into Prometheus series (labels, strings, cumulative buckets) is left
 * to scrape time. prom-client's own labelled metrics hash their label object on every call, even
 * through a cached `.labels()` child, which costs ~15x more per request (see docs in app-metrics.ts).
 */

/** Upper bounds (seconds) of the request latency histogram: 1 ms to 10 s, the range an API's requests live in. */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Requests of one route and method: latency histogram state, and a count per status code. */
export class MethodSeries {
  /** Observations per bucket, not cumulative; the last slot is the +Inf bucket. */
  readonly buckets: Float64Array;
  sum = 0;
  count = 0;
  readonly statuses = new Map<number, { count: number }>();

  constructor(bucketCount: number) {
    this.buckets = new Float64Array(bucketCount + 1);
  }
}

export class RequestSeries {
  readonly bounds: readonly number[];
  /** route → method → series. Insertion order is kept, so the exposition is stable between scrapes. */
  readonly routes = new Map<string, Map<string, MethodSeries>>();

  constructor(bounds: readonly number[] = LATENCY_BUCKETS) {
    this.bounds = bounds;
  }

  /** Negative, NaN or infinite durations are recorded as 0, so one bad reading cannot poison `_sum` for good. */
  record(route: string, method: string, status: number, seconds: number): void {
    let methods = this.routes.get(route);
    if (methods === undefined) {
      methods = new Map();
      this.routes.set(route, methods);
    }
    let series = methods.get(method);
    if (series === undefined) {
      series = new MethodSeries(this.bounds.length);
      methods.set(method, series);
    }
    if (!(seconds >= 0 && seconds < Infinity)) seconds = 0;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i++;
    series.buckets[i]++;
    series.sum += seconds;
    series.count++;
    const counted = series.statuses.get(status);
    if (counted === undefined) series.statuses.set(status, { count: 1 });
    else counted.count++;
  }
}
