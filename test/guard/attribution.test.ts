// Stall attribution: a handler that holds the event loop is named in one warning, with how long
// it held it and what to do; async handlers are never named. Servers run in their own process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLogServer, type LogServer } from '../support/log-server.js';

const seedServe = fileURLToPath(new URL('../../examples/seed/serve.ts', import.meta.url));
const guardApp = fileURLToPath(new URL('./fixtures/guard-app.ts', import.meta.url));
const DELAY = 300;

const stallWarnings = (server: LogServer, route: string) => server.lines.filter((line) => line.level === 40 && line.route === route && line.blockedMs !== undefined);

let seed: LogServer;
let guarded: LogServer;
before(async () => {
  [seed, guarded] = await Promise.all([
    startLogServer(seedServe, { PORT: '0', LOG_LEVEL: 'info', SEED_DELAY_MS: String(DELAY) }),
    startLogServer(guardApp, { GUARD_SAMPLE_INTERVAL: '100' }),
  ]);
});
after(() => Promise.all([seed?.stop(), guarded?.stop()]));

test("the seed's GET /blocking is named in exactly one warning, with about the time it blocked", async () => {
  const res = await fetch(`${seed.base}/blocking`);
  assert.equal(res.status, 200);
  await res.text();
  const warning = await seed.waitFor((line) => line.route === 'GET /blocking' && line.blockedMs !== undefined, 2_000);
  assert.ok(warning !== null, 'no stall warning for GET /blocking');
  // Several loop-guard windows pass: none may add a second warning for the same stall.
  await sleep(1_200);
  const warnings = stallWarnings(seed, 'GET /blocking');
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.ok(warnings[0]!.blockedMs >= DELAY - 5 && warnings[0]!.blockedMs < DELAY + 100, `blockedMs ${warnings[0]!.blockedMs}`);
  assert.match(warnings[0]!.msg, /^GET \/blocking blocked the event loop for \d+ ms .*offload: true/);
  // Nothing else was reported as a stall, by attribution or by the window's own reading.
  assert.deepEqual(seed.lines.filter((line) => line.level >= 40 && line.route !== 'GET /blocking'), []);
});

test('an async route that waits as long is never named', async () => {
  const answers = await Promise.all([0, 1, 2].map(() => fetch(`${seed.base}/async`).then((res) => res.status)));
  assert.deepEqual(answers, [200, 200, 200]);
  await sleep(1_200);
  assert.deepEqual(stallWarnings(seed, 'GET /async'), []);
});

test('a route that blocks after an await is named at its first stall, when its request was the only one in flight', async () => {
  const res = await fetch(`${guarded.base}/block-after-await?ms=${DELAY}`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const warning = await guarded.waitFor((line) => line.route === 'GET /block-after-await' && line.blockedMs !== undefined, 3_000);
  assert.ok(warning !== null, `the stall after an await was not named: ${JSON.stringify(guarded.lines.filter((l) => l.level >= 40))}`);
  assert.equal(warning.where, 'after an await');
  assert.equal(warning.evidence, 'the only route with a request in flight');
  // At least the time it blocked, less one heartbeat period; the upper bound is loose, a busy CI machine preempts the wait.
  assert.ok(warning.blockedMs >= DELAY - 25 && warning.blockedMs < DELAY + 700, `blockedMs ${warning.blockedMs}`);
  assert.match(warning.msg, /^GET \/block-after-await blocked the event loop for \d+ ms \(after an await; the only route with a request in flight\)/);

  // A stall in a handler's first slice is reported once: by the slice's timer, not again by the heartbeat.
  const sync = await fetch(`${guarded.base}/block?ms=${DELAY}`);
  assert.equal(sync.status, 200);
  await guarded.waitFor((line) => line.route === 'GET /block' && line.blockedMs !== undefined, 3_000);
  await sleep(300);
  // On failure, every warning so far.
  assert.equal(stallWarnings(guarded, 'GET /block').length, 1, JSON.stringify(guarded.lines.filter((l) => l.level >= 40)));
  assert.equal(stallWarnings(guarded, 'GET /block-after-await').length, 1, JSON.stringify(guarded.lines.filter((l) => l.level >= 40)));
});

test('with two routes in flight the first stall after an await names both as suspects and turns tracing on; the next is named exactly', async () => {
  const before = guarded.lines.length;
  // GET /slow waits (never blocks) across the stall, so it is a suspect too.
  const slow = fetch(`${guarded.base}/slow?ms=${DELAY * 3}`);
  await sleep(50);
  const first = await fetch(`${guarded.base}/block-after-await?ms=${DELAY}`);
  await first.arrayBuffer();
  await (await slow).arrayBuffer();
  const suspects = await guarded.waitFor((line) => guarded.lines.indexOf(line) >= before && Array.isArray(line.suspects), 3_000);
  assert.ok(suspects !== null, `no suspects line: ${JSON.stringify(guarded.lines.slice(before))}`);
  assert.deepEqual([...suspects.suspects].sort(), ['GET /block-after-await', 'GET /slow']);
  assert.match(suspects.msg, /timing async callbacks/);
  const namedBefore = stallWarnings(guarded, 'GET /block-after-await').length;

  // Tracing is on from that moment: the next stall is named by the traced callback itself, with /slow in flight again.
  const slowAgain = fetch(`${guarded.base}/slow?ms=${DELAY * 3}`);
  await sleep(50);
  const second = await fetch(`${guarded.base}/block-after-await?ms=${DELAY}`);
  await second.arrayBuffer();
  await (await slowAgain).arrayBuffer();
  const named = await guarded.waitFor((line) => line.route === 'GET /block-after-await' && line.evidence === 'traced', 3_000);
  assert.ok(named !== null, `not named by tracing: ${JSON.stringify(guarded.lines.slice(before))}`);
  assert.equal(named.where, 'after an await');
  await sleep(300);
  assert.equal(stallWarnings(guarded, 'GET /block-after-await').length, namedBefore + 1, JSON.stringify(guarded.lines.slice(before)));
  assert.deepEqual(stallWarnings(guarded, 'GET /slow'), []);
});

test('in development the warning also says where: the file and line of the blocking call, taken while it blocked', async () => {
  const dev = await startLogServer(guardApp, { NODE_ENV: 'development' });
  try {
    // The watchdog thread starts with listen(); give it a moment to be watching.
    await sleep(300);
    const res = await fetch(`${dev.base}/block?ms=${DELAY}`);
    assert.equal(res.status, 200);
    const warning = await dev.waitFor((line) => line.route === 'GET /block' && line.blockedMs !== undefined, 3_000);
    assert.ok(warning !== null, 'no stall warning for GET /block');
    // guard-app.ts line 7 is the Atomics.wait inside blockingWait().
    assert.match(warning.at, /test\/guard\/fixtures\/guard-app\.ts:7 \(blockingWait\)$/);
    assert.ok(warning.msg.includes(`at ${warning.at}`), warning.msg);
    assert.equal(stallWarnings(dev, 'GET /block').length, 1);
  } finally {
    await dev.stop();
  }
});
