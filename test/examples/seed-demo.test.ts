// The README's first command (`npm run seed`) prints the async-vs-sync evidence: run it for real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../../examples/seed/demo.ts', import.meta.url));

test('the seed demo prints /async as good and /sync as blocked, with real timings', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', demo], {
    env: { ...process.env, SEED_DELAY_MS: '400', SEED_CONCURRENT: '3' },
    timeout: 30_000,
  });
  const asyncRow = stdout.split('\n').find((line) => line.startsWith('GET /async'));
  const syncRow = stdout.split('\n').find((line) => line.startsWith('GET /sync'));
  assert.ok(asyncRow?.includes('[OK] Good'), stdout);
  assert.ok(syncRow?.includes('[X] Bad'), stdout);
  // Three blocking waits of 0.4 s add up; the slowest /sync request waited at least 1.2 s.
  const slowest = Number(/\s(\d+\.\d+) s\s+(\d+\.\d+) s/.exec(syncRow!)?.[2]);
  assert.ok(slowest >= 1.15, `slowest /sync request: ${slowest} s`);
});
