// Memory: a real server process (bench/apps/mixed.ts, run with --expose-gc) serves rounds of
// mixed keep-alive load (JSON, path parameters, a JSON body, 404, 422, an offloaded route, a
// dependency with cleanup and a background task, an event stream); after each round it runs a
// full GC and reports process.memoryUsage(). What the heap keeps after round 1 (warm JIT, grown
// pool, filled caches) must not grow by more than BOUND over the next rounds. A second run adds a
// route that leaks on purpose (a Map keyed by request) and shows that the same check catches it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { LEAK, MIX, runMixedLoad, type MixedLoadResult, type MixedRequest } from '../../bench/lib/mixed-load.js';
import { startAppProcess } from '../support/app-process.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';

const SERVER = fileURLToPath(new URL('../../bench/apps/mixed.ts', import.meta.url));
const MiB = 1024 * 1024;
/**
 * Growth allowed from round 1 to the last round, for the V8 heap and for memory outside it
 * (Buffers). Over the 2 × 15,000 requests after round 1 that is ~175 bytes a request: a leak that
 * keeps anything per request (a context object, a closure, a copy of the headers) on even one
 * request in ten goes over it.
 */
const BOUND = 5 * MiB;
const ROUNDS = 3;
/** A round may take a while on a loaded 2-core machine: generous. */
const ROUND_TIMEOUT = 60_000;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  dependencies: { opened: number; cleaned: number };
  backgroundRuns: number;
  leaked: number;
}

const mib = (bytes: number): string => (bytes / MiB).toFixed(2);

async function memory(port: number): Promise<Memory> {
  const res = await socketGet(port, '/__memory?gc=true', false, 10_000);
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body) as Memory;
}

interface Check {
  rounds: { load: MixedLoadResult; memory: Memory }[];
  heapGrowth: number;
  externalGrowth: number;
}

/** Warm-up, then ROUNDS rounds of `amount` requests of `mix`, each followed by a GC and a reading. */
async function checkMemory(mix: readonly MixedRequest[], amount: number, env: Record<string, string>): Promise<Check> {
  // THREADS: a fixed pool of 2 threads started with the server, so no thread starts (or stops
  // idle) during the rounds; on a cold default pool, requests can wait for a thread to start.
  const server = await startAppProcess(SERVER, { nodeArgs: ['--expose-gc'], env: { PORT: '0', THREADS: '2', ...env }, ready: /^ready (\d+)$/ });
  try {
    const url = `http://127.0.0.1:${server.port}`;
    // Warm-up, not measured: the JIT compiles the hot paths. Its answers are not checked; the rounds' are.
    await withTimeout(runMixedLoad(url, { amount: 1_000, connections: 10, mix }), ROUND_TIMEOUT, 'the warm-up');
    const rounds: Check['rounds'] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const load = await withTimeout(runMixedLoad(url, { amount, connections: 10, mix }), ROUND_TIMEOUT, `round ${round}`);
      assert.equal(load.errors, 0, `round ${round}: socket errors`);
      assert.equal(load.timeouts, 0, `round ${round}: timeouts`);
      assert.equal(load.wrong, 0, `round ${round}: wrong answers:\n${load.samples.join('\n')}`);
      assert.ok(load.responses >= amount, `round ${round}: ${load.responses} answers`);
      for (const request of mix) assert.ok(load.perRoute[request.name]! >= amount / mix.length - 10, `round ${round}: ${request.name} answered ${load.perRoute[request.name]} times`);
      rounds.push({ load, memory: await memory(server.port) });
    }
    const first = rounds[0]!.memory;
    const last = rounds.at(-1)!.memory;
    return { rounds, heapGrowth: last.heapUsed - first.heapUsed, externalGrowth: last.external - first.external };
  } finally {
    server.kill();
  }
}

function describe(check: Check): string {
  return check.rounds
    .map(({ load, memory }, i) =>
      `round ${i + 1}: ${load.responses} requests, ${Math.round(load.requestsPerSecond)} req/s, heapUsed ${mib(memory.heapUsed)} MiB, external ${mib(memory.external)} MiB, rss ${mib(memory.rss)} MiB`,
    )
    .join('; ');
}

test(`the heap does not grow under ${ROUNDS} rounds of 15,000 mixed requests (bound ${BOUND / MiB} MiB after round 1)`, async (t) => {
  const amount = 15_000;
  const check = await checkMemory(MIX, amount, {});
  t.diagnostic(describe(check));
  t.diagnostic(`growth after round 1: heapUsed ${mib(check.heapGrowth)} MiB, external ${mib(check.externalGrowth)} MiB (bound ${BOUND / MiB} MiB)`);
  assert.ok(check.heapGrowth < BOUND, `heapUsed grew ${mib(check.heapGrowth)} MiB from round 1 to round ${ROUNDS}: ${describe(check)}`);
  assert.ok(check.externalGrowth < BOUND, `external memory grew ${mib(check.externalGrowth)} MiB: ${describe(check)}`);
  // Every dependency scope was cleaned up and every background task ran: none is left pending.
  const last = check.rounds.at(-1)!.memory;
  assert.ok(last.dependencies.opened > 0);
  assert.equal(last.dependencies.cleaned, last.dependencies.opened);
  assert.equal(last.backgroundRuns, last.dependencies.opened);
});

test('the same check catches a leak: a route that keeps every request in a Map fails it', async (t) => {
  // Fewer requests, to keep the test short: the leak still keeps ~1,800 requests (~5 KB each)
  // between round 1 and round 3, about 1.7 times the bound.
  const amount = 8_000;
  const mix = [...MIX, LEAK];
  const check = await checkMemory(mix, amount, { LEAK: '1' });
  t.diagnostic(describe(check));
  t.diagnostic(`growth after round 1 with the leak: heapUsed ${mib(check.heapGrowth)} MiB (bound ${BOUND / MiB} MiB)`);
  const last = check.rounds.at(-1)!.memory;
  // The leaking route really was called and kept what it was given…
  assert.ok(last.leaked >= (ROUNDS * amount) / mix.length - 10, `leaked ${last.leaked}`);
  // …and the check that passes the app without it fails here.
  assert.ok(check.heapGrowth >= BOUND, `a leak of ${last.leaked} requests went unnoticed: heapUsed grew only ${mib(check.heapGrowth)} MiB`);
});
