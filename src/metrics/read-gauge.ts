/**
 * An unlabelled gauge whose value is read from a source when the registry renders it, and which has
 * no sample at all while the source has nothing to say (null). A plain prom-client Gauge always
 * reports 0 when unset, which would claim "no delay" or "no threads" for a source never read.
 */
import { createRequire } from 'node:module';
import type { Aggregator, Gauge, Registry } from 'prom-client';

type Snapshot = Awaited<ReturnType<Gauge['get']>>;

// prom-client loads with the first App that has metrics on, not at import (the class extends one of its own).
const require = createRequire(import.meta.url);
let ReadGauge: ReturnType<typeof defineReadGauge> | null = null;

/** The gauge, registered in `registry`; `read()` gives its value at each scrape (null: no sample). */
export function createReadGauge(name: string, help: string, registry: Registry, aggregator: Aggregator, read: () => number | null): Gauge<string> {
  ReadGauge ??= defineReadGauge((require('prom-client') as typeof import('prom-client')).Gauge);
  return new ReadGauge(name, help, registry, aggregator, read);
}

function defineReadGauge(Base: typeof Gauge) {
  return class ReadGauge extends Base<string> {
    // prom-client sets name and help too, but its typings do not declare them.
    private readonly metricName: string;
    private readonly metricHelp: string;
    private readonly metricAggregator: Aggregator;
    private readonly read: () => number | null;

    /** `aggregator` says how prom-client's cluster registry combines workers' values (sum, max, average…). */
    constructor(name: string, help: string, registry: Registry, aggregator: Aggregator, read: () => number | null) {
      super({ name, help, registers: [registry], aggregator });
      this.metricName = name;
      this.metricHelp = help;
      this.metricAggregator = aggregator;
      this.read = read;
    }

    override async get(): Promise<Snapshot> {
      const value = this.read();
      const values = value === null ? [] : [{ value, labels: {} }];
      // `type` is prom-client's MetricType enum in its typings, which the package does not export at run time.
      return { name: this.metricName, help: this.metricHelp, type: 'gauge', aggregator: this.metricAggregator, values } as unknown as Snapshot;
    }
  };
}
