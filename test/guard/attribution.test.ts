// Stall attribution: a handler that holds the event loop is named in one warning, with how long
// it held it and what to do; async handlers are never named. Servers run in their own process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLogServer, type LogServer } from '../support/log-server.js';
import { onBun } from '../support/runtime.js';

const seedServe = fileURLToPath(new URL('../../examples/seed/serve.ts', import.meta.url));
const guardApp = fileURLToPath(new URL('./fixtures/guard-app.ts', import.meta.url));
const DELAY = 300;

const stallWarnings = (server: LogServer, route: string) => server.lines.filter((line) => line.level === 40 && line.route === route && line.blockedMs !== undefined);

let seed: LogServer;
let guarded: LogServer;
before(async () => {
  [seed, guarded] = await Promise.all([
    startLogServer(seedServe, { PORT: '0', LOG_LEVEL: 'info', SEED_DELAY_MS: String(DELAY) }),
    // Never sheds: on a loaded host a stall's wall time can pass maxLoopDelay, and the next request here must be served.
    startLogServer(guardApp, { GUARD_SAMPLE_INTERVAL: '100', GUARD_MAX_LOOP_DELAY: '0' }),
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
  // The wait is the code's; time the thread then spent waiting for a core (a loaded host) is the host's,
  // reported beside it: together they are the wait, and the host's part is at most a few scheduler slices.
  const { blockedMs, hostStarvedMs = 0 } = warnings[0]!;
  assert.ok(blockedMs >= DELAY - 50 && blockedMs + hostStarvedMs >= DELAY - 5 && blockedMs < DELAY + 100, JSON.stringify(warnings[0]));
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

// These routes hold the CPU for DELAY ms of their thread's CPU time (/spin-after-await, /spin):
// their stalls are the code's on a loaded host too. A route asleep in Atomics.wait is not a fit
// here: while it sleeps and the process's helper threads wait for a core, the guard takes the
// stall for a garbage-collection join (the host's, by design), and on a busy machine the route
// was not named at all (the host-starved line standing in for it had been said already).
test('a route that blocks after an await: its first stall names it as the only route in flight and turns tracing on; the next is named exactly', async () => {
  const before = guarded.lines.length;
  const first = await fetch(`${guarded.base}/spin-after-await?ms=${DELAY}`);
  assert.equal(first.status, 200);
  await first.arrayBuffer();
  const suspected = await guarded.waitFor((line) => guarded.lines.indexOf(line) >= before && Array.isArray(line.suspects), 3_000);
  assert.ok(suspected !== null, `no warning for the first stall: ${JSON.stringify(guarded.lines.slice(before))}`);
  assert.deepEqual(suspected.suspects, ['GET /spin-after-await']);
  assert.equal(suspected.where, 'after an await');
  // At least its CPU time, less one heartbeat period (the heartbeat's gap is the stall); the upper bound is loose.
  assert.ok(suspected.blockedMs >= DELAY - 25 && suspected.blockedMs < DELAY + 700, `blockedMs ${suspected.blockedMs}`);
  if (onBun) {
    // Bun: no async_hooks for promises and timers, so no tracing; the suspect is all the guard can say.
    assert.match(suspected.msg, /after an await, while only GET \/spin-after-await had a request in flight: most likely its code; on Bun the guard cannot time async callbacks/);
  } else {
    assert.match(suspected.msg, /after an await, while only GET \/spin-after-await had a request in flight: most likely its code; timing async callbacks/);
  }
  // Not yet charged to the route (metrics, bench): a suspect is not a proof.
  assert.deepEqual(stallWarnings(guarded, 'GET /spin-after-await'), []);

  // Tracing went on at that stall, synchronously: the next request's callbacks are timed from its start.
  const second = await fetch(`${guarded.base}/spin-after-await?ms=${DELAY}`);
  await second.arrayBuffer();
  if (!onBun) {
    const named = await guarded.waitFor((line) => line.route === 'GET /spin-after-await' && line.blockedMs !== undefined, 3_000);
    assert.ok(named !== null, `the second stall was not named: ${JSON.stringify(guarded.lines.slice(before))}`);
    assert.equal(named.where, 'after an await');
    assert.equal(named.evidence, 'traced');
    // The host's share is read from a beat at most a period before the slice (as for the first stall): the
    // code's part is at least its CPU time less that period, and with the host's part it is the whole slice.
    assert.ok(named.blockedMs >= DELAY - 25 && named.blockedMs < DELAY + 700, `blockedMs ${named.blockedMs}`);
    assert.ok(named.blockedMs + (named.hostStarvedMs ?? 0) >= DELAY - 5, JSON.stringify(named));
  }

  // With tracing on, a stall in a handler's first slice is reported once: by the slice's timer, not again by the tracer or the heartbeat.
  const sync = await fetch(`${guarded.base}/spin?ms=${DELAY}`);
  assert.equal(sync.status, 200);
  await guarded.waitFor((line) => line.route === 'GET /spin' && line.blockedMs !== undefined, 3_000);
  await sleep(300);
  const warned = JSON.stringify(guarded.lines.slice(before).filter((l) => l.level >= 40));
  assert.equal(stallWarnings(guarded, 'GET /spin').length, 1, warned);
  // On Bun the second stall is suspected again, not named: that line is held back (at most one a minute).
  assert.equal(stallWarnings(guarded, 'GET /spin-after-await').length, onBun ? 0 : 1, warned);
  assert.equal(guarded.lines.slice(before).filter((l) => Array.isArray(l.suspects)).length, 1, warned);
});

test('with two routes in flight, the first stall after an await names both as suspects', async () => {
  // A server of its own: tracing is off at its start (the test above left it on in the shared one).
  const server = await startLogServer(guardApp, { GUARD_MAX_LOOP_DELAY: '0' });
  try {
    // GET /slow waits (never blocks) across the stall, so it is a suspect too.
    const slow = fetch(`${server.base}/slow?ms=${DELAY * 3}`);
    await sleep(50);
    const blocked = await fetch(`${server.base}/spin-after-await?ms=${DELAY}`);
    await blocked.arrayBuffer();
    await (await slow).arrayBuffer();
    const suspects = await server.waitFor((line) => Array.isArray(line.suspects), 3_000);
    assert.ok(suspects !== null, `no suspects line: ${JSON.stringify(server.lines)}`);
    assert.deepEqual([...suspects.suspects].sort(), ['GET /slow', 'GET /spin-after-await']);
    assert.match(suspects.msg, /while requests to GET \/(slow|spin-after-await) and GET \/(slow|spin-after-await) were in flight; (timing async callbacks|on Bun the guard cannot time)/);
    assert.deepEqual(server.lines.filter((line) => line.route !== undefined && line.blockedMs !== undefined), []);
  } finally {
    await server.stop();
  }
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
    if (onBun) {
      // Bun's inspector has no Debugger domain: the route is named without a line, and the guard said so once, at start.
      assert.equal(warning.at, undefined);
      assert.equal(dev.lines.filter((line) => /on Bun the blocking code’s file:line cannot be taken/.test(line.msg)).length, 1);
    } else {
      const waitLine = readFileSync(guardApp, 'utf8').split('\n').findIndex((line) => line.includes('Atomics.wait(')) + 1;
      assert.match(warning.at, new RegExp(`test/guard/fixtures/guard-app\\.ts:${waitLine} \\(blockingWait\\)$`));
      assert.ok(warning.msg.includes(`at ${warning.at}`), warning.msg);
    }
    assert.equal(stallWarnings(dev, 'GET /block').length, 1);
  } finally {
    await dev.stop();
  }
});
