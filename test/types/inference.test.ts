// Compile-time checks of the handler context's inferred types. `npm test` runs `tsc --noEmit`
// first, so a wrong inference fails the suite; the runtime tests below prove the values match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { App, Router, t, type PathParams, type RequestSnapshot } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

test('path params are typed from the path string when not declared', async () => {
  expectType<PathParams<'/users/:id'>, { id: string }>(true);
  expectType<PathParams<'/orgs/:org/repos/:repo'>, { org: string; repo: string }>(true);
  expectType<PathParams<'/files/*'>, { '*': string }>(true);
  expectType<PathParams<'/files/*file_path'>, { file_path: string }>(true);
  expectType<PathParams<'/users/:id/files/*rest'>, { id: string; rest: string }>(true);
  expectType<PathParams<'/id/:id(^\\d+)'>, { id: string }>(true);
  expectType<PathParams<'/static'>, {}>(true);

  const app = new App({ logger: false });
  app.get('/orgs/:org/repos/:repo', ({ params }) => {
    expectType<typeof params, { org: string; repo: string }>(true);
    return params;
  });
  const res = await app.inject('/orgs/acme/repos/web');
  assert.deepEqual(res.json(), { org: 'acme', repo: 'web' });
});

test('declared parts are typed from their schemas, with no annotation', async () => {
  const app = new App({ logger: false });
  app.post(
    '/items/:id',
    {
      params: t.Object({ id: t.Integer() }),
      query: t.Object({ q: t.Optional(t.String()), limit: t.Integer({ default: 10 }), tag: t.Array(t.String()) }),
      headers: t.Object({ 'x-token': t.String() }),
      cookies: t.Object({ session: t.Optional(t.String()) }),
      body: t.Object({ name: t.String(), price: t.Number() }),
    },
    ({ params, query, headers, cookies, body }) => {
      expectType<typeof params, { id: number }>(true);
      expectType<typeof query, { q?: string; limit: number; tag: string[] }>(true);
      expectType<typeof headers, { 'x-token': string }>(true);
      expectType<typeof cookies, { session?: string }>(true);
      expectType<typeof body, { name: string; price: number }>(true);
      return { id: params.id, limit: query.limit, tag: query.tag, token: headers['x-token'], name: body.name };
    },
  );
  const res = await app.inject({
    method: 'POST',
    url: '/items/7?tag=a',
    headers: { 'x-token': 'secret' },
    body: { name: 'pen', price: 1.5 },
  });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { id: 7, limit: 10, tag: ['a'], token: 'secret', name: 'pen' });
});

test('an optional body is typed as possibly undefined', () => {
  const app = new App({ logger: false });
  app.post('/search', { body: t.Optional(t.Object({ term: t.String() })) }, ({ body }) => {
    expectType<typeof body, { term: string } | undefined>(true);
    return null;
  });
  assert.equal(app.routes().length, 1);
});

test('undeclared parts keep their raw types', () => {
  const app = new App({ logger: false });
  app.get('/raw', ({ query, headers, cookies, body }) => {
    expectType<typeof query, Record<string, string | string[] | undefined>>(true);
    expectType<typeof headers, IncomingHttpHeaders>(true);
    expectType<typeof cookies, Record<string, string | undefined>>(true);
    expectType<typeof body, undefined>(true);
    return null;
  });
  assert.equal(app.routes().length, 1);
});

test('a handler must return what its response schemas allow', () => {
  const app = new App({ logger: false });
  const Item = t.Object({ name: t.String() });
  app.get('/item', { response: { 200: Item } }, () => ({ name: 'pen' }));
  // @ts-expect-error: a number is not an Item
  app.get('/wrong', { response: { 200: Item } }, () => 42);
  // Extra fields are allowed by the type and filtered out at runtime.
  const withSecret = { name: 'pen', password: 'hunter2' };
  app.get('/secret', { response: { 200: Item } }, () => withSecret);
  assert.equal(app.routes().length, 3);
});

test('an offloaded route sees a snapshot of the request, not the socket', () => {
  const app = new App({ logger: false });
  app.get('/off', { offload: true }, ({ request }) => {
    expectType<typeof request, RequestSnapshot>(true);
    // @ts-expect-error: the socket stays on the main thread
    void request.socket;
    return { method: request.method, agent: request.headers['user-agent'] };
  });
  app.get('/inline', ({ request }) => {
    expectType<typeof request, IncomingMessage>(true);
    return null;
  });
  // Only compiled here (nothing is served), so no worker imports this test file.
  assert.equal(app.routes().length, 2);
});

test("a Router's or App's offload: true types its handlers' request as a snapshot too", () => {
  const offloaded = new Router({ prefix: '/off', offload: true });
  offloaded.get('/a', ({ request }) => {
    expectType<typeof request, RequestSnapshot>(true);
    return null;
  });
  offloaded.get('/b', { offload: false }, ({ request }) => {
    expectType<typeof request, IncomingMessage>(true); // the route's own setting wins
    return null;
  });
  offloaded.post('/c', { body: t.Object({ n: t.Number() }) }, ({ request, body }) => {
    expectType<typeof request, RequestSnapshot>(true);
    expectType<typeof body, { n: number }>(true);
    return null;
  });
  const plain = new Router({ prefix: '/plain' });
  plain.get('/a', ({ request }) => {
    expectType<typeof request, IncomingMessage>(true);
    return null;
  });
  const app = new App({ logger: false, offload: true });
  app.get('/x', ({ request }) => {
    expectType<typeof request, RequestSnapshot>(true);
    return null;
  });
  app.include(offloaded);
  app.include(plain);
  assert.equal(app.routes().length, 5);
});
