// Cause 6 of issue 21: dependencies before the validation of the parts they do not need. FastAPI
// (fastapi/dependencies/utils.py solve_dependencies, checked against fastapi 0.142.2) solves each
// dependency in order — its own dependencies, then its own parameters: invalid ones are collected
// and the dependency is not called (nor any that depends on it); otherwise it is called, and what
// it raises is the answer — then the route's own parameters; the collected errors are one 422,
// each dependency's first, the route's own last. Generators that ran see the 422 at their yield.
// The app: docs_src/bigger_applications/app_an (test/conformance/fixtures/bigger-applications-app.ts),
// each route inline and offloaded (its dependencies run on the worker thread).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, dependency, t } from '../../src/index.js';
import { app, calls } from './fixtures/bigger-applications-app.js';
import { withTimeout } from '../support/with-timeout.js';

const missing = (loc: string[]) => ({ type: 'missing', loc, msg: 'Field required', input: null });
const INT_PARSING = 'Input should be a valid integer, unable to parse string as an integer';

before(async () => {
  // Starts the pool, whose worker imports the fixture module (slow on a busy machine).
  await withTimeout(app.listen({ port: 0, handleSignals: false }), 60_000, 'listen()');
});
after(() => app.close());

for (const prefix of ['', '/offloaded']) {
  const where = prefix === '' ? 'inline' : 'offloaded';
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url: `${prefix}${url}`, headers });
  const put = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'PUT', url: `${prefix}${url}`, headers });

  describe(`docs_src/bigger_applications, ${where} (tests/test_tutorial/test_bigger_applications/test_main_an.py)`, () => {
    // test_users_token_jessica: GET /users?token=jessica → 200 [{"username": "Rick"}, {"username": "Morty"}]
    test('a valid request → 200', async () => {
      const res = await get('/users/?token=jessica');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), [{ username: 'Rick' }, { username: 'Morty' }]);
    });

    // test_users_with_no_token: GET /users → 422 [missing query token]
    // test_users_token_monica_with_no_jessica: GET /users?token=monica → 400 {"detail": "No Jessica token provided"}
    test("the App's dependency: its own part missing → 422; called and raising → 400", async () => {
      const none = await withTimeout(get('/users/'), 60_000, 'first request');
      assert.equal(none.statusCode, 422);
      assert.deepEqual(none.json(), { detail: [missing(['query', 'token'])] });
      const monica = await get('/users/?token=monica');
      assert.equal(monica.statusCode, 400);
      assert.deepEqual(monica.json(), { detail: 'No Jessica token provided' });
    });

    // test_items_with_no_token_jessica: GET /items with the right X-Token, no token → 422 [missing query token]
    // test_items_with_missing_x_token_header: GET /items?token=jessica, no X-Token → 422 [missing header x-token]
    test('one dependency with a missing part, the other valid: the valid one runs, the answer is the 422', async () => {
      const noToken = await get('/items/plumbus', { 'x-token': 'fake-super-secret-token' });
      assert.equal(noToken.statusCode, 422);
      assert.deepEqual(noToken.json(), { detail: [missing(['query', 'token'])] });
      const noHeader = await get('/items/plumbus?token=jessica');
      assert.equal(noHeader.statusCode, 422);
      assert.deepEqual(noHeader.json(), { detail: [missing(['header', 'x-token'])] });
    });

    // test_put_invalid_header: PUT /items/foo with X-Token "invalid" and no token → 400 {"detail": "X-Token header invalid"}
    // (the router's dependency is called, its part being valid, and its 400 wins over the 422 for `token`)
    test("a dependency that raises wins over another dependency's 422", async () => {
      const res = await put('/items/foo', { 'x-token': 'invalid' });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { detail: 'X-Token header invalid' });
    });

    // test_items_bar_with_invalid_token: GET /items/bar?token=jessica with X-Token "invalid" → 400 {"detail": "X-Token header invalid"}
    test('both dependencies called, the second raises → 400', async () => {
      const res = await get('/items/bar?token=jessica', { 'x-token': 'invalid' });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { detail: 'X-Token header invalid' });
    });

    // test_put_no_header: PUT /items/foo, no token, no X-Token → 422 [missing query token, missing header x-token]
    // (the App's dependency first, then the router's: the order they are solved in)
    test("both dependencies' parts missing → one 422, in the order the dependencies are solved", async () => {
      const res = await put('/items/foo');
      assert.equal(res.statusCode, 422);
      assert.deepEqual(res.json(), { detail: [missing(['query', 'token']), missing(['header', 'x-token'])] });
    });

    // test_put: PUT /items/plumbus?token=jessica with the right X-Token → 200; test_put_forbidden: /items/bar → 403
    test('valid requests reach the handler: 200, and its own 403', async () => {
      const headers = { 'x-token': 'fake-super-secret-token' };
      const ok = await put('/items/plumbus?token=jessica', headers);
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json(), { item_id: 'plumbus', name: 'The great Plumbus' });
      const forbidden = await put('/items/bar?token=jessica', headers);
      assert.equal(forbidden.statusCode, 403);
      assert.deepEqual(forbidden.json(), { detail: 'You can only update the item: plumbus' });
    });

    // FastAPI (solve_dependencies, run against fastapi 0.142.2): GET /items/foo/page?q=abc&token=jessica
    // with X-Token "invalid" → 400 "X-Token header invalid" (the dependencies run although the route's
    // own `q` is invalid); with no X-Token → 422 [missing header x-token, int_parsing query q]: the
    // dependency's error before the route's own.
    test("the route's own invalid part does not stop its dependencies; its error comes after theirs", async () => {
      const invalidHeader = await get('/items/foo/page?q=abc&token=jessica', { 'x-token': 'invalid' });
      assert.equal(invalidHeader.statusCode, 400);
      assert.deepEqual(invalidHeader.json(), { detail: 'X-Token header invalid' });
      const noHeader = await get('/items/foo/page?q=abc&token=jessica');
      assert.equal(noHeader.statusCode, 422);
      assert.deepEqual(noHeader.json(), {
        detail: [missing(['header', 'x-token']), { type: 'int_parsing', loc: ['query', 'q'], msg: INT_PARSING, input: 'abc' }],
      });
    });
  });
}

test('inline: which dependencies are called for an invalid request (the main thread keeps its own record)', async () => {
  calls.length = 0;
  await app.inject({ method: 'PUT', url: '/items/foo', headers: { 'x-token': 'invalid' } });
  assert.deepEqual(calls, ['get_token_header'], 'get_query_token (its token missing) is not called');
  calls.length = 0;
  await app.inject({ url: '/items/foo/page?q=abc&token=jessica' });
  assert.deepEqual(calls, ['get_query_token'], 'get_token_header (its header missing) is not called; get_query_token is');
});

describe('sub-dependencies (FastAPI, solve_dependencies; run against fastapi 0.142.2)', () => {
  // FastAPI: a dependency whose own parameter is invalid is not called, nor one that depends on it;
  // the dependencies it uses are still solved (they come first), and a generator among them sees the
  // RequestValidationError at its yield. GET /chain/abc?n=1&q=2 → 422 [int_parsing path p], with
  // needs_n and outer called; GET /chain/1?n=x&q=2 → 422 [int_parsing query n], needs_n and outer not called.
  const events: string[] = [];
  const session = dependency(function* session() {
    events.push('session');
    try {
      yield 'db';
    } catch (error) {
      events.push(`session saw ${(error as Error).name}`);
      throw error;
    }
  });
  const needsN = dependency({ query: t.Object({ n: t.Integer() }), deps: { db: session } }, function needsN({ query }) {
    events.push(`needs_n ${typeof query.n}`);
    return query.n;
  });
  const outer = dependency({ deps: { n: needsN } }, function outer({ deps }) {
    events.push('outer');
    return deps.n;
  });
  const chain = new App({ logger: false });
  chain.get('/chain/:p', { params: t.Object({ p: t.Integer() }), query: t.Object({ q: t.Integer() }), deps: { o: outer } }, () => 'never');
  after(() => chain.close());

  test("the route's own part invalid: every dependency runs (coerced values), the generator sees the 422", async () => {
    events.length = 0;
    const res = await chain.inject('/chain/abc?n=1&q=2');
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'int_parsing', loc: ['path', 'p'], msg: INT_PARSING, input: 'abc' }] });
    assert.deepEqual(events, ['session', 'needs_n number', 'outer', 'session saw RequestValidationError']);
  });

  test("a dependency's own part invalid: it and its dependents are skipped, what it uses still runs", async () => {
    events.length = 0;
    const res = await chain.inject('/chain/1?n=x&q=2');
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'int_parsing', loc: ['query', 'n'], msg: INT_PARSING, input: 'x' }] });
    assert.deepEqual(events, ['session', 'session saw RequestValidationError']);
  });

  test("the dependency's error comes before the route's own, whatever the part", async () => {
    const res = await chain.inject('/chain/abc');
    assert.deepEqual(
      res.json().detail.map((issue: { loc: string[] }) => issue.loc),
      [
        ['query', 'n'],
        ['path', 'p'],
        ['query', 'q'],
      ],
    );
  });

  // FastAPI decodes the JSON body before solving any dependency: a body that is not JSON is a 422
  // `json_invalid` and no dependency runs.
  test('a body that is not JSON: 422 before any dependency runs', async () => {
    const app2 = new App({ logger: false });
    let ran = 0;
    const counted = dependency(() => {
      ran += 1;
    });
    app2.post('/items', { body: t.Object({ name: t.String() }), dependencies: [counted] }, () => 'never');
    const res = await app2.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'application/json' }, body: '{bad' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().detail[0].type, 'json_invalid');
    assert.equal(ran, 0);
    await app2.close();
  });
});
