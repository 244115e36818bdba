import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

describe('numeric bounds', () => {
  function app(): App {
    const app = new App({ logger: false });
    app.get(
      '/range',
      {
        query: t.Object({
          ge: t.Optional(t.Integer({ minimum: 1 })),
          gt: t.Optional(t.Number({ exclusiveMinimum: 0 })),
          le: t.Optional(t.Integer({ maximum: 100 })),
          lt: t.Optional(t.Number({ exclusiveMaximum: 1.5 })),
          step: t.Optional(t.Integer({ multipleOf: 5 })),
        }),
      },
      ({ query }) => query,
    );
    app.post('/range', { body: t.Object({ ge: t.Integer({ minimum: 1 }), lt: t.Number({ exclusiveMaximum: 10 }) }) }, ({ body }) => body);
    app.get('/pages/:n', { params: t.Object({ n: t.Integer({ minimum: 1 }) }) }, ({ params }) => params);
    return app;
  }

  test('answers greater_than_equal with ctx {ge} for a value below minimum', async () => {
    const res = await app().inject({ method: 'POST', url: '/range', body: { ge: 0, lt: 1 } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'greater_than_equal', loc: ['body', 'ge'], msg: 'Input should be greater than or equal to 1', input: 0, ctx: { ge: 1 } }],
    });
  });

  test('answers less_than with ctx {lt} for a value at an exclusive maximum', async () => {
    const res = await app().inject({ method: 'POST', url: '/range', body: { ge: 1, lt: 10 } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'less_than', loc: ['body', 'lt'], msg: 'Input should be less than 10', input: 10, ctx: { lt: 10 } }],
    });
  });

  test('answers greater_than, less_than_equal, less_than and multiple_of with their ctx for query values', async () => {
    const res = await app().inject({ url: '/range?gt=0&le=101&lt=1.5&step=7' });
    assert.equal(res.statusCode, 422);
    const detail = res.json().detail as { type: string; loc: unknown[]; msg: string; ctx: unknown }[];
    // The input of a coerced value is checked in its own test below.
    assert.deepEqual(
      detail.map(({ type, loc, msg, ctx }) => ({ type, loc, msg, ctx })),
      [
        { type: 'greater_than', loc: ['query', 'gt'], msg: 'Input should be greater than 0', ctx: { gt: 0 } },
        { type: 'less_than_equal', loc: ['query', 'le'], msg: 'Input should be less than or equal to 100', ctx: { le: 100 } },
        { type: 'less_than', loc: ['query', 'lt'], msg: 'Input should be less than 1.5', ctx: { lt: 1.5 } },
        { type: 'multiple_of', loc: ['query', 'step'], msg: 'Input should be a multiple of 5', ctx: { multiple_of: 5 } },
      ],
    );
  });

  test('reports the string the client sent as input for an out-of-range path parameter, as FastAPI does', async () => {
    const res = await app().inject({ url: '/pages/0' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'greater_than_equal', loc: ['path', 'n'], msg: 'Input should be greater than or equal to 1', input: '0', ctx: { ge: 1 } }],
    });
  });

  test('reports the string the client sent as input for an out-of-range query value, as FastAPI does', async () => {
    const res = await app().inject({ url: '/range?le=101' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'less_than_equal', loc: ['query', 'le'], msg: 'Input should be less than or equal to 100', input: '101', ctx: { le: 100 } }],
    });
  });
});

describe('string constraints', () => {
  function app(): App {
    const app = new App({ logger: false });
    app.post(
      '/users',
      {
        body: t.Object({
          username: t.String({ minLength: 3, maxLength: 8 }),
          code: t.String({ pattern: '^[A-Z]{2}\\d{3}$' }),
          initial: t.String({ minLength: 1, maxLength: 1 }),
        }),
      },
      ({ body }) => body,
    );
    app.get('/tags/:slug', { params: t.Object({ slug: t.String({ pattern: '^[a-z-]+$' }) }) }, ({ params }) => params);
    return app;
  }

  test('answers string_too_short with ctx {min_length} and a plural message', async () => {
    const res = await app().inject({ method: 'POST', url: '/users', body: { username: 'al', code: 'AB123', initial: 'a' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'string_too_short', loc: ['body', 'username'], msg: 'String should have at least 3 characters', input: 'al', ctx: { min_length: 3 } }],
    });
  });

  test('answers string_too_long with ctx {max_length}', async () => {
    const res = await app().inject({ method: 'POST', url: '/users', body: { username: 'alexander', code: 'AB123', initial: 'a' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'string_too_long', loc: ['body', 'username'], msg: 'String should have at most 8 characters', input: 'alexander', ctx: { max_length: 8 } }],
    });
  });

  test('uses the singular "character" when the limit is 1', async () => {
    const short = await app().inject({ method: 'POST', url: '/users', body: { username: 'ada', code: 'AB123', initial: '' } });
    assert.deepEqual(short.json(), {
      detail: [{ type: 'string_too_short', loc: ['body', 'initial'], msg: 'String should have at least 1 character', input: '', ctx: { min_length: 1 } }],
    });
    const long = await app().inject({ method: 'POST', url: '/users', body: { username: 'ada', code: 'AB123', initial: 'ab' } });
    assert.deepEqual(long.json(), {
      detail: [{ type: 'string_too_long', loc: ['body', 'initial'], msg: 'String should have at most 1 character', input: 'ab', ctx: { max_length: 1 } }],
    });
  });

  test('answers string_pattern_mismatch with ctx {pattern} in the body', async () => {
    const res = await app().inject({ method: 'POST', url: '/users', body: { username: 'ada', code: 'ab123', initial: 'a' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        {
          type: 'string_pattern_mismatch',
          loc: ['body', 'code'],
          msg: "String should match pattern '^[A-Z]{2}\\d{3}$'",
          input: 'ab123',
          ctx: { pattern: '^[A-Z]{2}\\d{3}$' },
        },
      ],
    });
  });

  test('answers string_pattern_mismatch with loc [path, slug] for a path parameter', async () => {
    const res = await app().inject({ url: '/tags/Not_A_Slug' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'string_pattern_mismatch', loc: ['path', 'slug'], msg: "String should match pattern '^[a-z-]+$'", input: 'Not_A_Slug', ctx: { pattern: '^[a-z-]+$' } }],
    });
  });
});

describe('constraints, one issue per value as Pydantic gives', () => {
  // pydantic-core checks a string's min_length, max_length, then pattern, and a number's
  // multiple_of, le, lt, ge, then gt, and stops at the first that fails.
  const app = (): App => {
    const app = new App({ logger: false });
    app.get('/codes', { query: t.Object({ code: t.String({ minLength: 3, maxLength: 5, pattern: '^\\d+$' }) }) }, ({ query }) => query);
    app.get('/even', { query: t.Object({ n: t.Integer({ minimum: 5, maximum: 9, multipleOf: 2 }) }) }, ({ query }) => query);
    return app;
  };

  test('a number that fails several bounds gets the first in Pydantic’s order: multiple_of before le and ge', async () => {
    const low = await app().inject({ url: '/even?n=3' });
    assert.deepEqual(low.json(), { detail: [{ type: 'multiple_of', loc: ['query', 'n'], msg: 'Input should be a multiple of 2', input: '3', ctx: { multiple_of: 2 } }] });
    const high = await app().inject({ url: '/even?n=10' });
    assert.deepEqual(high.json(), { detail: [{ type: 'less_than_equal', loc: ['query', 'n'], msg: 'Input should be less than or equal to 9', input: '10', ctx: { le: 9 } }] });
    const under = await app().inject({ url: '/even?n=4' });
    assert.deepEqual(under.json(), { detail: [{ type: 'greater_than_equal', loc: ['query', 'n'], msg: 'Input should be greater than or equal to 5', input: '4', ctx: { ge: 5 } }] });
  });

  test('a string too short or too long for its pattern gets string_too_short or string_too_long alone', async () => {
    const short = await app().inject({ url: '/codes?code=ab' });
    assert.deepEqual(short.json(), { detail: [{ type: 'string_too_short', loc: ['query', 'code'], msg: 'String should have at least 3 characters', input: 'ab', ctx: { min_length: 3 } }] });
    const long = await app().inject({ url: '/codes?code=abcdef' });
    assert.deepEqual(long.json(), { detail: [{ type: 'string_too_long', loc: ['query', 'code'], msg: 'String should have at most 5 characters', input: 'abcdef', ctx: { max_length: 5 } }] });
  });

  test('a string within its lengths that misses the pattern gets string_pattern_mismatch', async () => {
    const res = await app().inject({ url: '/codes?code=abcd' });
    assert.deepEqual(res.json(), { detail: [{ type: 'string_pattern_mismatch', loc: ['query', 'code'], msg: "String should match pattern '^\\d+$'", input: 'abcd', ctx: { pattern: '^\\d+$' } }] });
  });
});

describe('enums and literals', () => {
  function app(): App {
    const app = new App({ logger: false });
    enum Color {
      Red = 'red',
      Green = 'green',
      Blue = 'blue',
    }
    app.get(
      '/paint',
      {
        query: t.Object({
          size: t.Optional(t.Union([t.Literal('s'), t.Literal('m'), t.Literal('l')])),
          color: t.Optional(t.Enum(Color)),
          mode: t.Optional(t.Literal('fast')),
          level: t.Optional(t.Union([t.Literal(1), t.Literal(2)])),
        }),
      },
      ({ query }) => query,
    );
    return app;
  }

  // A union of literals is Python's Literal['s', 'm', 'l']: pydantic's literal_error (an Enum is `enum`).
  test('answers literal_error with every allowed value in msg and ctx for a union of string literals', async () => {
    const res = await app().inject({ url: '/paint?size=xl' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'literal_error', loc: ['query', 'size'], msg: "Input should be 's', 'm' or 'l'", input: 'xl', ctx: { expected: "'s', 'm' or 'l'" } }],
    });
  });

  test('answers enum for a value outside a t.Enum', async () => {
    const res = await app().inject({ url: '/paint?color=purple' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'enum', loc: ['query', 'color'], msg: "Input should be 'red', 'green' or 'blue'", input: 'purple', ctx: { expected: "'red', 'green' or 'blue'" } },
      ],
    });
  });

  test('answers literal_error for a value other than a single t.Literal', async () => {
    const res = await app().inject({ url: '/paint?mode=slow' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'literal_error', loc: ['query', 'mode'], msg: "Input should be 'fast'", input: 'slow', ctx: { expected: "'fast'" } }],
    });
  });

  test('writes numeric literals without quotes', async () => {
    const res = await app().inject({ url: '/paint?level=3' });
    assert.equal(res.statusCode, 422);
    const [issue] = res.json().detail as { type: string; loc: unknown[]; msg: string; ctx: unknown }[];
    assert.deepEqual({ type: issue!.type, loc: issue!.loc, msg: issue!.msg, ctx: issue!.ctx }, {
      type: 'literal_error',
      loc: ['query', 'level'],
      msg: 'Input should be 1 or 2',
      ctx: { expected: '1 or 2' },
    });
  });

  test('accepts each allowed value and coerces a numeric literal from the query string', async () => {
    const res = await app().inject({ url: '/paint?size=m&color=green&mode=fast&level=2' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { size: 'm', color: 'green', mode: 'fast', level: 2 });
  });
});

describe('objects and lists', () => {
  test('answers extra_forbidden with the extra value as input when additionalProperties is false', async () => {
    const app = new App({ logger: false });
    app.post('/items', { body: t.Object({ name: t.String() }, { additionalProperties: false }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/items', body: { name: 'lamp', admin: true, role: 'root' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'extra_forbidden', loc: ['body', 'admin'], msg: 'Extra inputs are not permitted', input: true },
        { type: 'extra_forbidden', loc: ['body', 'role'], msg: 'Extra inputs are not permitted', input: 'root' },
      ],
    });
  });

  test('answers extra_forbidden for an unknown query parameter when the query schema forbids extras', async () => {
    const app = new App({ logger: false });
    app.get('/search', { query: t.Object({ q: t.String() }, { additionalProperties: false }) }, ({ query }) => query);
    const res = await app.inject({ url: '/search?q=a&debug=1' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'extra_forbidden', loc: ['query', 'debug'], msg: 'Extra inputs are not permitted', input: '1' }],
    });
  });

  test('answers too_short with field_type List, min_length and actual_length for a short list', async () => {
    const app = new App({ logger: false });
    app.post('/batch', { body: t.Object({ ids: t.Array(t.Integer(), { minItems: 2 }) }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/batch', body: { ids: [7] } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        {
          type: 'too_short',
          loc: ['body', 'ids'],
          msg: 'List should have at least 2 items after validation, not 1',
          input: [7],
          ctx: { field_type: 'List', min_length: 2, actual_length: 1 },
        },
      ],
    });
  });

  test('answers too_long with max_length for a long list', async () => {
    const app = new App({ logger: false });
    app.post('/batch', { body: t.Object({ ids: t.Array(t.Integer(), { maxItems: 1 }) }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/batch', body: { ids: [1, 2, 3] } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        {
          type: 'too_long',
          loc: ['body', 'ids'],
          msg: 'List should have at most 1 item after validation, not 3',
          input: [1, 2, 3],
          ctx: { field_type: 'List', max_length: 1, actual_length: 3 },
        },
      ],
    });
  });

  test('answers list_type for a non-list where a list is declared', async () => {
    const app = new App({ logger: false });
    app.post('/batch', { body: t.Object({ ids: t.Array(t.Integer()) }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/batch', body: { ids: 'all' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'list_type', loc: ['body', 'ids'], msg: 'Input should be a valid list', input: 'all' }],
    });
  });

  test('locates failures inside lists with array indices: [body, items, 0, price]', async () => {
    const app = new App({ logger: false });
    const Line = t.Object({ sku: t.String(), price: t.Number({ minimum: 0 }) });
    app.post('/orders', { body: t.Object({ items: t.Array(Line) }) }, ({ body }) => body);
    const res = await app.inject({
      method: 'POST',
      url: '/orders',
      body: { items: [{ sku: 'a', price: 'x' }, { sku: 'b', price: 3 }, { sku: 'c', price: -1 }, { price: 1 }] },
    });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'float_parsing', loc: ['body', 'items', 0, 'price'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'x' },
        { type: 'greater_than_equal', loc: ['body', 'items', 2, 'price'], msg: 'Input should be greater than or equal to 0', input: -1, ctx: { ge: 0 } },
        { type: 'missing', loc: ['body', 'items', 3, 'sku'], msg: 'Field required', input: { price: 1 } },
      ],
    });
  });

  test('locates failures in lists of lists with one index per level', async () => {
    const app = new App({ logger: false });
    app.post('/grid', { body: t.Object({ rows: t.Array(t.Array(t.Integer())) }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/grid', body: { rows: [[1, 2], [3, 'four']] } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_parsing', loc: ['body', 'rows', 1, 1], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'four' },
      ],
    });
  });

  test('locates a failing query list item by its index', async () => {
    const app = new App({ logger: false });
    app.get('/pick', { query: t.Object({ n: t.Array(t.Integer()) }) }, ({ query }) => query);
    const res = await app.inject({ url: '/pick?n=1&n=two&n=3' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'int_parsing', loc: ['query', 'n', 1], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'two' }],
    });
  });
});
