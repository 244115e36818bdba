/**
 * The request latency histogram as prom-client sees it: a real `Histogram` registered in the app's
 * registry (so the registry renders, escapes and merges it like any other), whose values are read
 * from the hot path's RequestSeries at scrape time instead of from prom-client's own per-observe
 * bookkeeping. Nothing should call observe() on it: the series are the only source.
 */
import { createRequire } from 'node:module';
import type { Histogram, Registry } from 'prom-client';
import type { RequestSeries } from './request-series.js';

type Snapshot = Awaited<ReturnType<Histogram['get']>>;
type Sample = Snapshot['values'][number];

// prom-client loads with the first App that has metrics on, not at import (the class extends one of its own).
const require = createRequire(import.meta.url);
let LatencyHistogram: ReturnType<typeof defineLatencyHistogram> | null = null;

/** The histogram, registered in `registry`; its values are `series`' at each scrape. */
export function createLatencyHistogram(name: string, help: string, series: RequestSeries, registry: Registry): Histogram<string> {
  LatencyHistogram ??= defineLatencyHistogram((require('prom-client') as typeof import('prom-client')).Histogram);
  return new LatencyHistogram(name, help, series, registry);
}

function defineLatencyHistogram(Base: typeof Histogram) {
  return class LatencyHistogram extends Base<string> {
    // prom-client sets these too, but its typings do not declare them.
    private readonly metricName: string;
    private readonly metricHelp: string;
    private readonly series: RequestSeries;

    constructor(name: string, help: string, series: RequestSeries, registry: Registry) {
      super({ name, help, labelNames: ['route', 'method'], buckets: [...series.bounds], registers: [registry] });
      this.metricName = name;
      this.metricHelp = help;
      this.series = series;
    }

    override async get(): Promise<Snapshot> {
      return this.snapshot();
    }

    /** What the Registry calls when it renders text (it prefers this to get()). */
    async getForPromString(): Promise<Snapshot> {
      return this.snapshot();
    }

    private snapshot(): Snapshot {
      const bucketName = `${this.metricName}_bucket`;
      const sumName = `${this.metricName}_sum`;
      const countName = `${this.metricName}_count`;
      const bounds = this.series.bounds;
      const values: Sample[] = [];
      for (const [route, methods] of this.series.routes) {
        for (const [method, cell] of methods) {
          let cumulative = 0;
          for (let i = 0; i < bounds.length; i++) {
            cumulative += cell.buckets[i];
            values.push({ metricName: bucketName, labels: { route, method, le: bounds[i] }, value: cumulative });
          }
          // The +Inf bucket is the count by definition; the cells keep both, so they always agree.
          values.push({ metricName: bucketName, labels: { route, method, le: '+Inf' }, value: cell.count });
          values.push({ metricName: sumName, labels: { route, method }, value: cell.sum });
          values.push({ metricName: countName, labels: { route, method }, value: cell.count });
        }
      }
      // `type` is prom-client's MetricType enum in its typings, which the package does not export at run time.
      return { name: this.metricName, help: this.metricHelp, type: 'histogram', aggregator: 'sum', values } as unknown as Snapshot;
    }
  };
}
