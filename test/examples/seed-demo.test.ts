// The README's first command (`npm run demo`) prints the async / offloaded / blocking evidence and
// writes the HTML report: run it for real, shortened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../../examples/seed/demo.ts', import.meta.url));

test('the demo flags /blocking and only it, with the loop guard\'s figures, and writes the report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-demo-'));
  try {
    const report = join(dir, 'report.html');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', demo], {
      env: { ...process.env, SEED_DELAY_MS: '300', SEED_DURATION: '2', SEED_REPORT: report },
      timeout: 60_000,
    });
    const row = (route: string) => stdout.split('\n').find((line) => line.startsWith(`GET ${route} `));
    assert.match(row('/async') ?? '', /\basync\b.*OK: non-blocking/, stdout);
    assert.match(row('/sync') ?? '', /\boffloaded\b.*OK: non-blocking/, stdout);
    assert.match(row('/blocking') ?? '', /\bblocking-inline\b.*BAD: blocks the event loop/, stdout);
    // The blocked column: the guard charged /blocking with about the run's worth of waits, the others with none.
    const blocked = (line: string) => Number(/(\d+) ms\s+(?:OK|BAD)/.exec(line)?.[1]);
    assert.equal(blocked(row('/async')!), 0);
    assert.equal(blocked(row('/sync')!), 0);
    assert.ok(blocked(row('/blocking')!) >= 1_200, `blocked ${blocked(row('/blocking')!)} ms`);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /^<!doctype html>/i);
    assert.ok((html.match(/<svg/g) ?? []).length >= 3, 'the report has its three charts');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
