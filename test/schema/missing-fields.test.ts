import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

const MISSING = 'Field required';

describe('missing request values', () => {
  test('answers 422 missing with input null for each absent required query parameter', async () => {
    const app = new App({ logger: false });
    app.get('/search', { query: t.Object({ q: t.String(), page: t.Integer() }) }, ({ query }) => query);
    const res = await app.inject({ url: '/search' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'missing', loc: ['query', 'q'], msg: MISSING, input: null },
        { type: 'missing', loc: ['query', 'page'], msg: MISSING, input: null },
      ],
    });
  });

  test('reports only the absent query parameter when the others are present', async () => {
    const app = new App({ logger: false });
    app.get('/search', { query: t.Object({ q: t.String(), page: t.Integer() }) }, ({ query }) => query);
    const res = await app.inject({ url: '/search?q=lamp' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'missing', loc: ['query', 'page'], msg: MISSING, input: null }] });
  });

  test('answers 422 missing with loc [header, x-token] and input null for an absent required header', async () => {
    const app = new App({ logger: false });
    app.get('/me', { headers: t.Object({ 'x-token': t.String() }) }, ({ headers }) => headers);
    const res = await app.inject({ url: '/me' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'missing', loc: ['header', 'x-token'], msg: MISSING, input: null }] });
  });

  test('answers 422 missing with loc [cookie, session] and input null for an absent required cookie', async () => {
    const app = new App({ logger: false });
    app.get('/me', { cookies: t.Object({ session: t.String() }) }, ({ cookies }) => cookies);
    const res = await app.inject({ url: '/me', cookies: { other: 'x' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'missing', loc: ['cookie', 'session'], msg: MISSING, input: null }] });
  });

  test('answers 422 missing with loc [cookie, session] when the request has no Cookie header at all', async () => {
    const app = new App({ logger: false });
    app.get('/me', { cookies: t.Object({ session: t.String() }) }, ({ cookies }) => cookies);
    const res = await app.inject({ url: '/me' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'missing', loc: ['cookie', 'session'], msg: MISSING, input: null }] });
  });

  test('answers 422 missing with the enclosing object as input for absent body fields', async () => {
    const app = new App({ logger: false });
    app.post('/items', { body: t.Object({ name: t.String(), price: t.Number(), note: t.Optional(t.String()) }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/items', body: { note: 'hi' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'missing', loc: ['body', 'name'], msg: MISSING, input: { note: 'hi' } },
        { type: 'missing', loc: ['body', 'price'], msg: MISSING, input: { note: 'hi' } },
      ],
    });
  });

  test('answers 422 missing with the nested object as input for an absent nested field', async () => {
    const app = new App({ logger: false });
    app.post(
      '/orders',
      { body: t.Object({ customer: t.Object({ name: t.String(), email: t.String() }) }) },
      ({ body }) => body,
    );
    const res = await app.inject({ method: 'POST', url: '/orders', body: { customer: { name: 'Ada' } } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'missing', loc: ['body', 'customer', 'email'], msg: MISSING, input: { name: 'Ada' } }],
    });
  });

  test('answers 422 missing with loc [body] and input null when a required body is absent', async () => {
    const app = new App({ logger: false });
    app.post('/items', { body: t.Object({ name: t.String() }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/items' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'missing', loc: ['body'], msg: MISSING, input: null }] });
  });

  test('runs the handler with body undefined when an optional body is absent', async () => {
    const app = new App({ logger: false });
    app.post('/items', { body: t.Optional(t.Object({ name: t.String() })) }, ({ body }) => ({ present: body !== undefined }));
    const res = await app.inject({ method: 'POST', url: '/items' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { present: false });
  });
});
