// AppMetrics: what /metrics will expose, read back through a strict parser of the Prometheus text
// format (test/support/prometheus-text.ts), never by matching strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { LoopwiseError } from '../../src/errors.js';
import { AppMetrics, type LoopGauge, type PoolGauge } from '../../src/metrics/app-metrics.js';
import { LATENCY_BUCKETS } from '../../src/metrics/request-series.js';
import { histogramSeries, parsePrometheusText, type Family, type HistogramSeries, type MetricType } from '../support/prometheus-text.js';
import { onBun } from '../support/runtime.js';

const SERIES: Record<string, MetricType> = {
  http_requests_total: 'counter',
  http_request_duration_seconds: 'histogram',
  event_loop_delay_p50_seconds: 'gauge',
  event_loop_delay_p99_seconds: 'gauge',
  event_loop_delay_max_seconds: 'gauge',
  event_loop_utilization_ratio: 'gauge',
  event_loop_blocked_seconds_total: 'counter',
  event_loop_stalls_total: 'counter',
  host_starved_seconds_total: 'counter',
  offload_pool_threads: 'gauge',
  offload_pool_starting_threads: 'gauge',
  offload_pool_max_threads: 'gauge',
  offload_pool_limit_calls: 'gauge',
  offload_pool_busy_threads: 'gauge',
  offload_pool_queued_calls: 'gauge',
  offload_pool_queue_limit_calls: 'gauge',
  offload_pool_utilization_ratio: 'gauge',
  offload_pool_cpu_demand_ratio: 'gauge',
  http_requests_shed_total: 'counter',
};

/** A sample of prom-client's default metrics, which must carry the prefix too. */
const DEFAULT_SERIES: Record<string, MetricType> = {
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  // Bun has no 'gc' performance entries: there the series is left out (below).
  ...(onBun ? {} : { nodejs_gc_duration_seconds: 'histogram' as const }),
};

/** prom-client series Bun fills from stubs (always 0 or never observed): left out there. */
const STUBBED_ON_BUN = ['nodejs_gc_duration_seconds', 'nodejs_active_handles_total', 'nodejs_active_resources_total', 'nodejs_heap_space_size_used_bytes'];

async function scrape(metrics: AppMetrics): Promise<Map<string, Family>> {
  const { contentType, body } = await metrics.render();
  assert.equal(contentType, 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(body);
}

function family(families: Map<string, Family>, name: string): Family {
  const found = families.get(name);
  assert.ok(found, `${name} is exposed`);
  return found;
}

/** The value of the one sample of `name` whose labels are exactly `labels`, or undefined if there is none. */
function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  const samples = family(families, name).samples.filter((s) => JSON.stringify(Object.entries(s.labels).sort()) === want);
  assert.ok(samples.length <= 1, `one series ${name}${want}`);
  return samples[0]?.value;
}

function histogram(families: Map<string, Family>, name: string, labels: Record<string, string>): HistogramSeries {
  const want = JSON.stringify(Object.entries(labels).sort());
  const found = histogramSeries(family(families, name)).filter((s) => JSON.stringify(Object.entries(s.labels).sort()) === want);
  assert.equal(found.length, 1, `one histogram series ${name}${want}`);
  return found[0];
}

test('every series is exposed under the prefix with its TYPE, prom-client default metrics included', async () => {
  const metrics = new AppMetrics();
  metrics.watchLoop(() => ({ delayP50Ms: 1, delayP99Ms: 2, delayMaxMs: 3, utilization: 0.5 }));
  metrics.watchPool(() => ({ threads: 4, starting: 0, maxThreads: 64, limit: 2, busy: 1, queued: 0, maxQueue: 8, cpuDemand: 0.02 }));
  metrics.requestDone('GET /', 'GET', 200, 0.002);
  metrics.blocked('GET /', 50);
  const families = await scrape(metrics);
  for (const [name, type] of Object.entries({ ...SERIES, ...DEFAULT_SERIES })) {
    const found = family(families, `loopwise_${name}`);
    assert.equal(found.type, type, `loopwise_${name} is a ${type}`);
    assert.ok(found.help !== undefined && found.help.length > 0, `loopwise_${name} has HELP`);
    // The GC histogram, for one, has no sample until a collection has happened.
    if (name in SERIES) assert.ok(found.samples.length > 0, `loopwise_${name} has samples`);
  }
  for (const name of families.keys()) assert.ok(name.startsWith('loopwise_'), `${name} carries the prefix`);
  for (const name of STUBBED_ON_BUN) assert.equal(families.has(`loopwise_${name}`), !onBun, `loopwise_${name} ${onBun ? 'left out on Bun' : 'exposed on Node'}`);
  assert.equal(metrics.registry.contentType, 'text/plain; version=0.0.4; charset=utf-8');
});

test('defaultMetrics: false leaves only loopwise series; a prefix of one\'s own renames every series', async () => {
  const metrics = new AppMetrics({ prefix: 'shop_', defaultMetrics: false });
  const families = await scrape(metrics);
  assert.deepEqual([...families.keys()].sort(), Object.keys(SERIES).map((name) => `shop_${name}`).sort());

  const withDefaults = new AppMetrics({ prefix: 'shop_' });
  const all = await scrape(withDefaults);
  assert.equal(family(all, 'shop_process_cpu_seconds_total').type, 'counter');
  for (const name of all.keys()) assert.ok(name.startsWith('shop_'), `${name} carries the prefix`);
});

test('a prefix that cannot start a metric name is refused', () => {
  for (const prefix of ['9lives_', 'my-app_', 'a b', 'é_']) {
    assert.throws(
      () => new AppMetrics({ prefix, defaultMetrics: false }),
      (error: unknown) => error instanceof LoopwiseError && error.code === 'LW_ERR_INVALID_OPTION',
      prefix,
    );
  }
});

test('requests are counted by route, method and status code', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  for (let i = 0; i < 5; i++) metrics.requestDone('GET /items/:id', 'GET', 200, 0.003);
  metrics.requestDone('GET /items/:id', 'GET', 404, 0.001);
  metrics.requestDone('GET /items/:id', 'HEAD', 200, 0.001);
  metrics.requestDone('POST /items', 'POST', 201, 0.02);
  metrics.requestDone('POST /items', 'POST', 422, 0.004);
  metrics.requestDone('POST /items', 'POST', 422, 0.004);
  metrics.requestDone('unmatched', 'GET', 404, 0.0001);

  const families = await scrape(metrics);
  const total = 'loopwise_http_requests_total';
  assert.equal(value(families, total, { route: 'GET /items/:id', method: 'GET', status: '200' }), 5);
  assert.equal(value(families, total, { route: 'GET /items/:id', method: 'GET', status: '404' }), 1);
  assert.equal(value(families, total, { route: 'GET /items/:id', method: 'HEAD', status: '200' }), 1);
  assert.equal(value(families, total, { route: 'POST /items', method: 'POST', status: '201' }), 1);
  assert.equal(value(families, total, { route: 'POST /items', method: 'POST', status: '422' }), 2);
  assert.equal(value(families, total, { route: 'unmatched', method: 'GET', status: '404' }), 1);
  assert.equal(family(families, total).samples.length, 6, 'no other series');

  // Counters keep counting across scrapes (a scrape resets nothing).
  metrics.requestDone('POST /items', 'POST', 422, 0.004);
  assert.equal(value(await scrape(metrics), total, { route: 'POST /items', method: 'POST', status: '422' }), 3);
});

test('the latency histogram: buckets 1 ms … 10 s, cumulative, le inclusive, _count and _sum match the observations', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  // Boundaries included: an observation equal to a bound belongs to that bucket (le = "less or equal").
  const observed = [0.0004, 0.001, 0.0011, 0.003, 0.003, 0.049, 0.05, 0.2, 0.7, 1, 4.2, 10, 10.5, 42];
  observed.forEach((seconds, i) => metrics.requestDone('GET /slow', 'GET', i % 3 === 0 ? 500 : 200, seconds));
  metrics.requestDone('GET /fast', 'GET', 200, 0.0002);

  const families = await scrape(metrics);
  const slow = histogram(families, 'loopwise_http_request_duration_seconds', { route: 'GET /slow', method: 'GET' });
  assert.deepEqual(
    slow.buckets.map((b) => b.le),
    [...LATENCY_BUCKETS, Infinity],
  );
  assert.equal(LATENCY_BUCKETS[0], 0.001);
  assert.equal(LATENCY_BUCKETS.at(-1), 10);
  for (const { le, count } of slow.buckets) {
    assert.equal(count, observed.filter((s) => s <= le).length, `bucket le=${le}`);
  }
  for (let i = 1; i < slow.buckets.length; i++) assert.ok(slow.buckets[i].count >= slow.buckets[i - 1].count, 'cumulative');
  assert.equal(slow.count, observed.length);
  assert.equal(slow.buckets.at(-1)!.count, slow.count, '+Inf bucket equals _count');
  assert.ok(Math.abs(slow.sum - observed.reduce((a, b) => a + b, 0)) < 1e-9, '_sum is the sum of the observations');
  // The histogram is by route and method only: statuses 200 and 500 share it.
  assert.equal(family(families, 'loopwise_http_request_duration_seconds').samples.filter((s) => s.labels.status !== undefined).length, 0);

  const fast = histogram(families, 'loopwise_http_request_duration_seconds', { route: 'GET /fast', method: 'GET' });
  assert.deepEqual(fast.buckets.map((b) => b.count), Array(LATENCY_BUCKETS.length + 1).fill(1));
  assert.equal(fast.count, 1);
});

test('a negative, NaN or infinite duration is recorded as 0, so _sum stays finite', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  for (const seconds of [-1, NaN, Infinity]) metrics.requestDone('GET /', 'GET', 200, seconds);
  const series = histogram(await scrape(metrics), 'loopwise_http_request_duration_seconds', { route: 'GET /', method: 'GET' });
  assert.equal(series.count, 3);
  assert.equal(series.sum, 0);
  assert.equal(series.buckets[0].count, 3);
});

test('loop gauges read their source at scrape time, once per scrape, ms → seconds', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  const names = ['p50', 'p99', 'max'].map((q) => `loopwise_event_loop_delay_${q}_seconds`);
  const before = await scrape(metrics);
  for (const name of [...names, 'loopwise_event_loop_utilization_ratio']) {
    assert.equal(family(before, name).samples.length, 0, `${name} has no sample before watchLoop`);
  }

  let now: LoopGauge = { delayP50Ms: 10, delayP99Ms: 25, delayMaxMs: 120, utilization: 0.25 };
  let reads = 0;
  metrics.watchLoop(() => {
    reads++;
    return now;
  });
  assert.equal(reads, 0, 'not read until scraped');
  let families = await scrape(metrics);
  assert.equal(reads, 1, 'one read serves all four gauges');
  assert.deepEqual(names.map((name) => value(families, name)), [0.01, 0.025, 0.12]);
  assert.equal(value(families, 'loopwise_event_loop_utilization_ratio'), 0.25);

  now = { delayP50Ms: 1.5, delayP99Ms: 3, delayMaxMs: 2000, utilization: 0.9 };
  families = await scrape(metrics);
  assert.equal(reads, 2);
  assert.deepEqual(names.map((name) => value(families, name)), [0.0015, 0.003, 2]);
  assert.equal(value(families, 'loopwise_event_loop_utilization_ratio'), 0.9);

  // Two scrapes at once each read the source.
  await Promise.all([scrape(metrics), scrape(metrics)]);
  assert.ok(reads >= 3 && reads <= 4, `concurrent scrapes read ${reads - 2} time(s)`);
});

test('pool gauges read their source at scrape time; null means no pool, with no samples', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  const poolNames = Object.keys(SERIES).filter((name) => name.startsWith('offload_pool_')).map((name) => `loopwise_${name}`);
  for (const name of poolNames) assert.equal(family(await scrape(metrics), name).samples.length, 0, `${name} has no sample before watchPool`);

  let now: PoolGauge | null = { threads: 8, starting: 1, maxThreads: 40, limit: 6, busy: 6, queued: 3, maxQueue: 1024, cpuDemand: 0.25 };
  metrics.watchPool(() => now);
  let families = await scrape(metrics);
  assert.equal(value(families, 'loopwise_offload_pool_threads'), 8);
  assert.equal(value(families, 'loopwise_offload_pool_starting_threads'), 1);
  assert.equal(value(families, 'loopwise_offload_pool_max_threads'), 40);
  assert.equal(value(families, 'loopwise_offload_pool_limit_calls'), 6);
  assert.equal(value(families, 'loopwise_offload_pool_cpu_demand_ratio'), 0.25);
  assert.equal(value(families, 'loopwise_offload_pool_busy_threads'), 6);
  assert.equal(value(families, 'loopwise_offload_pool_queued_calls'), 3);
  assert.equal(value(families, 'loopwise_offload_pool_queue_limit_calls'), 1024);
  assert.equal(value(families, 'loopwise_offload_pool_utilization_ratio'), 0.75);

  now = { threads: 0, starting: 0, maxThreads: 40, limit: 2, busy: 0, queued: 0, maxQueue: 0, cpuDemand: null };
  families = await scrape(metrics);
  assert.equal(value(families, 'loopwise_offload_pool_utilization_ratio'), 0, 'no threads: utilization 0, not NaN');
  assert.equal(family(families, 'loopwise_offload_pool_cpu_demand_ratio').samples.length, 0, 'no call measured yet: no demand sample');

  now = null;
  families = await scrape(metrics);
  for (const name of poolNames) assert.equal(family(families, name).samples.length, 0, `${name} has no sample while there is no pool`);
});

test('a source that throws fails the scrape instead of being reported as zeros', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  metrics.watchPool(() => {
    throw new Error('pool reader broke');
  });
  await assert.rejects(metrics.render(), /pool reader broke/);
});

test('loop blocking is counted per route: seconds and stalls', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  metrics.blocked('GET /sync', 120);
  metrics.blocked('GET /sync', 30);
  metrics.blocked('POST /hash', 5);
  for (const ms of [0, -3, NaN, Infinity]) metrics.blocked('GET /sync', ms); // not a stall
  const families = await scrape(metrics);
  assert.ok(Math.abs(value(families, 'loopwise_event_loop_blocked_seconds_total', { route: 'GET /sync' })! - 0.15) < 1e-12);
  assert.equal(value(families, 'loopwise_event_loop_blocked_seconds_total', { route: 'POST /hash' }), 0.005);
  assert.equal(value(families, 'loopwise_event_loop_stalls_total', { route: 'GET /sync' }), 2);
  assert.equal(value(families, 'loopwise_event_loop_stalls_total', { route: 'POST /hash' }), 1);
});

test('shed requests are counted by reason, every reason present from the start', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  let families = await scrape(metrics);
  for (const reason of ['loop', 'queue', 'deadline']) assert.equal(value(families, 'loopwise_http_requests_shed_total', { reason }), 0);
  metrics.shed('queue');
  metrics.shed('queue');
  metrics.shed('deadline');
  families = await scrape(metrics);
  assert.equal(value(families, 'loopwise_http_requests_shed_total', { reason: 'loop' }), 0);
  assert.equal(value(families, 'loopwise_http_requests_shed_total', { reason: 'queue' }), 2);
  assert.equal(value(families, 'loopwise_http_requests_shed_total', { reason: 'deadline' }), 1);
});

test('two AppMetrics are independent, and neither touches prom-client\'s global registry', async () => {
  const globalBefore = globalRegistry.getMetricsAsArray().length;
  const a = new AppMetrics();
  const b = new AppMetrics(); // same prefix, default metrics in both: no "already registered" collision
  assert.notEqual(a.registry, b.registry);
  a.requestDone('GET /a', 'GET', 200, 0.01);
  a.requestDone('GET /a', 'GET', 200, 0.01);
  b.requestDone('GET /b', 'GET', 500, 2);
  a.shed('loop');
  b.blocked('GET /b', 10);
  a.watchLoop(() => ({ delayP50Ms: 1, delayP99Ms: 1, delayMaxMs: 1, utilization: 0.1 }));
  b.watchLoop(() => ({ delayP50Ms: 2, delayP99Ms: 2, delayMaxMs: 2, utilization: 0.2 }));

  const [fa, fb] = await Promise.all([scrape(a), scrape(b)]);
  assert.deepEqual(
    family(fa, 'loopwise_http_requests_total').samples.map((s) => [s.labels, s.value]),
    [[{ route: 'GET /a', method: 'GET', status: '200' }, 2]],
  );
  assert.deepEqual(
    family(fb, 'loopwise_http_requests_total').samples.map((s) => [s.labels, s.value]),
    [[{ route: 'GET /b', method: 'GET', status: '500' }, 1]],
  );
  assert.equal(value(fa, 'loopwise_http_requests_shed_total', { reason: 'loop' }), 1);
  assert.equal(value(fb, 'loopwise_http_requests_shed_total', { reason: 'loop' }), 0);
  assert.equal(family(fa, 'loopwise_event_loop_stalls_total').samples.length, 0);
  assert.equal(value(fb, 'loopwise_event_loop_stalls_total', { route: 'GET /b' }), 1);
  assert.equal(value(fa, 'loopwise_event_loop_utilization_ratio'), 0.1);
  assert.equal(value(fb, 'loopwise_event_loop_utilization_ratio'), 0.2);
  assert.equal(globalRegistry.getMetricsAsArray().length, globalBefore, 'the global registry is untouched');
});

test('label values with quotes, backslashes, newlines and braces are escaped and parse back exactly', async () => {
  const metrics = new AppMetrics({ defaultMetrics: false });
  const routes = ['GET /say/"hi"', 'GET /c:\\temp\\', 'GET /two\nlines', 'GET /{x},y="z"', 'GET /ünï/😀', 'GET /\\n-not-a-newline', 'GET /trailing\\'];
  routes.forEach((route, i) => {
    for (let n = 0; n <= i; n++) metrics.requestDone(route, 'GET', 200, 0.001);
    metrics.blocked(route, i + 1);
  });
  const { body } = await metrics.render();
  const families = parsePrometheusText(body);
  routes.forEach((route, i) => {
    assert.equal(value(families, 'loopwise_http_requests_total', { route, method: 'GET', status: '200' }), i + 1, JSON.stringify(route));
    assert.equal(histogram(families, 'loopwise_http_request_duration_seconds', { route, method: 'GET' }).count, i + 1);
    assert.equal(value(families, 'loopwise_event_loop_stalls_total', { route }), 1);
  });
  // Every sample stays on one line: a raw newline in a label would have split it.
  assert.equal(family(families, 'loopwise_http_requests_total').samples.length, routes.length);
});
