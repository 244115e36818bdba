// `loopwise bench <app module>` as a user runs it: a separate process, the app module loaded by
// path, --json on stdout, --html written. It runs alone (its verdicts come from timings); what
// bench refuses, which times nothing, is in bench-usage.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { EvidenceReport } from '../../src/evidence/types.js';
import { tsImport } from '../support/runtime.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/loopwise.ts', import.meta.url));
const fixture = fileURLToPath(new URL('../evidence/fixtures/bench-app.ts', import.meta.url));
const realApp = fileURLToPath(new URL('../evidence/fixtures/real-app.ts', import.meta.url));
const bench = (args: string[]) => run(process.execPath, [...tsImport, cli, 'bench', ...args], { timeout: 60_000 });

test('a real app, as the table shows it: the protected route INCONCLUSIVE (401), the shedding one INCONCLUSIVE (shed), the skipped routes listed, within 120 columns', async () => {
  const { stdout } = await bench([realApp, '--amount', '40', '--concurrency', '2']);
  const lines = stdout.split('\n');
  for (const line of lines) assert.ok(line.length <= 120, `${line.length}: ${line}`);
  assert.match(stdout, /^route +pattern +req\/s +p50 \/ p95 \/ p99 ms +answers +loop max +blocked +verdict$/m);
  assert.match(stdout, /^GET \/public .* 200×40 .* OK$/m);
  assert.match(stdout, /^GET \/private .* 401×40 .* INCONCLUSIVE\n {4}100% 401 — pass --header 'Authorization: Bearer …' \(or --auth-token\)$/m);
  assert.match(stdout, /^GET \/shed .* shed×3\d 200×\d .* INCONCLUSIVE\n {4}9\d% 503 — the server shed load: lower --concurrency or raise its limits$/m);
  assert.match(stdout, /^Not loaded \(name a route with --route to load it\):$/m);
  for (const builtIn of ['/health', '/ready', '/metrics', '/openapi.json', '/docs', '/redoc']) assert.match(stdout, new RegExp(`^  GET ${builtIn.replace('.', '\\.')} +built-in`, 'm'));
  assert.match(stdout, /^ {2}GET \/events +server-sent events \(a stream that stays open\): load it anyway with --route 'GET \/events'$/m);
  assert.match(stdout, /^ {2}WS \/chat +WebSocket/m);
});

test('--header and --auth-token: the protected route answers 200 and is OK', async () => {
  for (const credentials of [['--header', 'Authorization: Bearer secret'], ['--auth-token', 'secret']]) {
    const { stdout } = await bench([realApp, '--route', 'GET /private', '--amount', '20', '--concurrency', '2', '--json', ...credentials]);
    const report = JSON.parse(stdout) as EvidenceReport;
    assert.deepEqual(report.runs.map((r) => [r.route, r.statuses, r.verdict]), [['GET /private', { 200: 20 }, 'ok']], credentials.join(' '));
  }
});

test('--json prints a valid report for the chosen routes, and --html writes the page; the verdict flags only the blocking route', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-cli-'));
  try {
    const html = join(dir, 'report.html');
    const { stdout } = await run(
      process.execPath,
      [...tsImport, cli, 'bench', fixture, '--route', 'GET /async', '--route', 'GET /blocking', '--duration', '1', '--concurrency', '2', '--json', '--html', html],
      { timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as EvidenceReport;
    assert.equal(report.target, fixture);
    assert.deepEqual(report.runs.map((r) => [r.route, r.concurrency, r.verdict]), [
      ['GET /async', 2, 'ok'],
      ['GET /blocking', 2, 'blocking'],
    ]);
    for (const r of report.runs) assert.ok(r.requests > 0 && r.requestsPerSecond > 0, JSON.stringify(r));
    assert.match(readFileSync(html, 'utf8'), /GET \/blocking/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a URL: a loopwise server in another process, loop figures from its /metrics; the verdict flags only the blocking route', async () => {
  const { startLogServer } = await import('../support/log-server.js');
  const seed = await startLogServer(fileURLToPath(new URL('../../examples/seed/serve.ts', import.meta.url)), { PORT: '0', LOG_LEVEL: 'error', SEED_DELAY_MS: '100' });
  try {
    const { stdout } = await run(
      process.execPath,
      [...tsImport, cli, 'bench', seed.base, '--route', 'GET /async', '--route', 'GET /blocking', '--duration', '1', '--concurrency', '2', '--json'],
      { timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as EvidenceReport;
    assert.deepEqual(report.runs.map((r) => [r.route, r.verdict]), [
      ['GET /async', 'ok'],
      ['GET /blocking', 'blocking'],
    ]);
    const blocking = report.runs[1]!;
    // Out of process, the client is not stalled with the server: one 100 ms wait at a time, seen as such.
    assert.ok(blocking.blockedMs! >= 500 && blocking.latencyMs.p50 >= 100, JSON.stringify(blocking));
    assert.equal(report.runs[0]!.blockedMs, 0);
  } finally {
    await seed.stop();
  }
});

test("an app that logs (the seed's default logger): its lines go to stderr, and --json on stdout is the report alone", async () => {
  const seedApp = fileURLToPath(new URL('../../examples/seed/app.ts', import.meta.url));
  const { stdout, stderr } = await run(
    process.execPath,
    [...tsImport, cli, 'bench', seedApp, '--route', 'GET /blocking', '--amount', '4', '--concurrency', '1', '--json'],
    { timeout: 60_000, env: { ...process.env, SEED_DELAY_MS: '100', LOG_LEVEL: 'info', LOOPWISE_LOG_STREAM: '' } },
  );
  const report = JSON.parse(stdout) as EvidenceReport;
  assert.deepEqual(report.runs.map((r) => r.route), ['GET /blocking']);
  // The guard's warnings are still there, on stderr.
  assert.match(stderr, /GET \/blocking blocked the event loop for \d+ ms/);
});
