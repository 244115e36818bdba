// The pool sizes itself by what its calls do (src/offload/pool-sizer.ts): calls that wait
// without using a core get a thread each, calls that compute get the cores, and a memory budget
// caps the threads. Observed through real worker threads, not read from the code.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import type { App, InjectResponse } from '../../src/index.js';
import { budget, cold, computes, waits } from './fixtures/pool-sizing-apps.js';
import { withTimeout } from '../support/with-timeout.js';

const cores = availableParallelism();

after(() => withTimeout(Promise.all([waits, computes, budget, cold].map((app) => app.close())), 20_000, 'close()'));

interface Span {
  threadId: number;
  start: number;
  end: number;
}

async function burst(app: App, path: string, count: number): Promise<Span[]> {
  const answers: InjectResponse[] = await withTimeout(Promise.all(Array.from({ length: count }, () => app.inject(path))), 60_000, `${count} × ${path}`);
  for (const res of answers) assert.equal(res.statusCode, 200, res.body);
  return answers.map((res) => res.json() as Span);
}

/** The most calls that ran at the same moment. */
function mostAtOnce(spans: Span[]): number {
  const edges = spans.flatMap((span) => [[span.start, 1] as const, [span.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (open += step));
  return most;
}

test(`calls that wait get a thread each: 16 blocking waits run at once on ${cores} cores`, async () => {
  // Bursts until the threads the pool started for them are up (a thread run from src/ loads tsx
  // and ~100 modules: on a busy machine, seconds), bounded: then one burst runs at once.
  let most = 0;
  let spans: Span[] = [];
  const until = performance.now() + 60_000;
  while (most < 16 && performance.now() < until) {
    spans = await burst(waits, '/hold?ms=300', 16);
    most = mostAtOnce(spans);
  }
  assert.equal(most, 16, `at most ${most} of 16 ran at once`);
  assert.equal(new Set(spans.map((span) => span.threadId)).size, 16, 'each ran on a thread of its own');
});

test(`calls that compute are held at the cores (${cores}): more threads would only add memory and switching`, async () => {
  for (let round = 0; round < 2; round++) {
    const spans = await burst(computes, '/spin?ms=150', 4 * cores);
    assert.ok(mostAtOnce(spans) <= cores, `round ${round + 1}: ${mostAtOnce(spans)} computing calls ran at once on ${cores} cores`);
    assert.ok(new Set(spans.map((span) => span.threadId)).size <= cores, 'no thread was started past the cores');
  }
});

test('a memory budget caps the threads: calls queue past it, and every one is answered', async () => {
  await burst(budget, '/hold?ms=100', 6); // teaches the pool that its calls wait
  const spans = await burst(budget, '/hold?ms=200', 6);
  assert.ok(mostAtOnce(spans) <= 2, `${mostAtOnce(spans)} ran at once within a budget for two threads`);
  assert.ok(new Set(spans.map((span) => span.threadId)).size <= 2, 'no thread was started past the budget');
});

test('a cold pool under a burst answers every call: a thread still starting does not count against maxQueueWait', async () => {
  // minThreads 1: one thread is warm after the first call; the burst needs many more, and starting
  // them (each loads the app module) takes longer than the 1 s deadline on a busy machine.
  await burst(cold, '/hold?ms=1', 1);
  const spans = await burst(cold, '/hold?ms=100', 24);
  assert.equal(spans.length, 24);
});
