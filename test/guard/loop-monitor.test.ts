// The loop monitor's figures mean the same on Node and Bun: delays include the 10 ms sampling
// resolution (Node's histogram does, Bun's records the excess only and gets it added), and
// utilization is measured (Bun's eventLoopUtilization() is a stub that always reads 0: there the
// thread's CPU time over wall time stands in), never a constant 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoopMonitor, type LoopSample } from '../../src/guard/loop-monitor.js';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Runs a monitor until it has taken `count` samples after `body` ran. */
async function sampled(body: () => Promise<void>): Promise<LoopSample[]> {
  const samples: LoopSample[] = [];
  const monitor = new LoopMonitor({ sampleInterval: 200, onSample: (sample) => samples.push(sample) });
  monitor.start();
  try {
    await body();
    const seen = samples.length;
    for (let waited = 0; samples.length === seen && waited < 5_000; waited += 20) await sleep(20);
    return samples;
  } finally {
    monitor.stop();
  }
}

test('an idle loop reads about the sampling resolution (10 ms), not ~0: the same meaning on both runtimes', async () => {
  const samples = await sampled(() => sleep(450));
  const idle = samples.at(-1)!;
  // ~10 ms where the resolution is included; ~0.1 ms where only the excess is.
  assert.ok(idle.delayP50Ms >= 5, JSON.stringify(samples));
});

test('a window in which the loop ran code has a utilization above 0, at most 1, and a delay past the stall', async () => {
  const samples = await sampled(async () => {
    await sleep(50);
    spin(120);
  });
  const busy = samples.find((sample) => sample.delayMaxMs >= 100);
  assert.ok(busy !== undefined, `no window saw the 120 ms stall: ${JSON.stringify(samples)}`);
  const utilization = Math.max(...samples.map((sample) => sample.utilization));
  assert.ok(utilization > 0 && utilization <= 1, JSON.stringify(samples));
});
