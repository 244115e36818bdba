// The pool's default size: twice the cores, at least 4, at most 16 (docs/offload.md says why).
// Observed, not read from the code: a burst larger than the pool shows how many threads serve it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { app } from './fixtures/default-pool-app.js';
import { withTimeout } from '../support/with-timeout.js';

const expected = Math.min(16, Math.max(4, 2 * availableParallelism()));
const HOLD = 300;

after(() => withTimeout(app.close(), 10_000, 'close()'));

test(`an App without pool options runs ${expected} offloaded calls at once on ${availableParallelism()} cores, and queues the rest`, async () => {
  // Warm-up: every thread started and has loaded the module, so start-up does not blur the timing below.
  for (let round = 0; round < 3; round++) {
    await withTimeout(Promise.all(Array.from({ length: expected }, () => app.inject(`/hold?ms=${HOLD}`))), 20_000, 'warm-up');
  }
  // expected + 1 calls: the first `expected` run together, the last one waits for a free thread.
  const start = performance.now();
  const finished: number[] = [];
  const answers = await withTimeout(
    Promise.all(
      Array.from({ length: expected + 1 }, () =>
        app.inject(`/hold?ms=${HOLD}`).then((res) => {
          finished.push(performance.now() - start);
          return res;
        }),
      ),
    ),
    20_000,
    'burst',
  );
  for (const res of answers) assert.equal(res.statusCode, 200, res.body);
  const threads = new Set(answers.map((res) => res.json().threadId as number));
  assert.equal(threads.size, expected, `the burst was served by ${threads.size} threads`);
  finished.sort((a, b) => a - b);
  // The first `expected` finish after one hold; the extra one only after a second.
  assert.ok(finished[expected - 1]! < 2 * HOLD, `the ${expected}th call finished after ${finished[expected - 1]} ms: they did not run at once`);
  assert.ok(finished[expected]! >= 2 * HOLD - 20, `the extra call finished after ${finished[expected]} ms: it did not wait for a thread`);
});
