// The README's first command (`npm run seed`) prints the async-vs-sync evidence: run it for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../../examples/seed/demo.ts', import.meta.url));

test('the seed demo prints /async and offloaded /sync as good and inline /blocking as blocked, with real timings', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', demo], {
    env: { ...process.env, SEED_DELAY_MS: '400', SEED_CONCURRENT: '3' },
    timeout: 30_000,
  });
  const asyncRow = stdout.split('\n').find((line) => line.startsWith('GET /async'));
  const syncRow = stdout.split('\n').find((line) => line.startsWith('GET /sync'));
  const blockingRow = stdout.split('\n').find((line) => line.startsWith('GET /blocking'));
  assert.ok(asyncRow?.includes('[OK] Good'), stdout);
  assert.ok(syncRow?.includes('[OK] Good'), stdout);
  assert.ok(blockingRow?.includes('[X] Bad'), stdout);
  const slowest = (row: string) => Number(/\s(\d+\.\d+) s\s+(\d+\.\d+) s/.exec(row)?.[2]);
  // Offloaded, the three waits of 0.4 s overlap on worker threads; inline they add up to 1.2 s.
  assert.ok(slowest(syncRow!) < 1.0, `slowest /sync request: ${slowest(syncRow!)} s`);
  assert.ok(slowest(blockingRow!) >= 1.15, `slowest /blocking request: ${slowest(blockingRow!)} s`);
});
