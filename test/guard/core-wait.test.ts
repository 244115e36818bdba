// The gauge that splits a stall into the code's part and the host's, on real threads: a
// synchronous wait is never excused as the host's; a thread that shares its core with a
// CPU-bound process is seen waiting for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { coreWaitGauge, estimatingGauge, type CoreWaitGauge } from '../../src/guard/core-wait.js';
import { threadClock } from '../../src/thread-clock.js';

function syncWait(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

function measure(gauge: CoreWaitGauge, work: () => void): { wall: number; cpu: number; waited: number } {
  const from = gauge.read();
  work();
  const to = gauge.read();
  return { wall: to.at - from.at, cpu: (to.cpuNs - from.cpuNs) / 1e6, waited: gauge.waitedMs(from, to) };
}

const linux = process.platform === 'linux' ? false : 'the run queue is read from Linux /proc/thread-self/schedstat';

test('on Linux the gauge reads the run queue: exact', { skip: linux }, () => {
  const gauge = coreWaitGauge();
  try {
    assert.equal(gauge.exact, true);
  } finally {
    gauge.close();
  }
});

for (const [name, make] of [
  ['exact (schedstat)', () => coreWaitGauge()],
  ['estimating (context switches)', () => estimatingGauge(threadClock())],
  ['estimating, process CPU time only', () => estimatingGauge(null)],
] as const) {
  test(`${name}: 150 ms asleep in Atomics.wait is the code's, never the host's`, () => {
    const gauge = make();
    try {
      const { wall, waited } = measure(gauge, () => syncWait(150));
      assert.ok(wall >= 149, `wall ${wall}`);
      // Waking up may wait for a core on a busy machine, but never for most of the sleep.
      assert.ok(waited < 50, `waited ${waited} of ${wall} ms`);
    } finally {
      gauge.close();
    }
  });

  test(`${name}: never more than the time off the CPU`, () => {
    const gauge = make();
    try {
      const { wall, cpu, waited } = measure(gauge, () => spin(100));
      assert.ok(waited >= 0 && waited <= wall, `waited ${waited} of ${wall} ms`);
      if (gauge.exact) assert.ok(waited <= wall - cpu + 2, `waited ${waited}, off the CPU ${wall - cpu} ms`);
    } finally {
      gauge.close();
    }
  });
}

test('a thread sharing its core with a CPU-bound process is seen waiting for it (exact gauge)', { skip: linux }, async () => {
  const core = String(availableParallelism() - 1);
  const all = `0-${availableParallelism() - 1}`;
  // Only this thread (the main thread's id is the pid) moves to the hog's core; the hog is killed after.
  const hog = spawn('taskset', ['-c', core, process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' });
  execFileSync('taskset', ['-p', '-c', core, String(process.pid)], { stdio: 'ignore' });
  const gauge = coreWaitGauge();
  try {
    await new Promise((resolve) => setTimeout(resolve, 100)); // the hog is running
    const { wall, cpu, waited } = measure(gauge, () => spin(400));
    // Two CPU-bound tasks on one core share it: about half the wall time is spent waiting.
    assert.ok(waited >= wall * 0.2, `waited ${waited} of ${wall} ms (CPU ${cpu} ms)`);
    assert.ok(waited + cpu <= wall * 1.05 + 5, `waited ${waited} + CPU ${cpu} > wall ${wall}`);
  } finally {
    gauge.close();
    execFileSync('taskset', ['-p', '-c', all, String(process.pid)], { stdio: 'ignore' });
    hog.kill('SIGKILL');
    await once(hog, 'exit');
  }
});

test('a thread asleep in Atomics.wait leaves its core: no time is unseen (exact gauge)', { skip: linux }, () => {
  const gauge = coreWaitGauge();
  try {
    const from = gauge.read();
    syncWait(60);
    const to = gauge.read();
    assert.ok(to.slices !== null && from.slices !== null && to.slices > from.slices, `slices ${from.slices} → ${to.slices}`);
    assert.equal(gauge.unseenMs(from, to), 0);
  } finally {
    gauge.close();
  }
});

test('unseen time: the wall time a thread that never left its core did not run or wait (stolen by the hypervisor)', { skip: linux }, () => {
  const gauge = coreWaitGauge();
  const reading = (at: number, cpuMs: number, runQueueMs: number, slices: number | null) =>
    ({ at, cpuNs: cpuMs * 1e6, runQueueNs: runQueueMs * 1e6, slices, voluntary: 0, involuntary: 0, siblings: null });
  try {
    // 60 ms on the wall clock, 5 on the CPU, never off the core: 55 ms were taken from under it,
    // less a scheduler tick (10 ms) by which the CPU time of a running thread may lag.
    assert.equal(gauge.unseenMs(reading(1000, 0, 0, 7), reading(1060, 5, 0, 7)), 45);
    assert.equal(gauge.unseenMs(reading(1000, 0, 0, 7), reading(1012, 5, 0, 7)), 0);
    // The same, put on a core once in between (it slept, or was preempted and waited): nothing is unseen.
    assert.equal(gauge.unseenMs(reading(1000, 0, 0, 7), reading(1060, 5, 0, 8)), 0);
    // Never more than the wall time, never less than 0.
    assert.equal(gauge.unseenMs(reading(1000, 0, 0, 7), reading(1060, 70, 0, 7)), 0);
    assert.equal(gauge.unseenMs(reading(1000, 0, 0, null), reading(1060, 5, 0, null)), 0);
  } finally {
    gauge.close();
  }
  const estimating = estimatingGauge(null);
  assert.equal(estimating.unseenMs(reading(1000, 0, 0, 7), reading(1060, 5, 0, 7)), 0);
  estimating.close();
});

test('a thread busy on its core for 60 ms: nothing is unseen, however late its CPU time (exact gauge)', { skip: linux }, () => {
  const gauge = coreWaitGauge();
  try {
    const from = gauge.read();
    spin(60);
    const to = gauge.read();
    assert.ok(gauge.unseenMs(from, to) < 5, `unseen ${gauge.unseenMs(from, to)} ms of ${to.at - from.at} (CPU ${(to.cpuNs - from.cpuNs) / 1e6} ms)`);
  } finally {
    gauge.close();
  }
});
