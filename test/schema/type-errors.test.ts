import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

// pydantic v2's messages, which FastAPI clients read.
const INT_PARSING = 'Input should be a valid integer, unable to parse string as an integer';
const FLOAT_PARSING = 'Input should be a valid number, unable to parse string as a number';
const BOOL_PARSING = 'Input should be a valid boolean, unable to interpret input';
const STRING_TYPE = 'Input should be a valid string';

function app(): App {
  const app = new App({ logger: false });
  app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
  app.get('/prices/:amount', { params: t.Object({ amount: t.Number() }) }, ({ params }) => ({ amount: params.amount }));
  app.get('/search', { query: t.Object({ page: t.Integer(), ratio: t.Number(), active: t.Boolean() }) }, ({ query }) => query);
  app.get('/headers', { headers: t.Object({ 'x-count': t.Integer(), 'x-flag': t.Boolean() }) }, ({ headers }) => headers);
  app.get('/cookies', { cookies: t.Object({ session: t.Integer(), ratio: t.Number() }) }, ({ cookies }) => cookies);
  app.post('/things', { body: t.Object({ name: t.String(), count: t.Integer(), price: t.Number(), active: t.Boolean() }) }, ({ body }) => body);
  return app;
}

describe('type errors in the path', () => {
  test('answers 422 int_parsing with loc [path, id] and the raw string for a non-integer id', async () => {
    const res = await app().inject({ url: '/items/abc' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: 'abc' }],
    });
  });

  test('answers 422 int_parsing for a decimal id', async () => {
    const res = await app().inject({ url: '/items/1.5' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: '1.5' }],
    });
  });

  // Starlette never matches an empty segment ("{id}" is "[^/]+"): 404, not a 422 for id.
  test('answers 404 for an empty id: the path is no match (test/conformance/11-empty-segments.test.ts)', async () => {
    const res = await app().inject({ url: '/items/' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Not Found' });
  });

  test('answers 422 int_parsing for a whitespace-only id instead of reading it as 0', async () => {
    const res = await app().inject({ url: '/items/%20' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: ' ' }],
    });
  });

  test('answers 422 int_parsing for Infinity instead of handing the handler a non-finite id', async () => {
    for (const raw of ['Infinity', '-Infinity']) {
      const res = await app().inject({ url: `/items/${raw}` });
      assert.equal(res.statusCode, 422, raw);
      assert.deepEqual(res.json(), {
        detail: [{ type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: raw }],
      });
    }
  });

  test('answers 422 int_parsing for hexadecimal, binary and exponent notation, as pydantic does', async () => {
    for (const raw of ['0x10', '0b1', '1e3']) {
      const res = await app().inject({ url: `/items/${raw}` });
      assert.equal(res.statusCode, 422, raw);
      assert.deepEqual(res.json(), {
        detail: [{ type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: raw }],
      });
    }
  });

  test('answers 422 float_parsing with loc [path, amount] for a non-numeric amount', async () => {
    const res = await app().inject({ url: '/prices/cheap' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'float_parsing', loc: ['path', 'amount'], msg: FLOAT_PARSING, input: 'cheap' }],
    });
  });

  test('answers 422 float_parsing for a whitespace-only amount instead of reading it as 0', async () => {
    const res = await app().inject({ url: '/prices/%20' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'float_parsing', loc: ['path', 'amount'], msg: FLOAT_PARSING, input: ' ' }],
    });
  });
});

describe('type errors in the query', () => {
  test('answers 422 with one entry per query field that fails to parse', async () => {
    const res = await app().inject({ url: '/search?page=two&ratio=half&active=maybe' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_parsing', loc: ['query', 'page'], msg: INT_PARSING, input: 'two' },
        { type: 'float_parsing', loc: ['query', 'ratio'], msg: FLOAT_PARSING, input: 'half' },
        { type: 'bool_parsing', loc: ['query', 'active'], msg: BOOL_PARSING, input: 'maybe' },
      ],
    });
  });

  test('answers 422 bool_parsing for an empty boolean value', async () => {
    const res = await app().inject({ url: '/search?page=1&ratio=1&active=' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'bool_parsing', loc: ['query', 'active'], msg: BOOL_PARSING, input: '' }],
    });
  });
});

describe('type errors in headers and cookies', () => {
  test('answers 422 with loc [header, x-count] and [header, x-flag] for unparsable headers', async () => {
    const res = await app().inject({ url: '/headers', headers: { 'x-count': 'many', 'x-flag': 'perhaps' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_parsing', loc: ['header', 'x-count'], msg: INT_PARSING, input: 'many' },
        { type: 'bool_parsing', loc: ['header', 'x-flag'], msg: BOOL_PARSING, input: 'perhaps' },
      ],
    });
  });

  test('answers 422 with loc [cookie, session] and [cookie, ratio] for unparsable cookies', async () => {
    const res = await app().inject({ url: '/cookies', cookies: { session: 'xyz', ratio: 'n/a' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_parsing', loc: ['cookie', 'session'], msg: INT_PARSING, input: 'xyz' },
        { type: 'float_parsing', loc: ['cookie', 'ratio'], msg: FLOAT_PARSING, input: 'n/a' },
      ],
    });
  });
});

describe('type errors in a JSON body', () => {
  test('takes JSON types as sent: a number for a string is string_type, strings for numbers are *_parsing', async () => {
    const res = await app().inject({
      method: 'POST',
      url: '/things',
      body: { name: 5, count: 'ten', price: 'free', active: 'maybe' },
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'string_type', loc: ['body', 'name'], msg: STRING_TYPE, input: 5 },
        { type: 'int_parsing', loc: ['body', 'count'], msg: INT_PARSING, input: 'ten' },
        { type: 'float_parsing', loc: ['body', 'price'], msg: FLOAT_PARSING, input: 'free' },
        { type: 'bool_parsing', loc: ['body', 'active'], msg: BOOL_PARSING, input: 'maybe' },
      ],
    });
  });

  test('converts as Pydantic\'s lax mode does: a numeric string for an integer field is the integer', async () => {
    const res = await app().inject({
      method: 'POST',
      url: '/things',
      body: { name: 'lamp', count: '3', price: 9.5, active: true },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { name: 'lamp', count: 3, price: 9.5, active: true });
  });

  test('a strict route does not convert: a numeric string for an integer field is int_type', async () => {
    const strict = new App({ logger: false });
    strict.post('/things', { strict: true, body: t.Object({ count: t.Integer() }) }, ({ body }) => body);
    const res = await strict.inject({ method: 'POST', url: '/things', body: { count: '3' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'int_type', loc: ['body', 'count'], msg: 'Input should be a valid integer', input: '3' }],
    });
  });

  test('answers int_from_float for a JSON number with a fraction, float_type for null and bool_parsing for an integer other than 0 and 1', async () => {
    const res = await app().inject({
      method: 'POST',
      url: '/things',
      body: { name: 'lamp', count: 2.5, price: null, active: 2 },
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        {
          type: 'int_from_float',
          loc: ['body', 'count'],
          msg: 'Input should be a valid integer, got a number with a fractional part',
          input: 2.5,
        },
        { type: 'float_type', loc: ['body', 'price'], msg: 'Input should be a valid number', input: null },
        // 0 and 1 are booleans in lax mode; another integer is one Pydantic could not interpret.
        { type: 'bool_parsing', loc: ['body', 'active'], msg: BOOL_PARSING, input: 2 },
      ],
    });
  });

  test('answers model_attributes_type with loc [body] when the body is not an object', async () => {
    const res = await app().inject({ method: 'POST', url: '/things', body: [1, 2] });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        {
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: [1, 2],
        },
      ],
    });
  });
});
