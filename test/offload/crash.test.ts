// A worker that dies (process.exit, an uncaught exception) fails only its own request: the
// server stays up, other requests succeed meanwhile, and the pool replaces the thread.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socketGet, type SocketResponse } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;
const INTERNAL = { detail: 'Internal Server Error' };

const dir = mkdtempSync(join(tmpdir(), 'loopwise-offload-crash-'));
const logFile = join(dir, 'log.ndjson');
writeFileSync(logFile, '');
process.env.LW_TEST_OFFLOAD_LOG = logFile;
const { app } = await import('./fixtures/crash-app.js');

let port = 0;

before(async () => {
  ({ port } = await withTimeout(app.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()'));
});

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<SocketResponse> {
  return socketGet(port, path, false, TIMEOUT);
}

function logLines(): { level: number; threadId: number; msg: string; route?: string; err?: { message: string } }[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** Several rounds of requests to the healthy offloaded route, all answered 200 by a worker. */
async function assertPoolServes(rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const answers = await Promise.all([get('/healthy'), get('/healthy?hold=20'), get('/healthy')]);
    for (const res of answers) {
      assert.equal(res.status, 200, res.body);
      assert.notEqual(JSON.parse(res.body).threadId, 0);
    }
  }
}

for (const [path, what] of [
  ['/exit', 'calls process.exit(3)'],
  ['/throw-later', 'throws in a setTimeout, uncaught'],
] as const) {
  test(`a handler that ${what} gets 500 for its request only; concurrent requests succeed; the pool serves again`, async () => {
    await assertPoolServes(1);
    const crashing = get(path);
    const healthy = Array.from({ length: 6 }, (_, i) => get(`/healthy?hold=${i % 2 === 0 ? 30 : 0}`));
    const inline = Array.from({ length: 6 }, () => get('/inline'));

    const crashed = await crashing;
    assert.equal(crashed.status, 500);
    assert.deepEqual(JSON.parse(crashed.body), INTERNAL);
    assert.doesNotMatch(crashed.body, /hunter2|exit/);

    for (const res of await Promise.all(healthy)) {
      assert.equal(res.status, 200, res.body);
      assert.notEqual(JSON.parse(res.body).threadId, 0);
    }
    for (const res of await Promise.all(inline)) {
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { threadId: 0 });
    }

    await assertPoolServes(3);

    const errors = logLines().filter((line) => line.level === 50 && line.route === `GET ${path}`);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.msg, `Unhandled error in GET ${path}`);
  });
}

test('process.exit in a worker is logged on the main thread naming the route and the exit code', () => {
  const exits = logLines().filter((line) => line.route === 'GET /exit' && line.level === 50);
  assert.ok(exits.length >= 1);
  assert.equal(exits[0]!.threadId, 0);
  assert.match(exits[0]!.err!.message, /GET \/exit ended its worker thread \(worker exited with code: 3\)/);
});
