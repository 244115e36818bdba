// rateLimit() with its default, in-memory store: the limit, the IETF draft-6 headers on every
// counted answer, 429 with Retry-After past the limit, fixed windows that start again, keys from
// another dependency's value, one budget per limiter on a route, a Router or the App, and the
// store's bound on keys (a client rotating addresses cannot grow it).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPException, Router, dependency, rateLimit, type RateLimitInfo } from '../../src/index.js';
import { MemoryStore } from '../../src/ratelimit/memory-store.js';
import { request, serveApp, type HttpAnswer } from '../support/http.js';

const currentUser = dependency(({ headers }) => {
  const name = headers['x-user'];
  if (typeof name !== 'string') throw new HTTPException(401, 'Not authenticated');
  return { id: name };
});

const perIp = rateLimit({ windowMs: 60_000, max: 3 });
const perUser = rateLimit({ windowMs: 60_000, max: 2, deps: { user: currentUser }, key: ({ deps }) => deps.user.id });
const short = rateLimit({ windowMs: 400, max: 2, key: ({ headers }) => String(headers['x-client']) });
const appWide = rateLimit({ windowMs: 60_000, max: 1_000, key: ({ headers }) => String(headers['x-app-client'] ?? 'anyone') });
const routerWide = rateLimit({ windowMs: 60_000, max: 2, key: ({ headers }) => String(headers['x-client']) });
const nearer = rateLimit({ windowMs: 60_000, max: 5, key: ({ headers }) => String(headers['x-client']) });
const badKey = rateLimit({ windowMs: 60_000, max: 2, key: () => '' });

const app = new App({ logger: false, dependencies: [appWide] });
app.get('/ip', { dependencies: [perIp] }, () => ({ ok: true }));
app.get('/me', { deps: { rate: perUser, user: currentUser } }, ({ deps }) => ({ user: deps.user.id, remaining: deps.rate.remaining }));
app.get('/short', { dependencies: [short] }, () => ({ ok: true }));
app.get('/bad-key', { dependencies: [badKey] }, () => ({ ok: true }));
app.get('/nearer', { dependencies: [nearer] }, () => ({ ok: true }));
app.get('/free', () => ({ ok: true }));
const router = new Router({ prefix: '/r', dependencies: [routerWide] });
router.get('/a', () => 'a');
router.get('/b', () => 'b');
app.include(router);

const server = await serveApp(app);
after(() => server.close());
const get = (path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> => request(server.port, path, { headers });

describe('rateLimit() in memory', () => {
  test('per client address: max allowed with RateLimit-* headers, then 429 with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await get('/ip'));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 429, 429]);
    assert.deepEqual(answers.map((a) => a.headers['ratelimit-remaining']), ['2', '1', '0', '0', '0']);
    for (const answer of answers) {
      assert.equal(answer.headers['ratelimit-limit'], '3');
      assert.equal(answer.headers['ratelimit-policy'], '3;w=60');
      const reset = Number(answer.headers['ratelimit-reset']);
      assert.ok(reset >= 1 && reset <= 60, `RateLimit-Reset is the seconds left in the window: ${reset}`);
    }
    const refused = answers[3]!;
    assert.deepEqual(refused.json(), { detail: 'Too Many Requests' });
    assert.equal(refused.headers['retry-after'], refused.headers['ratelimit-reset']);
    assert.equal(answers[0]!.headers['retry-after'], undefined, 'Retry-After only on the 429');
  });

  test('with two limiters on a request, the headers tell of the nearer limit', async () => {
    const answer = await get('/nearer', { 'x-app-client': 'nearer', 'x-client': 'nearer' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['ratelimit-limit'], '5', 'the route\'s limit (5), not the App\'s (1,000)');
    assert.equal(answer.headers['ratelimit-remaining'], '4');
  });

  test('a route without a limiter of its own is not counted by it (but by the App-wide one)', async () => {
    const free = await get('/free');
    assert.equal(free.status, 200);
    assert.equal(free.headers['ratelimit-limit'], '1000', 'the App-wide limiter counts it');
  });

  test('key from another dependency: each user has a budget; the handler reads the count', async () => {
    const ada = [await get('/me', { 'x-user': 'ada' }), await get('/me', { 'x-user': 'ada' }), await get('/me', { 'x-user': 'ada' })];
    assert.deepEqual(ada.map((a) => a.status), [200, 200, 429]);
    assert.deepEqual(ada[0]!.json(), { user: 'ada', remaining: 1 });
    const bob = await get('/me', { 'x-user': 'bob' });
    assert.equal(bob.status, 200, 'another user has a budget of his own');
    assert.deepEqual(bob.json(), { user: 'bob', remaining: 1 });
    assert.equal((await get('/me')).status, 401, 'the dependency the key needs still answers first');
  });

  test('fixed windows: the count starts again when the window ends', async () => {
    const headers = { 'x-client': 'window' };
    assert.deepEqual([(await get('/short', headers)).status, (await get('/short', headers)).status, (await get('/short', headers)).status], [200, 200, 429]);
    // The window is 400 ms; waiting 3× that stays right on a busy machine (no upper bound is asserted).
    await sleep(1_200);
    const again = await get('/short', headers);
    assert.equal(again.status, 200);
    assert.equal(again.headers['ratelimit-remaining'], '1');
  });

  test('one limiter on a Router is one budget for all its routes; on the App, for every route', async () => {
    const headers = { 'x-client': 'router' };
    assert.deepEqual([(await get('/r/a', headers)).status, (await get('/r/b', headers)).status, (await get('/r/a', headers)).status], [200, 200, 429]);
    const before = Number((await get('/free', { 'x-app-client': 'counted' })).headers['ratelimit-remaining']);
    await get('/ip', { 'x-app-client': 'counted' });
    await get('/r/a', { 'x-app-client': 'counted', 'x-client': 'other' });
    const afterwards = Number((await get('/free', { 'x-app-client': 'counted' })).headers['ratelimit-remaining']);
    assert.equal(afterwards, before - 3, 'every route spends the App-wide budget');
  });

  test('a key function that returns no key is a 500 naming the mistake, not a crash', async () => {
    const answer = await get('/bad-key');
    assert.equal(answer.status, 500);
    assert.equal((await get('/free')).status, 200);
  });

  test('the value in deps is typed', () => {
    const check = (info: RateLimitInfo): number => info.limit + info.remaining + info.resetMs;
    assert.equal(typeof check, 'function');
  });
});

describe('the memory store is bounded', () => {
  test('10,000 rotating keys never hold more than maxKeys; expired windows go first', () => {
    let now = 0;
    const store = new MemoryStore(1_000, 500, () => now);
    for (let i = 0; i < 10_000; i++) {
      store.hit(`10.0.${i >> 8}.${i & 255}`);
      assert.ok(store.size <= 500);
      now += 1;
    }
    assert.equal(store.size, 500);
    now += 1_000;
    store.hit('late');
    assert.equal(store.size, 1, 'every expired window was dropped');
  });

  test('a live key keeps its count while other keys come and go within the bound', () => {
    let now = 0;
    const store = new MemoryStore(60_000, 3, () => now);
    store.hit('a');
    store.hit('a');
    now += 10;
    store.hit('b');
    store.hit('c');
    assert.deepEqual(store.hit('a'), { count: 3, resetMs: 60_000 - 10 });
    store.hit('d'); // full: the oldest window (a's) gives way
    assert.equal(store.size, 3);
    assert.equal(store.hit('a').count, 1);
  });

  test('maxKeys is checked', () => {
    assert.throws(() => rateLimit({ windowMs: 1_000, max: 1, maxKeys: 0 }), /maxKeys must be a whole number ≥ 1, not 0/);
  });
});

describe('option checks', () => {
  const cases: [string, unknown, RegExp][] = [
    ['windowMs 0', { windowMs: 0, max: 1 }, /^LW_ERR_INVALID_OPTION: rateLimit\(\) windowMs must be a whole number of milliseconds ≥ 1, not 0\.$/],
    ['windowMs missing', { max: 1 }, /windowMs must be a whole number of milliseconds ≥ 1, not undefined/],
    ['windowMs a string', { windowMs: '1m', max: 1 }, /windowMs must be .* not "1m"/],
    ['max negative', { windowMs: 1_000, max: -1 }, /^LW_ERR_INVALID_OPTION: rateLimit\(\) max must be a whole number of requests per window ≥ 1, not -1\.$/],
    ['max a fraction', { windowMs: 1_000, max: 1.5 }, /max must be a whole number/],
    ['key not a function', { windowMs: 1_000, max: 1, key: 'ip' }, /key must be a function/],
    ['store unknown', { windowMs: 1_000, max: 1, store: 'redis://127.0.0.1' }, /store must be 'memory' or redis\(url\)/],
    ['name with a colon', { windowMs: 1_000, max: 1, name: 'a:b' }, /name must be 1 to 64 letters/],
    ['onStoreDown unknown', { windowMs: 1_000, max: 1, onStoreDown: 'open' }, /onStoreDown must be 'refuse' \(answer 503\) or 'allow'/],
    ['timeoutMs 0', { windowMs: 1_000, max: 1, timeoutMs: 0 }, /timeoutMs must be a whole number of milliseconds ≥ 1/],
    ['not an object', undefined, /rateLimit\(\) takes an object/],
  ];
  for (const [what, options, message] of cases) {
    test(what, () => {
      assert.throws(() => rateLimit(options as never), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'LW_ERR_INVALID_OPTION');
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe('behind a proxy', () => {
  test("with trustProxy the default key is the client the proxy forwarded, not the proxy's address", async () => {
    const limited = new App({ logger: false, trustProxy: 'loopback' });
    limited.get('/x', { dependencies: [rateLimit({ windowMs: 60_000, max: 1 })] }, ({ ip }) => ({ ip }));
    const proxied = await serveApp(limited);
    try {
      const from = (ip: string) => request(proxied.port, '/x', { headers: { 'x-forwarded-for': ip } });
      const first = await from('203.0.113.1');
      assert.equal(first.status, 200);
      assert.deepEqual(first.json(), { ip: '203.0.113.1' });
      assert.equal((await from('203.0.113.2')).status, 200, 'another client has a budget of its own');
      assert.equal((await from('203.0.113.1')).status, 429);
    } finally {
      await proxied.close();
    }
  });
});
