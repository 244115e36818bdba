import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

describe('path parameter length', () => {
  function app(options: { maxParamLength?: number } = {}): App {
    const app = new App({ logger: false, ...options });
    app.get('/users/:name', ({ params }) => ({ name: params.name }));
    app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
    return app;
  }

  test('accepts a parameter of exactly 100 characters by default', async () => {
    const name = 'n'.repeat(100);
    const res = await app().inject({ url: `/users/${name}` });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { name });
  });

  test('answers 414 with a detail for a parameter of 101 characters by default', async () => {
    const res = await app().inject({ url: `/users/${'n'.repeat(101)}` });
    assert.equal(res.statusCode, 414);
    assert.deepEqual(res.json(), { detail: 'URI Too Long: a path parameter is longer than 100 characters' });
  });

  test('answers 414 before validation: a long non-integer id is not a 422', async () => {
    const res = await app().inject({ url: `/items/${'x'.repeat(150)}` });
    assert.equal(res.statusCode, 414);
  });

  test('honours a custom maxParamLength of 10', async () => {
    const server = app({ maxParamLength: 10 });
    const ok = await server.inject({ url: `/users/${'a'.repeat(10)}` });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { name: 'aaaaaaaaaa' });
    const tooLong = await server.inject({ url: `/users/${'a'.repeat(11)}` });
    assert.equal(tooLong.statusCode, 414);
    assert.deepEqual(tooLong.json(), { detail: 'URI Too Long: a path parameter is longer than 10 characters' });
  });

  test('does not limit static paths', async () => {
    const server = new App({ logger: false, maxParamLength: 10 });
    const long = `/${'s'.repeat(200)}`;
    server.get(long, () => ({ ok: true }));
    const res = await server.inject({ url: long });
    assert.equal(res.statusCode, 200);
  });
});

describe('malformed URLs', () => {
  function app(): App {
    const app = new App({ logger: false });
    app.get('/users/:name', ({ params }) => ({ name: params.name }));
    return app;
  }

  test('answers 400 with a detail for a truncated percent-encoding in a parameter (/users/%E0%A4%A)', async () => {
    const res = await app().inject({ url: '/users/%E0%A4%A' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { detail: 'Bad Request: the URL is not valid percent-encoding' });
  });

  test('answers 400 for a percent sign followed by non-hex characters', async () => {
    const res = await app().inject({ url: '/users/%ZZ' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { detail: 'Bad Request: the URL is not valid percent-encoding' });
  });

  test('answers 400 for percent-encoded bytes that are not UTF-8', async () => {
    const res = await app().inject({ url: '/users/%FF%FE' });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { detail: 'Bad Request: the URL is not valid percent-encoding' });
  });

  test('keeps serving well-formed requests after a malformed one', async () => {
    const server = app();
    await server.inject({ url: '/users/%E0%A4%A' });
    const res = await server.inject({ url: '/users/ok' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { name: 'ok' });
  });
});
