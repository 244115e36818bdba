// GET /metrics on a live app: valid Prometheus text (parsed strictly), with the series the loop
// guard and the pool feed, counting what the requests before the scrape really did.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { app } from '../guard/fixtures/observed-app.js';
import { histogramSeries, parsePrometheusText, type Family } from '../support/prometheus-text.js';

let base = '';
before(async () => {
  base = (await app.listen({ port: 0, handleSignals: false })).url;
});
after(() => app.close());

const get = async (path: string): Promise<Response> => {
  const res = await fetch(base + path);
  await res.arrayBuffer();
  return res;
};

function family(families: Map<string, Family>, name: string, type: Family['type']): Family {
  const found = families.get(`loopwise_${name}`);
  assert.ok(found !== undefined, `no loopwise_${name} in /metrics`);
  assert.equal(found.type, type, `loopwise_${name} is a ${found.type}`);
  return found;
}

function value(f: Family, labels: Record<string, string> = {}): number | undefined {
  return f.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

test('after real traffic, /metrics parses and counts requests, latency, stalls, the pool, the loop and shedding', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await get('/json')).status, 200);
  assert.equal((await get('/nowhere')).status, 404);
  assert.equal((await get('/block?ms=120')).status, 200);
  assert.equal((await get('/offloaded')).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 600)); // one loop-guard window, so the loop gauges have a reading

  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusText(await res.text());

  const requests = family(families, 'http_requests_total', 'counter');
  assert.equal(value(requests, { route: 'GET /json', method: 'GET', status: '200' }), 3);
  assert.equal(value(requests, { route: 'unmatched', method: 'GET', status: '404' }), 1);
  assert.equal(value(requests, { route: 'GET /offloaded', method: 'GET', status: '200' }), 1);

  const latency = histogramSeries(family(families, 'http_request_duration_seconds', 'histogram'));
  const block = latency.find((s) => s.labels.route === 'GET /block');
  assert.ok(block !== undefined && block.count === 1 && block.sum >= 0.12, `GET /block latency: ${JSON.stringify(block)}`);
  // Cumulative buckets: a 120 ms request is in le=0.25 but not in le=0.1.
  assert.equal(block.buckets.find((b) => b.le === 0.1)!.count, 0);
  assert.equal(block.buckets.find((b) => b.le === 0.25)!.count, 1);

  const blocked = family(families, 'event_loop_blocked_seconds_total', 'counter');
  // The 120 ms wait, less what a loaded host then kept the woken thread waiting for a core (the host's
  // share, never the route's: CI's Node 20 leg saw 10 ms of it), so a loose lower bound.
  assert.ok(value(blocked, { route: 'GET /block' })! >= 0.08, `blocked time of GET /block: ${JSON.stringify(blocked.samples)}`);
  assert.equal(value(family(families, 'event_loop_stalls_total', 'counter'), { route: 'GET /block' }), 1);
  assert.equal(value(blocked, { route: 'GET /json' }), undefined, 'GET /json never blocked');

  // pool: { threads: 2 }: at most 2; one offloaded call so far needed only the thread kept ready.
  assert.equal(value(family(families, 'offload_pool_max_threads', 'gauge')), 2);
  const alive = value(family(families, 'offload_pool_threads', 'gauge'))!;
  assert.ok(alive >= 1 && alive <= 2, `threads alive: ${alive}`);
  const demand = value(family(families, 'offload_pool_cpu_demand_ratio', 'gauge'))!;
  assert.ok(demand >= 0 && demand <= 1, `cpu demand of the offloaded call: ${demand}`);
  for (const name of ['offload_pool_limit_calls', 'offload_pool_busy_threads', 'offload_pool_queued_calls', 'offload_pool_queue_limit_calls', 'offload_pool_utilization_ratio']) {
    assert.ok(value(family(families, name, 'gauge')) !== undefined, name);
  }
  for (const name of ['event_loop_delay_p50_seconds', 'event_loop_delay_p99_seconds', 'event_loop_delay_max_seconds', 'event_loop_utilization_ratio']) {
    const reading = value(family(families, name, 'gauge'));
    assert.ok(reading !== undefined && reading >= 0, `${name}: ${reading}`);
  }
  const shed = family(families, 'http_requests_shed_total', 'counter');
  assert.deepEqual(['loop', 'queue', 'deadline'].map((reason) => value(shed, { reason })), [0, 0, 0]);
});

test('/health and /metrics answer; /ready says ready while serving', async () => {
  assert.equal((await get('/health')).status, 200);
  const ready = await fetch(`${base}/ready`);
  assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
});

test('with metrics on, a bad percent-encoding or an over-long parameter is answered, not a crash', async () => {
  const { App } = await import('../../src/index.js');
  const app = new App({ logger: false, metrics: true });
  app.get('/p/:id', async ({ params }) => params);
  const { url } = await app.listen({ port: 0, handleSignals: false });
  try {
    const bad = await fetch(`${url}/p/%zz`);
    assert.equal(bad.status, 400);
    const long = await fetch(`${url}/p/${'x'.repeat(200)}`);
    assert.equal(long.status, 414);
    assert.equal((await fetch(`${url}/p/1`)).status, 200);
  } finally {
    await app.close();
  }
});
