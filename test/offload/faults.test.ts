// Faults stay inside their own request. One app (fixtures/faults-app.ts) has a faulty route of
// every kind; each is fired over real sockets side by side with healthy requests, inline and
// offloaded, in flight at the same moment, and they must all succeed; after each, the pool must
// be back to full size and serving. Then all faults at once, then the process must be healthy.
//
// What the single-fault files already prove is not repeated here: the exact 500/HTTPException
// shapes on a worker (errors.test.ts), process.exit and uncaught errors in a worker next to healthy
// traffic (crash.test.ts), that a timed-out worker really stops (timeout.test.ts), stall attribution
// in detail (test/guard/attribution.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socketGet, type SocketResponse } from '../support/socket-get.js';
import { onBun, skipOnBun } from '../support/runtime.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 30_000;
const INTERNAL = '{"detail":"Internal Server Error"}';

const dir = mkdtempSync(join(tmpdir(), 'loopwise-faults-'));
const logFile = join(dir, 'log.ndjson');
writeFileSync(logFile, '');
process.env.LW_TEST_FAULTS_LOG = logFile;
const { app, BLOCK_MS, HANDLER_TIMEOUT, THREADS } = await import('./fixtures/faults-app.js');
const GATEWAY_TIMEOUT = JSON.stringify({ detail: `Gateway Timeout: the handler did not finish within ${HANDLER_TIMEOUT} ms` });

let port = 0;

before(async () => {
  ({ port } = await withTimeout(app.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()'));
  await poolAtFullSize();
});

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string): Promise<SocketResponse> {
  return socketGet(port, path, false, TIMEOUT);
}

interface LogLine {
  level: number;
  threadId: number;
  msg: string;
  route?: string;
  blockedMs?: number;
  err?: { message: string; stack: string };
}

function logLines(): LogLine[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/**
 * Until THREADS requests held at the same time are answered by THREADS different worker threads:
 * a thread that died was replaced (its replacement loads the app module, which takes a while on
 * a busy machine, so this polls, bounded). Returns the threads.
 */
async function poolAtFullSize(): Promise<Set<number>> {
  let threads = new Set<number>();
  for (let round = 0; round < 40 && threads.size < THREADS; round++) {
    const answers = await Promise.all(Array.from({ length: THREADS }, () => get('/offloaded/ok?ms=250')));
    threads = new Set();
    for (const res of answers) {
      assert.equal(res.status, 200, res.body);
      threads.add(JSON.parse(res.body).threadId);
    }
  }
  assert.equal(threads.size, THREADS, `the pool did not get back to ${THREADS} threads`);
  assert.ok(!threads.has(0), 'offloaded requests ran on the main thread');
  return threads;
}

/** Healthy traffic of both kinds, to fire at the same moment as a fault. */
function healthyTraffic(): Promise<SocketResponse>[] {
  return [
    ...Array.from({ length: 6 }, (_, i) => get(`/inline/ok?ms=${i * 15}`)),
    ...Array.from({ length: 4 }, () => get('/offloaded/ok?ms=20')),
    get('/health'),
  ];
}

function assertHealthy(answers: SocketResponse[], what: string): void {
  const [health, ...rest] = [answers.at(-1)!, ...answers.slice(0, -1)];
  assert.equal(health.status, 200, `${what}: /health ${health.body}`);
  for (const [i, res] of rest.entries()) {
    assert.equal(res.status, 200, `${what}: healthy request ${i} got ${res.status} ${res.body}`);
    const { ok, threadId } = JSON.parse(res.body);
    assert.equal(ok, true);
    // Inline answers come from the main thread, offloaded ones from a worker.
    if (i < 6) assert.equal(threadId, 0, what);
    else assert.notEqual(threadId, 0, what);
  }
}

/** Nothing of the handler's error reaches the client: no message, no stack. */
function assertNothingLeaks(res: SocketResponse): void {
  assert.doesNotMatch(res.body, /hunter2|\n\s+at |TypeError|BigInt|ERR_|memory/);
}

/** Fires the fault and healthy traffic together; checks the fault's answer and that all the healthy requests succeed. */
async function alongside(path: string, status: number, body: string | null): Promise<SocketResponse> {
  const faulty = get(path);
  const healthy = healthyTraffic();
  const res = await faulty;
  assert.equal(res.status, status, `${path}: ${res.body}`);
  if (body !== null) assert.equal(res.body, body, path);
  assertNothingLeaks(res);
  assertHealthy(await Promise.all(healthy), path);
  return res;
}

describe('an inline fault, with healthy requests in flight', () => {
  test('a handler that throws: 500 {"detail":"Internal Server Error"} without the stack, which is logged', async () => {
    await alongside('/inline/throws', 500, INTERNAL);
    const logged = logLines().filter((line) => line.route === 'GET /inline/throws' && line.level === 50);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!.err!.stack, /hunter2/);
  });

  test('a handler that rejects after an await: the same 500', async () => {
    await alongside('/inline/rejects', 500, INTERNAL);
  });

  test(`a handler that never settles: 504 at its ${HANDLER_TIMEOUT} ms timeout`, async () => {
    await alongside('/inline/hangs', 504, GATEWAY_TIMEOUT);
  });

  test(`a handler that blocks the loop ${BLOCK_MS} ms: the others wait but are answered, and the route is named`, async () => {
    await alongside('/inline/blocks', 200, JSON.stringify({ blocked: BLOCK_MS }));
    const named = logLines().filter((line) => line.route === 'GET /inline/blocks' && line.blockedMs !== undefined);
    assert.equal(named.length, 1, JSON.stringify(named));
    assert.ok(named[0]!.blockedMs! >= BLOCK_MS - 20, `blockedMs ${named[0]!.blockedMs}`);
  });

  test('an exception handler whose answer JSON cannot write: 500 for that request — it used to end the process', async () => {
    // It threw inside a promise callback: an unhandled rejection, which ends a Node process.
    await alongside('/inline/unwritable-error', 500, INTERNAL);
    const logged = logLines().filter((line) => line.route === 'GET /inline/unwritable-error' && line.level === 50);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!.err!.message, /BigInt/);
  });
});

describe('an offloaded fault that takes its worker down, with healthy requests in flight', () => {
  // Never unskipped on Bun: there the hoard grows without bound (4.4 GB in 22 s when it was tried).
  test('a handler that exhausts its worker heap (pool resourceLimits): 500, the worker is replaced', skipOnBun('worker resourceLimits are accepted and ignored, so nothing stops the heap'), async () => {
    const before = await poolAtFullSize();
    await alongside('/offloaded/oom', 500, INTERNAL);
    const logged = logLines().filter((line) => line.route === 'GET /offloaded/oom' && line.level === 50);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!.err!.message, /memory limit/);
    const after = await poolAtFullSize();
    assert.ok([...after].some((id) => !before.has(id)), 'no new worker thread serves');
  });

  test(`a handler that spins past its ${HANDLER_TIMEOUT} ms timeout: 504, the worker is terminated and replaced`, async () => {
    const before = await poolAtFullSize();
    await alongside('/offloaded/spins', 504, GATEWAY_TIMEOUT);
    const after = await poolAtFullSize();
    assert.ok([...after].some((id) => !before.has(id)), 'no new worker thread serves');
  });
});

describe('every fault at once', () => {
  test('each gets its own answer; all the healthy requests in flight succeed', async () => {
    await poolAtFullSize();
    const faults: [string, number, string][] = [
      ['/inline/throws', 500, INTERNAL],
      ['/inline/rejects', 500, INTERNAL],
      ['/inline/hangs', 504, GATEWAY_TIMEOUT],
      ['/inline/unwritable-error', 500, INTERNAL],
      // Not on Bun: no heap limit stops it there (see the skipped test above).
      ...(onBun ? [] : [['/offloaded/oom', 500, INTERNAL] as [string, number, string]]),
      ['/offloaded/spins', 504, GATEWAY_TIMEOUT],
      ['/offloaded/exit', 500, INTERNAL],
      ['/inline/blocks', 200, JSON.stringify({ blocked: BLOCK_MS })],
    ];
    const healthyBefore = healthyTraffic();
    const answers = faults.map(([path]) => get(path));
    const healthyAfter = healthyTraffic();
    for (const [i, res] of (await Promise.all(answers)).entries()) {
      const [path, status, body] = faults[i]!;
      assert.equal(res.status, status, `${path}: ${res.body}`);
      assert.equal(res.body, body, path);
      assertNothingLeaks(res);
    }
    assertHealthy(await Promise.all(healthyBefore), 'before the faults');
    assertHealthy(await Promise.all(healthyAfter), 'after the faults');
  });
});

describe('afterwards', () => {
  test('the process is healthy: /health, inline and offloaded requests answer, the pool is at full size', async () => {
    const threads = await poolAtFullSize();
    assert.equal(threads.size, THREADS);
    const health = await get('/health');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
    assertHealthy(await Promise.all(healthyTraffic()), 'at the end');
    // Every 500 was logged on the main thread naming its route; none was left unexplained.
    const errors = logLines().filter((line) => line.level === 50);
    assert.ok(errors.length >= 7, `${errors.length} errors logged`);
    for (const line of errors) assert.match(line.route ?? '', /^GET \/(inline|offloaded)\//, JSON.stringify(line));
  });
});
