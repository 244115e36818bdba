// Offloaded routes: the handler runs on a worker thread, with the request the main thread parsed
// and validated, and its response (status, headers, cookies, filtered body) reaches the client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { app, countedHere } from './fixtures/routes-app.js';
import { app as offloadEverything } from './fixtures/app-offload-app.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;
const JSON_TYPE = 'application/json; charset=utf-8';

before(async () => {
  // Starts the pool (its first worker imports the fixture module) before the tests run.
  await withTimeout(app.inject('/where'), TIMEOUT, 'first offloaded request');
});

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()');
  await withTimeout(offloadEverything.close(), TIMEOUT, 'close()');
});

describe('offload: true', () => {
  test('runs the handler on a worker thread; an inline route runs on the main thread', async () => {
    assert.equal(threadId, 0);
    const offloaded = await app.inject('/where');
    assert.equal(offloaded.statusCode, 200);
    assert.equal(offloaded.headers['content-type'], JSON_TYPE);
    assert.notEqual(offloaded.json().threadId, 0);
    assert.equal(typeof offloaded.json().threadId, 'number');

    const inline = await app.inject('/inline/where');
    assert.deepEqual(inline.json(), { threadId: 0 });
  });

  test('params, query, headers, cookies and body arrive validated and coerced, as inline', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/items/42?tag=a&tag=b&flag=true',
      headers: { 'x-count': '7', cookie: 'session=s1; visits=3', 'x-other': 'not declared' },
      body: { name: 'lamp', price: 9.5 },
    });
    assert.equal(res.statusCode, 200, res.body);
    const got = res.json();
    assert.notEqual(got.threadId, 0);
    assert.deepEqual(got.params, { id: 42 });
    assert.deepEqual(got.query, { tag: ['a', 'b'], flag: true, limit: 10 });
    assert.deepEqual(got.headers, { 'x-count': 7 }); // only the declared headers, coerced
    assert.deepEqual(got.cookies, { session: 's1', visits: 3 });
    assert.deepEqual(got.body, { name: 'lamp', price: 9.5 });
    assert.deepEqual(got.types, { id: 'number', limit: 'number', count: 'number', visits: 'number', price: 'number' });
  });

  test('a form body is coerced on the main thread and arrives typed', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/items/1?tag=x',
      headers: { 'x-count': '1', cookie: 'session=s', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=chair&price=12',
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().body, { name: 'chair', price: 12 });
    assert.equal(res.json().types.price, 'number');
  });

  test('an invalid request gets 422 in FastAPI shape, every part at once', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/items/abc?tag=a&limit=many',
      headers: { 'x-count': 'x' },
      body: { name: 'lamp', price: -1 },
    });
    assert.equal(res.statusCode, 422);
    assert.equal(res.headers['content-type'], JSON_TYPE);
    const locs = res.json().detail.map((issue: { loc: unknown[] }) => issue.loc);
    assert.deepEqual(locs, [['path', 'id'], ['query', 'limit'], ['header', 'x-count'], ['cookie', 'session'], ['body', 'price']]);
    assert.equal(res.json().detail[0].type, 'int_parsing');
    assert.equal(res.json().detail[0].input, 'abc');
  });

  test('422 is answered on the main thread, without waiting for a worker', async () => {
    // Both workers (threads: 2) are held for 0.5 s: a request that needed one would queue behind them.
    const settled: string[] = [];
    const blockers = [1, 2].map((n) =>
      app.inject('/where?hold=500').then((res) => {
        settled.push(`blocker ${n}`);
        return res;
      }),
    );
    const invalid = await withTimeout(app.inject({ method: 'POST', url: '/items/abc', body: {} }), TIMEOUT, 'invalid request');
    settled.push('422');
    assert.equal(invalid.statusCode, 422);
    const done = await withTimeout(Promise.all(blockers), TIMEOUT, 'blockers');
    assert.deepEqual(
      done.map((res) => res.statusCode),
      [200, 200],
    );
    assert.equal(settled[0], '422', `order: ${settled.join(', ')}`);
  });

  test('status, headers and cookies set on the reply in the worker reach the client', async () => {
    const res = await app.inject('/reply');
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['content-type'], JSON_TYPE);
    assert.equal(res.headers['cache-control'], 'no-store');
    const worker = res.json().threadId;
    assert.notEqual(worker, 0);
    assert.equal(res.headers['x-worker'], String(worker));
    assert.deepEqual(res.headers['set-cookie'], ['session=abc; Path=/; HttpOnly; SameSite=Lax', 'theme=dark; Path=/; SameSite=Lax']);
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)));

    const status = await app.inject('/reply/status');
    assert.equal(status.statusCode, 202);
    assert.equal(status.headers['x-accepted'], 'yes');
    assert.deepEqual(status.json(), { accepted: true });
  });

  test('an HttpResponse from the worker (text, bytes, no content) is written as built', async () => {
    const textRes = await app.inject('/text');
    assert.equal(textRes.statusCode, 200);
    assert.equal(textRes.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(textRes.headers['x-kind'], 'text');
    assert.equal(textRes.body, 'héllo from a worker');
    assert.equal(textRes.headers['content-length'], String(Buffer.byteLength('héllo from a worker')));

    const bytes = await app.inject('/bytes');
    assert.equal(bytes.statusCode, 200);
    assert.equal(bytes.headers['content-type'], 'application/octet-stream');
    assert.equal(bytes.headers['content-length'], '4');
    assert.deepEqual([...Buffer.from(bytes.body, 'latin1')], [0, 1, 2, 127]); // inject decodes bodies as UTF-8: ASCII bytes only

    const empty = await app.inject('/empty');
    assert.equal(empty.statusCode, 204);
    assert.equal(empty.body, '');
  });

  test('the response schema filters what the worker returns', async () => {
    const res = await app.inject('/users/7');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: 7, name: 'ada' });
    assert.doesNotMatch(res.body, /hunter2|threadId/);
  });

  test('HEAD on an offloaded GET answers with the GET status and headers and no body', async () => {
    const get = await app.inject('/users/7');
    const head = await app.inject({ method: 'HEAD', url: '/users/7' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-type'], JSON_TYPE);
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(get.body)));

    const headReply = await app.inject({ method: 'HEAD', url: '/reply' });
    assert.equal(headReply.statusCode, 201);
    assert.equal(headReply.body, '');
    assert.notEqual(headReply.headers['x-worker'], '0');
    assert.equal(headReply.headers['set-cookie']?.length, 2);

    const invalid = await app.inject({ method: 'HEAD', url: '/users/abc' });
    assert.equal(invalid.statusCode, 422);
    assert.equal(invalid.body, '');
  });

  test('`request` in the worker has the method, url, http version and headers', async () => {
    const res = await app.inject({ url: '/request?x=1&y=%20', headers: { 'user-agent': 'loopwise-test', 'x-custom': 'yes' } });
    assert.equal(res.statusCode, 200);
    const got = res.json();
    assert.notEqual(got.threadId, 0);
    assert.deepEqual(
      { method: got.method, url: got.url, httpVersion: got.httpVersion, userAgent: got.userAgent, custom: got.custom },
      { method: 'GET', url: '/request?x=1&y=%20', httpVersion: '1.1', userAgent: 'loopwise-test', custom: 'yes' },
    );

    const head = await app.inject({ method: 'HEAD', url: '/request' });
    assert.equal(head.statusCode, 200);
  });

  test('module state is per worker: each thread counts its own requests, the main thread none', async () => {
    const counts = new Map<number, number[]>();
    let sent = 0;
    // Held requests four at a time, so both workers take some; bounded rounds until both have answered.
    for (let round = 0; round < 10 && counts.size < 2; round++) {
      const answers = await withTimeout(Promise.all([0, 1, 2, 3].map(() => app.inject('/count?hold=60'))), TIMEOUT, `round ${round}`);
      sent += answers.length;
      for (const res of answers) {
        assert.equal(res.statusCode, 200);
        const { threadId: worker, count } = res.json() as { threadId: number; count: number };
        counts.set(worker, [...(counts.get(worker) ?? []), count]);
      }
    }
    assert.equal(counts.size, 2, `threads seen: ${[...counts.keys()].join(', ')}`);
    assert.ok(!counts.has(0));
    // Only this test calls /count: each thread's counter went 1, 2, 3… on its own (a shared one
    // would have handed out 1…sent once, over both threads).
    for (const [worker, seen] of counts) {
      const sorted = [...seen].sort((a, b) => a - b);
      assert.deepEqual(sorted, Array.from({ length: seen.length }, (_, i) => i + 1), `thread ${worker}: ${seen.join(', ')}`);
    }
    assert.equal([...counts.values()].reduce((sum, seen) => sum + seen.length, 0), sent);
    assert.equal(countedHere(), 0);
  });
});

describe('offload on a Router and on the App', () => {
  test("a Router's offload: true offloads its routes, and a route's own offload: false wins", async () => {
    const offloaded = await app.inject('/router/default');
    assert.equal(offloaded.statusCode, 200);
    assert.notEqual(offloaded.json().threadId, 0);
    const inline = await app.inject('/router/inline');
    assert.equal(inline.statusCode, 200);
    assert.equal(inline.json().threadId, 0);
  });

  test("the App's offload: true offloads every route, including included routers', unless one says offload: false", async () => {
    const all = await withTimeout(offloadEverything.inject('/default'), TIMEOUT, 'GET /default');
    assert.equal(all.statusCode, 200);
    assert.notEqual(all.json().threadId, 0);
    const routed = await offloadEverything.inject('/router/default');
    assert.notEqual(routed.json().threadId, 0);
    const inline = await offloadEverything.inject('/inline');
    assert.equal(inline.json().threadId, 0);
  });
});
