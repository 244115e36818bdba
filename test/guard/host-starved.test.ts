// A busy host must not be blamed on a route. The server runs at nice 15 pinned to one core, and a
// CPU-bound process at nice 0 is pinned to the same core: the server's event loop then stands still
// for tens to hundreds of ms at a time, runnable but without a CPU. Loading a trivial route then,
// the guard reports "host starved" and names no route; a route that really holds the loop (on the
// CPU, or asleep in Atomics.wait) is still named, on the same starved host.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLogServer, type LogServer } from '../support/log-server.js';

const guardApp = fileURLToPath(new URL('./fixtures/guard-app.ts', import.meta.url));
const THRESHOLD = 50; // the default: a trivial route must not be blamed as apps run
const skip = process.platform === 'linux' ? false : 'starving one core needs Linux (taskset, and the run queue in /proc/thread-self/schedstat)';

let server: LogServer;
let hog: ChildProcess | null = null;

before(async () => {
  if (skip !== false) return;
  server = await startLogServer(
    guardApp,
    // Shedding off: a starved loop can stand still past maxLoopDelay, and this test wants answers.
    { GUARD_BLOCK_THRESHOLD: String(THRESHOLD), GUARD_MAX_LOOP_DELAY: '0' },
    { wrap: ['taskset', '-c', '0', 'nice', '-n', '15'] },
  );
  // Started once the server is up: starting under a hog is slow at nice 15.
  hog = spawn('taskset', ['-c', '0', process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' });
  // Idle for a second first: the guard's beats see the host starving it and start watching the
  // process's other threads too (docs/loop-guard.md#host-starved). The first stall of a starving
  // episode, before that, may still be a route's slice waiting for its own starved GC helpers.
  await sleep(1_000);
});

after(async () => {
  if (hog !== null && hog.exitCode === null) {
    hog.kill('SIGKILL');
    await once(hog, 'exit');
  }
  await server?.stop();
});

const warnings = () => server.lines.filter((line) => line.level >= 40);

test('a trivial route loaded on a starved host: "host starved" is reported, and no route is blamed', { skip }, async () => {
  const deadline = Date.now() + 4_000;
  let answered = 0;
  // Two clients in bounded loops; each request waits for the starved server.
  await Promise.all(
    [0, 1].map(async () => {
      while (Date.now() < deadline) {
        const res = await fetch(`${server.base}/json`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        answered++;
      }
    }),
  );
  assert.ok(answered > 0);
  const starved = await server.waitFor((line) => line.level === 40 && typeof line.msg === 'string' && line.msg.startsWith('host starved'), 2_000);
  assert.ok(starved !== null, `no "host starved" line after ${answered} requests: ${JSON.stringify(warnings())}`);
  assert.ok(starved.hostStarvedMs >= THRESHOLD, JSON.stringify(starved));
  assert.match(starved.msg, /No route is blamed/);
  // No route named, no suspects, no stall "outside any request": the stalls were the host's.
  assert.deepEqual(
    warnings().filter((line) => line.route !== undefined || line.suspects !== undefined || line.where !== undefined),
    [],
  );
  const metrics = await (await fetch(`${server.base}/metrics`)).text();
  const seconds = Number(/^loopwise_host_starved_seconds_total (\S+)$/m.exec(metrics)?.[1]);
  assert.ok(seconds * 1000 >= THRESHOLD, `host_starved_seconds_total ${seconds}`);
  assert.doesNotMatch(metrics, /^loopwise_event_loop_blocked_seconds_total\{/m);
});

// Before the busy loop below: its hot loop gets compiled on a V8 helper thread, starved too, and
// a synchronous wait while the process's own threads wait for a core can be counted as the host's
// (docs/loop-guard.md#host-starved).
test('on the same starved host, a route asleep in Atomics.wait (a synchronous wait, no CPU) is still named', { skip }, async () => {
  // The load above leaves V8's helper threads with work (garbage collection, compiling), starved
  // too: a wait while they wait for a core could be taken for a join on them. Let them finish.
  await sleep(1_500);
  const res = await fetch(`${server.base}/block?ms=300`);
  assert.equal(res.status, 200);
  const warning = await server.waitFor((line) => line.route === 'GET /block' && line.blockedMs !== undefined, 5_000);
  assert.ok(warning !== null, `GET /block was not named: ${JSON.stringify(warnings())}`);
  // Named, with its time split: V8 wakes a thread in Atomics.wait now and then (interrupts), and on a
  // starved host each wake-up waits for a core, which the guard counts as the host's. Together they are the wait.
  assert.ok(warning.blockedMs >= THRESHOLD, JSON.stringify(warning));
  assert.ok(warning.blockedMs + (warning.hostStarvedMs ?? 0) >= 290, JSON.stringify(warning));
});

test('on the same starved host, a route that holds the CPU is still named', { skip }, async () => {
  const res = await fetch(`${server.base}/spin?ms=${THRESHOLD * 2}`);
  assert.equal(res.status, 200);
  const warning = await server.waitFor((line) => line.route === 'GET /spin' && line.blockedMs !== undefined, 5_000);
  assert.ok(warning !== null, `GET /spin was not named: ${JSON.stringify(warnings())}`);
  // Named means it held the thread past the threshold; its CPU time (counted process-wide by the
  // route, helper threads included) less up to a beat period is what the guard can prove.
  assert.ok(warning.blockedMs >= THRESHOLD, JSON.stringify(warning));
});
