/**
 * An unlabelled gauge whose value is read from a source when the registry renders it, and which has
 * no sample at all while the source has nothing to say (null). A plain prom-client Gauge always
 * reports 0 when unset, which would claim "no delay" or "no threads" for a source never read.
 */
import { Gauge, type Aggregator, type Registry } from 'prom-client';

type Snapshot = Awaited<ReturnType<Gauge['get']>>;

export class ReadGauge extends Gauge<string> {
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
}
