// Every call the README's tutorial shows, run against the tutorial app, so the docs never lie.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { app } from '../../examples/tutorial/app.js';

test('creates an item with 201 and leaves costPrice out of the response', async () => {
  const res = await app.inject({ method: 'POST', url: '/items', body: { name: 'Pen', price: 2.5 } });
  assert.equal(res.statusCode, 201);
  assert.deepEqual(res.json(), { id: 1, name: 'Pen', price: 2.5, tags: [] });
  assert.ok(!res.body.includes('costPrice'));
});

test('reads an item by integer id, 404 when missing, 422 for a non-integer id', async () => {
  assert.deepEqual((await app.inject('/items/1')).json(), { id: 1, name: 'Pen', price: 2.5, tags: [] });
  const missing = await app.inject('/items/99');
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { detail: 'Item not found' });
  const bad = await app.inject('/items/abc');
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.json(), {
    detail: [
      {
        type: 'int_parsing',
        loc: ['path', 'id'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: 'abc',
      },
    ],
  });
});

test('rejects a negative price and an empty name together, one entry each', async () => {
  const res = await app.inject({ method: 'POST', url: '/items', body: { name: '', price: -1 } });
  assert.equal(res.statusCode, 422);
  assert.deepEqual(res.json().detail.map((e: { loc: unknown[]; type: string }) => [e.loc, e.type]), [
    [['body', 'name'], 'string_too_short'],
    [['body', 'price'], 'greater_than_equal'],
  ]);
});

test('lists items with a default limit and a tag filter', async () => {
  await app.inject({ method: 'POST', url: '/items', body: { name: 'Ink', price: 4, tags: ['refill'] } });
  assert.deepEqual((await app.inject('/items')).json(), [
    { id: 1, name: 'Pen' },
    { id: 2, name: 'Ink' },
  ]);
  assert.deepEqual((await app.inject('/items?tag=refill&limit=5')).json(), [{ id: 2, name: 'Ink' }]);
  assert.equal((await app.inject('/items?limit=0')).statusCode, 422);
});

test('deletes an item with 204 and an empty body', async () => {
  const res = await app.inject({ method: 'DELETE', url: '/items/2' });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  assert.equal((await app.inject({ method: 'DELETE', url: '/items/2' })).statusCode, 404);
});
