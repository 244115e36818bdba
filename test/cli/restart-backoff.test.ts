// The wait before the `--workers` primary replaces a worker that served and died: it doubles from
// 100 ms while workers keep dying, stops growing at 5 s, and starts over after a worker that lasted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_RESTART_DELAY_MS, MAX_RESTART_DELAY_MS, RestartBackoff, STABLE_UPTIME_MS } from '../../src/cli/restart-backoff.js';

test('doubles from 100 ms for workers that die soon after they start, up to 5 s', () => {
  const backoff = new RestartBackoff();
  const delays = Array.from({ length: 9 }, () => backoff.next(50));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  assert.equal(FIRST_RESTART_DELAY_MS, 100);
  assert.equal(MAX_RESTART_DELAY_MS, 5000);
});

test('starts over at 100 ms when the worker that died had served for 10 s or more', () => {
  const backoff = new RestartBackoff();
  for (let i = 0; i < 5; i++) backoff.next(STABLE_UPTIME_MS - 1);
  assert.equal(backoff.next(STABLE_UPTIME_MS - 1), 3200, 'a worker that lasted just under 10 s still counts as a quick death');
  assert.equal(backoff.next(STABLE_UPTIME_MS), 100);
  assert.equal(backoff.next(0), 200);
});
