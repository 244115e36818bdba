// Two Apps in one process (two FastAPI tutorial apps in one test run) may each declare their own
// `Item` with the same $id; each must validate by its own. And within one App, `Item` and
// `t.Optional(Item)` are one schema in the OpenAPI document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

test('two Apps with different schemas under the same $id each validate by their own', async () => {
  const first = new App({ logger: false });
  first.post('/items/', { body: t.Object({ name: t.String() }, { $id: 'Item' }) }, ({ body }) => body);
  const second = new App({ logger: false });
  second.post('/items/', { body: t.Object({ price: t.Number() }, { $id: 'Item' }) }, ({ body }) => body);

  const post = (app: App, body: unknown) => app.inject({ method: 'POST', url: '/items/', body });
  assert.equal((await post(first, { name: 'Foo' })).statusCode, 200);
  assert.equal((await post(second, { price: 1.5 })).statusCode, 200);
  assert.deepEqual((await post(second, { name: 'Foo' })).json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'price']]);
  assert.deepEqual((await post(first, { price: 1.5 })).json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'name']]);
});

test('Item on one route and t.Optional(Item) on another: one component, both routes served', async () => {
  const Item = t.Object({ name: t.String() }, { $id: 'Item' });
  const app = new App({ logger: false });
  app.post('/required/', { body: Item }, ({ body }) => body);
  app.post('/optional/', { body: t.Optional(Item) }, ({ body }) => body ?? { name: 'none' });
  const document = app.openapi();
  assert.deepEqual(Object.keys(document.components!.schemas!).filter((name) => name === 'Item'), ['Item']);
  assert.equal(document.paths['/required/']!.post!.requestBody!.required, true);
  assert.notEqual(document.paths['/optional/']!.post!.requestBody!.required, true);
  assert.deepEqual((await app.inject({ method: 'POST', url: '/optional/', body: { name: 'x' } })).json(), { name: 'x' });
  assert.equal((await app.inject({ method: 'POST', url: '/required/', body: {} })).statusCode, 422);
});
