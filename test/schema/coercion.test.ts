import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

describe('coercion of path, query, header and cookie strings', () => {
  test('turns an integer path parameter into a number', async () => {
    const app = new App({ logger: false });
    app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => {
      const id: number = params.id;
      return { id, type: typeof id };
    });
    const res = await app.inject({ url: '/items/42' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: 42, type: 'number' });
  });

  test('reads negative integers and leading zeros as their value', async () => {
    const app = new App({ logger: false });
    app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
    assert.deepEqual((await app.inject({ url: '/items/-17' })).json(), { id: -17 });
    assert.deepEqual((await app.inject({ url: '/items/007' })).json(), { id: 7 });
  });

  test('turns number query values into numbers, decimals and negatives included', async () => {
    const app = new App({ logger: false });
    app.get('/geo', { query: t.Object({ lat: t.Number(), lon: t.Number() }) }, ({ query }) => query);
    const res = await app.inject({ url: '/geo?lat=48.8566&lon=-2.5' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { lat: 48.8566, lon: -2.5 });
  });

  test('turns "true" and "false" into booleans', async () => {
    const app = new App({ logger: false });
    app.get('/flags', { query: t.Object({ a: t.Boolean(), b: t.Boolean() }) }, ({ query }) => ({
      a: query.a,
      b: query.b,
      types: [typeof query.a, typeof query.b],
    }));
    const res = await app.inject({ url: '/flags?a=true&b=false' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { a: true, b: false, types: ['boolean', 'boolean'] });
  });

  test('reads pydantic\'s boolean words: yes/no, on/off, 1/0, any case', async () => {
    const app = new App({ logger: false });
    app.get('/flags', { query: t.Object({ a: t.Boolean(), b: t.Boolean(), c: t.Boolean(), d: t.Boolean() }) }, ({ query }) => query);
    const res = await app.inject({ url: '/flags?a=YES&b=off&c=1&d=0' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { a: true, b: false, c: true, d: false });
    const bad = await app.inject({ url: '/flags?a=maybe&b=off&c=1&d=0' });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(bad.json().detail, [
      { type: 'bool_parsing', loc: ['query', 'a'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' },
    ]);
  });

  test('keeps the last value of a repeated key for a single-value parameter, as FastAPI does', async () => {
    const app = new App({ logger: false });
    app.get('/page', { query: t.Object({ page: t.Integer(), sort: t.String() }) }, ({ query }) => query);
    const res = await app.inject({ url: '/page?page=1&page=3&sort=name&sort=date' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { page: 3, sort: 'date' });
  });

  test('builds an array from repeated query keys (?tag=a&tag=b)', async () => {
    const app = new App({ logger: false });
    app.get('/posts', { query: t.Object({ tag: t.Array(t.String()) }) }, ({ query }) => query);
    const res = await app.inject({ url: '/posts?tag=a&tag=b&tag=c' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { tag: ['a', 'b', 'c'] });
  });

  test('builds a one-item array from a single query key', async () => {
    const app = new App({ logger: false });
    app.get('/posts', { query: t.Object({ tag: t.Array(t.String()) }) }, ({ query }) => query);
    const res = await app.inject({ url: '/posts?tag=solo' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { tag: ['solo'] });
  });

  test('coerces every item of a repeated query key to the item type', async () => {
    const app = new App({ logger: false });
    app.get('/pick', { query: t.Object({ id: t.Array(t.Integer()), on: t.Array(t.Boolean()) }) }, ({ query }) => query);
    const res = await app.inject({ url: '/pick', query: { id: ['3', '1', '2'], on: 'true' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { id: [3, 1, 2], on: [true] });
  });

  test('applies defaults for absent query parameters, typed as their schema type', async () => {
    const app = new App({ logger: false });
    app.get(
      '/list',
      { query: t.Object({ limit: t.Integer({ default: 10 }), offset: t.Integer({ default: 0 }), sort: t.String({ default: 'name' }) }) },
      ({ query }) => {
        const limit: number = query.limit;
        const sort: string = query.sort;
        return { limit, offset: query.offset, sort };
      },
    );
    assert.deepEqual((await app.inject({ url: '/list' })).json(), { limit: 10, offset: 0, sort: 'name' });
    assert.deepEqual((await app.inject({ url: '/list?limit=25&sort=date' })).json(), { limit: 25, offset: 0, sort: 'date' });
  });

  test('leaves an optional query parameter absent from the query object when it is not sent', async () => {
    const app = new App({ logger: false });
    app.get('/search', { query: t.Object({ q: t.Optional(t.String()), page: t.Optional(t.Integer()) }) }, ({ query }) => {
      const q: string | undefined = query.q;
      return { keys: Object.keys(query), q: q ?? null, page: query.page ?? null };
    });
    assert.deepEqual((await app.inject({ url: '/search' })).json(), { keys: [], q: null, page: null });
    assert.deepEqual((await app.inject({ url: '/search?page=3' })).json(), { keys: ['page'], q: null, page: 3 });
  });

  test('coerces declared headers and leaves undeclared ones out of the validated headers', async () => {
    const app = new App({ logger: false });
    app.get('/h', { headers: t.Object({ 'x-retries': t.Integer(), 'x-debug': t.Optional(t.Boolean()) }) }, ({ headers }) => headers);
    const res = await app.inject({ url: '/h', headers: { 'X-Retries': '3', 'x-debug': 'true', 'x-other': 'ignored' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { 'x-retries': 3, 'x-debug': true });
  });

  test('coerces cookies to their declared types', async () => {
    const app = new App({ logger: false });
    app.get('/c', { cookies: t.Object({ visits: t.Integer(), beta: t.Boolean(), name: t.String() }) }, ({ cookies }) => cookies);
    const res = await app.inject({ url: '/c', cookies: { visits: '12', beta: 'false', name: 'ada' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { visits: 12, beta: false, name: 'ada' });
  });

  test('keeps a digit string as a string when the schema says string', async () => {
    const app = new App({ logger: false });
    app.get('/codes/:code', { params: t.Object({ code: t.String() }), query: t.Object({ zip: t.String() }) }, ({ params, query }) => ({
      code: params.code,
      zip: query.zip,
    }));
    const res = await app.inject({ url: '/codes/00123?zip=02134' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { code: '00123', zip: '02134' });
  });

  test('coerces urlencoded form bodies like query strings', async () => {
    const app = new App({ logger: false });
    app.post('/login', { body: t.Object({ user: t.String(), remember: t.Boolean(), age: t.Integer() }), consumes: ['application/x-www-form-urlencoded'] }, ({ body }) => body);
    const res = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=ada&remember=true&age=36',
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { user: 'ada', remember: true, age: 36 });
  });
});
