// The sizing rule alone (src/offload/pool-sizer.ts), window by window: what the pool would let
// run at once for calls that wait, compute, or do some of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PoolSizer, type PoolWindow } from '../../src/offload/pool-sizer.js';

const MS = 1e6;

/** A window in which `calls` calls of `wallMs` finished, each on a core (or waiting for one) for `busyMs`. */
function window(calls: number, wallMs: number, busyMs: number, running: number, waiting: number, cap = 64): PoolWindow {
  return { usage: { calls, measured: calls, wall: calls * wallMs * MS, cpu: calls * busyMs * MS, runQueue: 0 }, running, waiting, cap };
}

test('before any call is measured, the pool runs as many calls as there are cores', () => {
  const sizer = new PoolSizer(2, 1, null);
  assert.equal(sizer.limit, 2);
  assert.equal(sizer.decide(window(0, 0, 0, 2, 30)), 2);
  assert.equal(sizer.demand, null);
});

test('calls that wait without a core: as many at once as there are calls, in one step, up to the cap', () => {
  const sizer = new PoolSizer(2, 1, null);
  assert.equal(sizer.decide(window(2, 200, 0.2, 2, 98)), 64, '100 calls wanted, capped at 64');
  const capped = new PoolSizer(2, 1, null);
  assert.equal(capped.decide(window(2, 200, 0.2, 2, 30)), 32, 'running + waiting');
  assert.equal(new PoolSizer(2, 1, null).decide(window(2, 200, 0.2, 2, 98, 40)), 40, 'the memory cap');
});

test('calls that compute (or wait for a core): held at the cores, however many wait', () => {
  const sizer = new PoolSizer(2, 1, null);
  for (let i = 0; i < 5; i++) assert.equal(sizer.decide(window(2, 50, 48, 2, 100)), 2);
  assert.ok(sizer.demand! > 0.9);
  // Run-queue time counts as wanting a core: threads slowed by too many threads do not grow the pool.
  const contended = new PoolSizer(2, 1, null);
  const usage = { calls: 4, measured: 4, wall: 4 * 100 * MS, cpu: 4 * 50 * MS, runQueue: 4 * 48 * MS };
  assert.equal(contended.decide({ usage, running: 4, waiting: 50, cap: 64 }), 2);
});

test('half waiting, half computing: twice the cores', () => {
  const sizer = new PoolSizer(2, 1, null);
  assert.equal(sizer.decide(window(4, 100, 50, 2, 20)), 4);
});

test('the pool grows only for calls that wait for it, and shrinks by steps toward what is wanted', () => {
  const sizer = new PoolSizer(2, 1, null);
  assert.equal(sizer.decide(window(2, 200, 0.1, 2, 0)), 2, 'nothing waits: no growth');
  assert.equal(sizer.decide(window(2, 200, 0.1, 2, 38)), 40);
  // The calls now compute: from 40 toward the cores, a quarter of the gap per window.
  const steps = [];
  for (let i = 0; i < 40 && sizer.limit > 2; i++) steps.push(sizer.decide(window(20, 50, 49, sizer.limit, 10)));
  assert.equal(steps.at(-1), 2);
  assert.ok(steps.length > 3, `shrank in ${steps.length} windows: ${steps.join(', ')}`);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i]! <= steps[i - 1]!, 'never grows back while the calls compute');
});

test('a long wait outweighs many short computing calls: demand is weighed by time, not by count', () => {
  const sizer = new PoolSizer(2, 1, null);
  const usage = { calls: 11, measured: 11, wall: (10 * 1 + 2000) * MS, cpu: (10 * 1 + 2) * MS, runQueue: 0 };
  sizer.decide({ usage, running: 2, waiting: 10, cap: 64 });
  assert.ok(sizer.demand! < 0.01, `demand ${sizer.demand}`);
});

test('idle: back to the cores, keeping what it learned', () => {
  const sizer = new PoolSizer(2, 1, null);
  sizer.decide(window(2, 200, 0.1, 2, 38));
  sizer.idle(64);
  assert.equal(sizer.limit, 2);
  assert.equal(sizer.decide(window(0, 0, 0, 2, 20)), 22, 'the next burst of waits grows at once');
});

test('minThreads above the cores is the floor', () => {
  const sizer = new PoolSizer(2, 8, null);
  assert.equal(sizer.decide(window(2, 50, 49, 2, 30)), 8);
});

test('where threads cannot read their CPU time, a fixed size: twice the cores, at least 4', () => {
  const sizer = new PoolSizer(2, 1, 4);
  assert.equal(sizer.limit, 4);
  assert.equal(sizer.decide(window(2, 200, 0, 4, 100)), 4);
  assert.equal(sizer.decide(window(2, 200, 0, 4, 100, 3)), 3, 'still within the cap');
});

test('where the clock sees no run queue, only calls that clearly wait grow the pool', () => {
  const blindToQueue = new PoolSizer(2, 1, null, false);
  assert.equal(blindToQueue.decide(window(4, 100, 40, 2, 50)), 2, '40% CPU could be contention: held');
  assert.equal(blindToQueue.decide(window(40, 200, 1, 2, 50)) > 2, true, 'waits still grow it');
});
