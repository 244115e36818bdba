// The seed example's lesson, checked: async waits overlap, blocking waits queue up.
import { test } from 'node:test';
import assert from 'node:assert/strict';

const DELAY = 300;
process.env.SEED_DELAY_MS = String(DELAY);
const { app } = await import('../../examples/seed/app.js');

async function concurrently(url: string, count: number): Promise<{ wall: number; bodies: unknown[] }> {
  const start = performance.now();
  const responses = await Promise.all(Array.from({ length: count }, () => app.inject(url)));
  return { wall: performance.now() - start, bodies: responses.map((r) => r.json()) };
}

test('GET /async answers {"message":"done"} and three calls overlap in about one wait', async () => {
  const { wall, bodies } = await concurrently('/async', 3);
  assert.deepEqual(bodies, Array(3).fill({ message: 'done' }));
  assert.ok(wall >= DELAY, `took ${wall} ms, less than one wait`);
  assert.ok(wall < 3 * DELAY, `took ${wall} ms: the async waits did not overlap`);
});

test('GET /sync answers {"message":"done"} but three calls queue one behind another', async () => {
  const { wall, bodies } = await concurrently('/sync', 3);
  assert.deepEqual(bodies, Array(3).fill({ message: 'done' }));
  assert.ok(wall >= 3 * DELAY - 10, `took ${wall} ms: blocking waits should add up to three waits`);
});

test('GET /ping is answered at once', async () => {
  const res = await app.inject('/ping');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { pong: true });
});
