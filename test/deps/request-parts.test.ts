// A dependency's own request parts (`query`, `headers`, `cookies`): validated together with the
// route's (one 422 listing every problem, in FastAPI's shape and order), coerced before they reach the
// dependency, listed as the operation's parameters in the OpenAPI document; they never take the
// handler's (or another dependency's) view of Node's headers; conflicting declarations stop startup.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError, dependency, t } from '../../src/index.js';

const INT_PARSING = 'Input should be a valid integer, unable to parse string as an integer';

const pagination = dependency(
  {
    query: t.Object({ limit: t.Integer({ maximum: 100 }), offset: t.Integer({ default: 0 }) }),
    headers: t.Object({ 'x-tenant': t.String() }),
    cookies: t.Object({ session: t.String(), visits: t.Optional(t.Integer()) }),
  },
  function pagination({ query, headers, cookies }) {
    return {
      limit: query.limit,
      offset: query.offset,
      tenant: headers['x-tenant'],
      session: cookies.session,
      visits: cookies.visits,
      types: { limit: typeof query.limit, offset: typeof query.offset, visits: typeof cookies.visits },
    };
  },
);

function shop(): App {
  const app = new App({ logger: false });
  app.get(
    '/shops/:id/items',
    { params: t.Object({ id: t.Integer() }), query: t.Object({ q: t.String() }), deps: { page: pagination } },
    ({ params, query, deps }) => ({ id: params.id, q: query.q, page: deps.page }),
  );
  return app;
}

describe('validation', () => {
  // FastAPI's order (solve_dependencies): each dependency's errors first, the route's own last.
  test("one 422 lists the route's and the dependency's problems together, in FastAPI's shape and order", async () => {
    const res = await shop().inject({ url: '/shops/abc/items?limit=lots', cookies: { visits: 'many' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_parsing', loc: ['query', 'limit'], msg: INT_PARSING, input: 'lots' },
        { type: 'missing', loc: ['header', 'x-tenant'], msg: 'Field required', input: null },
        { type: 'missing', loc: ['cookie', 'session'], msg: 'Field required', input: null },
        { type: 'int_parsing', loc: ['cookie', 'visits'], msg: INT_PARSING, input: 'many' },
        { type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: 'abc' },
        { type: 'missing', loc: ['query', 'q'], msg: 'Field required', input: null },
      ],
    });
  });

  test("the dependency's constraints apply, and the dependency does not run for an invalid request", async () => {
    let runs = 0;
    const counted = dependency({ query: t.Object({ n: t.Integer({ minimum: 1 }) }) }, ({ query }) => {
      runs += 1;
      return query.n;
    });
    const app = new App({ logger: false });
    app.get('/n', { deps: { n: counted } }, ({ deps }) => deps.n); // the route declares no part of its own
    const res = await app.inject('/n?n=0');
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json().detail, [
      { type: 'greater_than_equal', loc: ['query', 'n'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } }, // the client's string, as FastAPI reports it
    ]);
    assert.equal(runs, 0);
    assert.equal((await app.inject('/n?n=4')).json(), 4);
    assert.equal(runs, 1);
  });

  test('the coerced values (and defaults) reach the dependency', async () => {
    const res = await shop().inject({
      url: '/shops/7/items?q=lamp&limit=20',
      headers: { 'x-tenant': 'acme' },
      cookies: { session: 's1', visits: '3' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      id: 7,
      q: 'lamp',
      page: { limit: 20, offset: 0, tenant: 'acme', session: 's1', visits: 3, types: { limit: 'number', offset: 'number', visits: 'number' } },
    });
  });

  test("a nested dependency's parts are validated and documented too", async () => {
    const apiVersion = dependency({ headers: t.Object({ 'x-api-version': t.Integer() }) }, ({ headers }) => headers['x-api-version']);
    const client = dependency({ deps: { apiVersion } }, ({ deps }) => ({ version: deps.apiVersion }));
    const app = new App({ logger: false });
    app.get('/c', { deps: { client } }, ({ deps }) => deps.client);
    const bad = await app.inject({ url: '/c', headers: { 'x-api-version': 'two' } });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().detail, [{ type: 'int_parsing', loc: ['header', 'x-api-version'], msg: INT_PARSING, input: 'two' }]);
    assert.deepEqual((await app.inject({ url: '/c', headers: { 'x-api-version': '2' } })).json(), { version: 2 });
    assert.deepEqual(app.openapi().paths['/c']!.get!.parameters, [{ name: 'x-api-version', in: 'header', required: true, schema: { type: 'integer' } }]);
  });
});

describe('OpenAPI', () => {
  test("the dependency's parts are the operation's parameters, with the route's own", () => {
    const operation = shop().openapi().paths['/shops/{id}/items']!.get!;
    assert.deepEqual(operation.parameters, [
      { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
      { name: 'q', in: 'query', required: true, schema: { type: 'string' } },
      { name: 'limit', in: 'query', required: true, schema: { type: 'integer', maximum: 100 } },
      { name: 'offset', in: 'query', required: false, schema: { type: 'integer', default: 0 } },
      { name: 'x-tenant', in: 'header', required: true, schema: { type: 'string' } },
      { name: 'session', in: 'cookie', required: true, schema: { type: 'string' } },
      { name: 'visits', in: 'cookie', required: false, schema: { type: 'integer' } },
    ]);
  });

  test("a Router's or App's dependencies document their parts on every route they run for", () => {
    const apiKey = dependency({ query: t.Object({ key: t.String() }) }, () => undefined);
    const app = new App({ logger: false, dependencies: [apiKey] });
    app.get('/a', () => 'a');
    app.post('/b', { query: t.Object({ dry: t.Optional(t.Boolean()) }) }, () => 'b');
    const doc = app.openapi();
    assert.deepEqual(doc.paths['/a']!.get!.parameters, [{ name: 'key', in: 'query', required: true, schema: { type: 'string' } }]);
    assert.deepEqual(doc.paths['/b']!.post!.parameters, [
      { name: 'dry', in: 'query', required: false, schema: { type: 'boolean' } },
      { name: 'key', in: 'query', required: true, schema: { type: 'string' } },
    ]);
  });
});

describe('headers', () => {
  test("a dependency's header does not replace the handler's headers: a route that declares none sees all of Node's", async () => {
    const app = new App({ logger: false });
    app.get('/h', { deps: { page: pagination } }, ({ headers, deps }) => ({ other: headers['x-other'], agent: headers['user-agent'], tenant: deps.page.tenant }));
    const res = await app.inject({ url: '/h?limit=1', headers: { 'x-tenant': 'acme', 'x-other': 'kept', 'user-agent': 'probe' }, cookies: { session: 's' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { other: 'kept', agent: 'probe', tenant: 'acme' });
  });

  test('a route that declares headers sees its declared (coerced) headers, and its dependency sees its own', async () => {
    const version = dependency({ headers: t.Object({ 'x-version': t.Integer() }) }, ({ headers }) => headers['x-version']);
    const app = new App({ logger: false });
    app.get('/d', { headers: t.Object({ 'x-count': t.Integer() }), deps: { version } }, ({ headers, deps }) => ({
      count: headers['x-count'],
      undeclared: (headers as Record<string, unknown>)['x-other'] ?? null,
      version: deps.version,
    }));
    const res = await app.inject({ url: '/d', headers: { 'x-count': '2', 'x-version': '3', 'x-other': 'dropped' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { count: 2, undeclared: null, version: 3 });
  });

  test("a dependency that declares no headers sees all of Node's headers, even when another dependency declares some", async () => {
    const tenant = dependency({ headers: t.Object({ 'x-tenant': t.String() }) }, ({ headers }) => headers['x-tenant']);
    // Typed IncomingHttpHeaders: it must get Node's headers, not the other dependency's validated subset.
    const agent = dependency(({ headers }) => ({ agent: headers['user-agent'] ?? null, other: headers['x-other'] ?? null }));
    const app = new App({ logger: false });
    app.get('/both', { deps: { tenant, agent } }, ({ deps }) => deps);
    const res = await app.inject({ url: '/both', headers: { 'x-tenant': 'acme', 'user-agent': 'probe', 'x-other': 'o' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { tenant: 'acme', agent: { agent: 'probe', other: 'o' } });
  });
});

describe('conflicting declarations', () => {
  function startupError(app: App): LoopwiseError {
    try {
      app.ready();
    } catch (error) {
      assert.ok(error instanceof LoopwiseError, String(error));
      return error;
    }
    assert.fail('ready() should have thrown');
  }

  test('the same query name with another schema in the route and a dependency stops startup, naming both', async () => {
    const pager = dependency({ query: t.Object({ limit: t.Integer() }) }, function pager({ query }) {
      return query.limit;
    });
    const app = new App({ logger: false });
    app.get('/items', { query: t.Object({ limit: t.String() }), deps: { pager } }, () => null);
    const error = startupError(app);
    assert.equal(error.code, 'LW_ERR_INVALID_DEPENDENCY');
    assert.equal(
      error.message,
      'LW_ERR_INVALID_DEPENDENCY: query "limit" of GET /items is declared twice with different schemas (one by dependency pager); declare it once.',
    );
    await assert.rejects(app.inject('/items'), (e: LoopwiseError) => e.code === 'LW_ERR_INVALID_DEPENDENCY');
    await assert.rejects(app.listen({ port: 0, handleSignals: false }), (e: LoopwiseError) => e.code === 'LW_ERR_INVALID_DEPENDENCY');
    assert.equal(app.server, null, 'nothing listens');
  });

  test('two dependencies disagreeing about a header stop startup too', () => {
    const a = dependency({ headers: t.Object({ 'x-id': t.Integer() }) }, function a() {});
    const b = dependency({ headers: t.Object({ 'x-id': t.String() }) }, function b() {});
    const app = new App({ logger: false });
    app.get('/ab', { dependencies: [a, b] }, () => null);
    const error = startupError(app);
    assert.equal(error.code, 'LW_ERR_INVALID_DEPENDENCY');
    assert.equal(error.message, 'LW_ERR_INVALID_DEPENDENCY: headers "x-id" of GET /ab is declared twice with different schemas (one by dependency b); declare it once.');
  });

  test('the same name with the same schema is one parameter, validated once', async () => {
    const a = dependency({ query: t.Object({ page: t.Integer() }) }, ({ query }) => query.page);
    const b = dependency({ query: t.Object({ page: t.Integer() }) }, ({ query }) => query.page * 10);
    const app = new App({ logger: false });
    app.get('/same', { query: t.Object({ page: t.Integer() }), deps: { a, b } }, ({ query, deps }) => [query.page, deps.a, deps.b]);
    assert.deepEqual((await app.inject('/same?page=2')).json(), [2, 2, 20]);
    const bad = await app.inject('/same?page=x');
    assert.equal(bad.json().detail.length, 1, bad.body);
    assert.deepEqual(app.openapi().paths['/same']!.get!.parameters, [{ name: 'page', in: 'query', required: true, schema: { type: 'integer' } }]);
  });

  test('a part that is not a t.Object cannot be merged: startup fails', () => {
    const odd = dependency({ query: t.Array(t.String()) }, function odd() {});
    const app = new App({ logger: false });
    app.get('/odd', { query: t.Object({ q: t.String() }), deps: { odd } }, () => null);
    const error = startupError(app);
    assert.equal(error.code, 'LW_ERR_INVALID_DEPENDENCY');
    assert.match(error.message, /dependency odd declares query for GET \/odd, but one of the query schemas is not a t\.Object/);
  });
});
