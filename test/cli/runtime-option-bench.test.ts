// `loopwise bench --runtime bun` as a user runs it: the app module loaded on Bun, or a URL served by
// `loopwise run --runtime bun`; the verdicts flag only the blocking route. Verdicts come from
// timings, so this file runs alone (scripts/run-tests.mjs); runtime-option.test.ts has the rest.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { EvidenceReport } from '../../src/evidence/types.js';
import { PINNED_BUN_VERSION, cliCommand, freePort, killAll, startCli, waitUntilServing } from '../support/cli-process.js';

after(killAll);

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const here = cliCommand();

test('bench --runtime bun: the app module loaded on Bun, the report says so, and its verdicts flag only the blocking route', async () => {
  const { stdout } = await promisify(execFile)(
    here[0]!,
    [...here.slice(1), 'bench', fixture('../../evidence/fixtures/bench-app.ts'), '--runtime', 'bun', '--route', 'GET /async', '--route', 'GET /blocking', '--duration', '1', '--concurrency', '2', '--json'],
    { timeout: 90_000 },
  );
  const report = JSON.parse(stdout) as EvidenceReport;
  assert.equal(report.machine.runtime, `Bun ${PINNED_BUN_VERSION}`);
  assert.deepEqual(report.runs.map((r) => [r.route, r.verdict]), [
    ['GET /async', 'ok'],
    ['GET /blocking', 'blocking'],
  ]);
});

test('bench of a URL served by `run --runtime bun`: the loop figures come from the Bun server\'s /metrics; only the blocking route is flagged', async () => {
  const port = await freePort();
  const server = startCli(['run', '--runtime', 'bun', join(root, 'examples/seed/app.ts'), '--host', '127.0.0.1', '--port', String(port), '--log-level', 'error'], {
    command: here,
    env: { SEED_DELAY_MS: '100' },
  });
  try {
    await waitUntilServing(port, server);
    const { stdout } = await promisify(execFile)(here[0]!, [...here.slice(1), 'bench', `http://127.0.0.1:${port}`, '--route', 'GET /async', '--route', 'GET /blocking', '--duration', '1', '--concurrency', '2', '--json'], { timeout: 90_000 });
    const report = JSON.parse(stdout) as EvidenceReport;
    assert.deepEqual(report.runs.map((r) => [r.route, r.verdict]), [
      ['GET /async', 'ok'],
      ['GET /blocking', 'blocking'],
    ]);
    assert.equal(report.runs[0]!.blockedMs, 0);
    assert.ok(report.runs[1]!.blockedMs! >= 500, JSON.stringify(report.runs[1]));
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited(15_000), 0, server.stderr());
  }
});
