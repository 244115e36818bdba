// Route values: endpoint.get(...) declared on its own and added with add() is the same route as
// the same app.get(...) call: the same definition (router prefix, tags, dependencies, offload,
// timeout applied), the same answers, the same registration checks, on a worker thread too.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { threadId } from 'node:worker_threads';
import { App, Router, dependency, endpoint, t, type Endpoint } from '../../src/index.js';
import { app as offloaded } from './fixtures/endpoint-offload-app.js';
import { withTimeout } from '../support/with-timeout.js';

const audit = dependency(function audit({ reply }) {
  reply.header('x-audited', 'yes');
});
const Item = t.Object({ id: t.Integer(), name: t.String() });
const options = { params: t.Object({ id: t.Integer() }), response: { 200: Item }, tags: ['own'], dependencies: [audit] };
const handler = ({ params }: { params: { id: number } }) => ({ id: params.id, name: `item ${params.id}`, secret: 'dropped' });

/** A route's definition as the app compiles it, its handler left out (each side has its own function). */
function definitions(app: App<boolean, unknown>): unknown[] {
  return app.routes().map(({ handler: _handler, ...rest }) => rest);
}

describe('endpoint values and add()', () => {
  after(() => withTimeout(offloaded.close(), 10_000, 'close()'));

  test('a value added to a router is the route app.get() makes: prefix, tags, dependencies, timeout, strict', async () => {
    const routerOptions = { prefix: '/items', tags: ['items'], timeout: 5_000, strict: true, dependencies: [audit] };
    const byCall = new App({ logger: false });
    const callRouter = new Router(routerOptions);
    callRouter.get('/:id', options, handler);
    byCall.include(callRouter, { prefix: '/v1', tags: ['v1'] });

    const byValue = new App({ logger: false }).include(new Router(routerOptions).add(endpoint.get('/:id', options, handler)), { prefix: '/v1', tags: ['v1'] });
    assert.deepEqual(definitions(byValue), definitions(byCall));
    assert.equal(byValue.routes()[0]!.path, '/v1/items/:id');

    const a = await byCall.inject('/v1/items/3');
    const b = await byValue.inject('/v1/items/3');
    assert.deepEqual([b.statusCode, b.json(), b.headers['x-audited']], [200, { id: 3, name: 'item 3' }, 'yes']);
    assert.deepEqual([b.statusCode, b.json()], [a.statusCode, a.json()]);
    assert.equal((await byValue.inject('/v1/items/x')).statusCode, 422);
  });

  test('endpoint.route() adds one route per method; add() takes several values, in order', async () => {
    const both = endpoint.route(['GET', 'POST'], '/both', {}, ({ request }) => request.method);
    const ping = endpoint.get('/ping', () => 'pong');
    const app = new App({ logger: false }).add(both, ping);
    assert.deepEqual(app.routes().map((r) => `${r.method} ${r.path}`), ['GET /both', 'POST /both', 'GET /ping']);
    assert.equal((await app.inject({ method: 'POST', url: '/both' })).json(), 'POST');
    assert.equal((await app.inject('/ping')).json(), 'pong');
  });

  test('the same value may be added to two apps; a value is frozen', () => {
    const ping: Endpoint<'GET', '/ping', {}> = endpoint.get('/ping', () => 'pong');
    new App({ logger: false }).add(ping);
    assert.equal(new App({ logger: false }).add(ping).routes().length, 1);
    assert.ok(Object.isFrozen(ping));
    assert.throws(() => ((ping as { path: string }).path = '/other'), TypeError);
  });

  test("registration checks run at add(), naming the route, as for app.get(); add() refuses what is not a route value", () => {
    const app = new App({ logger: false });
    assert.throws(() => app.add(endpoint.get('items' as '/items', () => null)), { code: 'LW_ERR_INVALID_ROUTE', message: 'LW_ERR_INVALID_ROUTE: the path of GET items must start with "/".' });
    assert.throws(() => app.add(endpoint.get('/x', { deps: { user: (() => 1) as never } }, () => null)), {
      code: 'LW_ERR_INVALID_DEPENDENCY',
      message: 'LW_ERR_INVALID_DEPENDENCY: deps.user of GET /x is not a dependency: wrap the function in dependency().',
    });
    assert.throws(() => app.add((() => null) as never), {
      code: 'LW_ERR_INVALID_ROUTE',
      message: 'LW_ERR_INVALID_ROUTE: add() takes route values made with endpoint.get(path, options, handler) (or post, put…), but argument 1 is function: a handler goes in get(path, handler).',
    });
    assert.throws(() => app.add(endpoint.get('/a', () => null), { path: '/b' } as never), {
      code: 'LW_ERR_INVALID_ROUTE',
      message: 'LW_ERR_INVALID_ROUTE: add() takes route values made with endpoint.get(path, options, handler) (or post, put…), but argument 2 is object.',
    });
  });

  test('on an offloaded App and Router, values run on a worker thread (offload: false stays inline)', async () => {
    const res = await withTimeout(offloaded.inject('/where'), 10_000, 'offloaded request');
    assert.equal(res.statusCode, 200, res.body);
    assert.notEqual(res.json().threadId, threadId);
    assert.equal(res.json().method, 'GET');
    assert.deepEqual((await offloaded.inject('/inline')).json(), { threadId });
    const nested = await withTimeout(offloaded.inject('/router/where'), 10_000, 'offloaded router request');
    assert.notEqual(nested.json().threadId, threadId);
  });
});
