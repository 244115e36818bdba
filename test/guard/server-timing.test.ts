// Server-Timing: the phases DevTools draws. The header must parse (RFC's `name;dur=ms` list),
// name the phases the route has, and its phases must add up to no more than the total.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/index.js';
import { app } from './fixtures/observed-app.js';

let base = '';
before(async () => {
  base = (await app.listen({ port: 0, handleSignals: false })).url;
});
after(() => app.close());

/** `parse;dur=0.1, total;dur=2` → Map { parse → 0.1, total → 2 }; throws on anything else. */
function parseServerTiming(header: string | null): Map<string, number> {
  assert.ok(header !== null, 'no Server-Timing header');
  const phases = new Map<string, number>();
  for (const entry of header.split(',')) {
    const match = /^\s*([A-Za-z][\w-]*);dur=(\d+(?:\.\d+)?)\s*$/.exec(entry);
    assert.ok(match !== null, `not a Server-Timing entry: ${JSON.stringify(entry)}`);
    assert.ok(!phases.has(match[1]!), `${match[1]} twice`);
    phases.set(match[1]!, Number(match[2]));
  }
  return phases;
}

/** The phases a route has: `wait` comes first only when the request was read just after a stall (another test's, or the machine's), so it is left out here. */
function routePhases(phases: Map<string, number>): string[] {
  return [...phases.keys()].filter((name) => name !== 'wait');
}

function assertAddsUp(phases: Map<string, number>): void {
  const total = phases.get('total');
  assert.ok(total !== undefined && total > 0, 'no total');
  const sum = [...phases].filter(([name]) => name !== 'total').reduce((acc, [, ms]) => acc + ms, 0);
  assert.ok(sum <= total + 0.01, `phases add up to ${sum} ms, more than the total ${total} ms`);
}

test('a body route reports parse, validate, handler and serialize, within the total', async () => {
  const res = await fetch(`${base}/items/7`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"pen"}' });
  assert.deepEqual(await res.json(), { id: 7, name: 'pen' });
  const phases = parseServerTiming(res.headers.get('server-timing'));
  assert.deepEqual(routePhases(phases), ['parse', 'validate', 'handler', 'serialize', 'total']);
  assertAddsUp(phases);
});

test('an offloaded route adds the time it waited for a worker thread (queue), and its handler time is the real one', async () => {
  const res = await fetch(`${base}/offloaded`);
  assert.equal(res.status, 200);
  const phases = parseServerTiming(res.headers.get('server-timing'));
  assert.deepEqual(routePhases(phases), ['queue', 'handler', 'serialize', 'total']);
  assert.ok(phases.get('handler')! >= 19, `handler ${phases.get('handler')} ms for a 20 ms wait`);
  assertAddsUp(phases);
});

test('a plain route reports its handler and serialize; a blocking one shows where its time went', async () => {
  const res = await fetch(`${base}/block?ms=60`);
  const phases = parseServerTiming(res.headers.get('server-timing'));
  assert.deepEqual(routePhases(phases), ['validate', 'handler', 'serialize', 'total']);
  assert.ok(phases.get('handler')! >= 59, `handler ${phases.get('handler')} ms for a 60 ms block`);
  assertAddsUp(phases);
});

test('off unless asked for, or NODE_ENV=development', async () => {
  const plain = new App({ logger: false });
  plain.get('/x', () => ({ ok: true }));
  assert.equal((await plain.inject('/x')).headers['server-timing'], undefined);

  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = 'development';
  try {
    const dev = new App({ logger: false, guard: { captureStacks: false } });
    dev.get('/x', () => ({ ok: true }));
    assertAddsUp(parseServerTiming(String((await dev.inject('/x')).headers['server-timing'])));
  } finally {
    process.env.NODE_ENV = saved;
  }
});
