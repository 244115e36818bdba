import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

const INT_PARSING = 'Input should be a valid integer, unable to parse string as an integer';

function app(): { app: App; calls: () => number } {
  let calls = 0;
  const app = new App({ logger: false });
  app.put(
    '/shops/:shop/items/:id',
    {
      params: t.Object({ shop: t.String({ minLength: 3 }), id: t.Integer() }),
      query: t.Object({ notify: t.Boolean() }),
      headers: t.Object({ 'x-version': t.Integer() }),
      cookies: t.Object({ session: t.String() }),
      body: t.Object({ name: t.String(), price: t.Number({ minimum: 0 }) }),
    },
    ({ params, query, headers, cookies, body }) => {
      calls += 1;
      return { params, query, headers, cookies, body };
    },
  );
  return { app, calls: () => calls };
}

describe('failures in several request parts', () => {
  test('reports every failing part in one 422, in FastAPI order: path, query, header, cookie, body', async () => {
    const { app: shop, calls } = app();
    const res = await shop.inject({
      method: 'PUT',
      url: '/shops/ab/items/x1?notify=sometimes',
      headers: { 'x-version': 'v2' },
      body: { name: 'lamp', price: -5 },
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'string_too_short', loc: ['path', 'shop'], msg: 'String should have at least 3 characters', input: 'ab', ctx: { min_length: 3 } },
        { type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: 'x1' },
        { type: 'bool_parsing', loc: ['query', 'notify'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'sometimes' },
        { type: 'int_parsing', loc: ['header', 'x-version'], msg: INT_PARSING, input: 'v2' },
        { type: 'missing', loc: ['cookie', 'session'], msg: 'Field required', input: null },
        { type: 'greater_than_equal', loc: ['body', 'price'], msg: 'Input should be greater than or equal to 0', input: -5, ctx: { ge: 0 } },
      ],
    });
    assert.equal(calls(), 0, 'the handler must not run when validation fails');
  });

  test('reports an absent required body together with failures in the other parts', async () => {
    const { app: shop } = app();
    const res = await shop.inject({ method: 'PUT', url: '/shops/main/items/abc?notify=true', headers: { 'x-version': '2' }, cookies: { session: 's' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: 'abc' },
        { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
      ],
    });
  });

  test('answers 422 with only the failing part when every other part is valid', async () => {
    const { app: shop } = app();
    const res = await shop.inject({
      method: 'PUT',
      url: '/shops/main/items/7?notify=false',
      headers: { 'x-version': '2' },
      cookies: { session: 's' },
      body: { name: 'lamp' },
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'missing', loc: ['body', 'price'], msg: 'Field required', input: { name: 'lamp' } }],
    });
  });

  test('runs the handler with every part coerced when all parts are valid', async () => {
    const { app: shop, calls } = app();
    const res = await shop.inject({
      method: 'PUT',
      url: '/shops/main/items/7?notify=false',
      headers: { 'x-version': '2' },
      cookies: { session: 's' },
      body: { name: 'lamp', price: 9.5 },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), {
      params: { shop: 'main', id: 7 },
      query: { notify: false },
      headers: { 'x-version': 2 },
      cookies: { session: 's' },
      body: { name: 'lamp', price: 9.5 },
    });
    assert.equal(calls(), 1);
  });
});
