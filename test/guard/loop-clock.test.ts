// The clock's split of a slow slice into the code's part and the host's, from scripted readings
// of the thread's times (the gauge is the clock's seam; core-wait.test.ts reads the real ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopClock } from '../../src/guard/loop-clock.js';
import { coreWaitGauge, type CoreWaitGauge, type CoreWaitReading } from '../../src/guard/core-wait.js';

const linux = process.platform === 'linux' ? false : "the exact gauge's rules are Linux's (schedstat)";

/** The real exact gauge's arithmetic over readings given in turn (the last one repeats). */
function scripted(readings: CoreWaitReading[]): CoreWaitGauge {
  const real = coreWaitGauge();
  let next = 0;
  return {
    exact: true,
    read: () => readings[Math.min(next++, readings.length - 1)]!,
    waitedMs: (from, to) => real.waitedMs(from, to),
    unseenMs: (from, to) => real.unseenMs(from, to),
    siblingsWaitedMs: (from, to) => real.siblingsWaitedMs(from, to),
    close: () => real.close(),
  };
}

const reading = (at: number, cpuMs: number, slices: number): CoreWaitReading =>
  ({ at, cpuNs: cpuMs * 1e6, runQueueNs: 0, slices, voluntary: 0, involuntary: 0, siblings: null });

function split(readings: CoreWaitReading[], start: number, end: number) {
  const gauge = scripted(readings);
  const clock = new LoopClock({ threshold: 50, onStall: () => {}, gauge });
  clock.start();
  try {
    return clock.split(start, end);
  } finally {
    clock.stop();
    gauge.close();
  }
}

test('a slice the thread spent on its core without running (stolen time) is the host\'s, not the route\'s', { skip: linux }, () => {
  // 60 ms on the wall clock, 4 ms of CPU, never taken off its core and never waiting for one: the
  // host took all but the CPU time and a scheduler tick (10 ms) by which that may lag.
  const { heldMs, starvedMs } = split([reading(1000, 0, 3), reading(1065, 4, 3)], 1005, 1065);
  assert.equal(starvedMs, 51);
  assert.equal(heldMs, 9);
});

test('a slice the thread spent asleep (it left its core: a synchronous wait) is the route\'s', { skip: linux }, () => {
  const { heldMs, starvedMs } = split([reading(1000, 0, 3), reading(1065, 4, 4)], 1005, 1065);
  assert.equal(starvedMs, 0);
  assert.equal(heldMs, 60);
});
