import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { App, t } from '../../src/index.js';

const RUNS = 200;
const INT_PARSING = 'Input should be a valid integer, unable to parse string as an integer';

function app(): App {
  const app = new App({ logger: false });
  app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id }));
  app.get('/items', { query: t.Object({ id: t.Integer() }) }, ({ query }) => ({ id: query.id }));
  app.get('/prices', { query: t.Object({ amount: t.Number() }) }, ({ query }) => ({ amount: query.amount }));
  return app;
}

/**
 * What pydantic (and so FastAPI) reads as an integer from a string: optional surrounding
 * whitespace, an optional sign, digits, and at most a fraction of zeros ("3.0").
 */
const INTEGER_TEXT = /^\s*[+-]?\d+(\.0*)?\s*$/;

// Plain random strings, plus strings that look almost like integers, where coercion bugs hide.
const nonIntegerString = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 20 }),
    fc
      .tuple(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom('.5', 'e3', 'x', ' abc', '-', '..0', '1.2', 'n', '_0'))
      .map(([n, tail]) => `${n}${tail}`),
    fc.constantFrom(' ', '  ', '0x1A', '0b101', '0o17', '1e3', 'Infinity', '-Infinity', 'NaN', '1_000', '+', '.'),
  )
  .filter((s) => !INTEGER_TEXT.test(s));

describe('coercion properties', () => {
  test('any safe integer written in a path parameter arrives as the same number', async () => {
    const server = app();
    await fc.assert(
      fc.asyncProperty(fc.maxSafeInteger(), async (n) => {
        const res = await server.inject({ url: `/items/${n}` });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { id: n });
      }),
      { numRuns: RUNS },
    );
  });

  test('any safe integer written as a query value arrives as the same number', async () => {
    const server = app();
    await fc.assert(
      fc.asyncProperty(fc.maxSafeInteger(), async (n) => {
        const res = await server.inject({ url: `/items?id=${encodeURIComponent(String(n))}` });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { id: n });
      }),
      { numRuns: RUNS },
    );
  });

  test('any finite double written as a query value arrives as the same number', async () => {
    const server = app();
    await fc.assert(
      fc.asyncProperty(fc.double({ noNaN: true, noDefaultInfinity: true }), async (x) => {
        const res = await server.inject({ url: `/prices?amount=${encodeURIComponent(String(x))}` });
        assert.equal(res.statusCode, 200);
        // -0 is written as "0" by String(), so compare the numbers the handler saw.
        assert.equal(res.json().amount, Object.is(x, -0) ? 0 : x);
      }),
      { numRuns: RUNS },
    );
  });

  test('any non-integer string in a path parameter is answered int_parsing with the original input', async () => {
    const server = app();
    await fc.assert(
      // "." and ".." are dot-segments: URL resolution removes them before any router sees them.
      fc.asyncProperty(nonIntegerString.filter((s) => s !== '.' && s !== '..'), async (s) => {
        const res = await server.inject({ url: `/items/${encodeURIComponent(s)}` });
        assert.equal(res.statusCode, 422, `path value ${JSON.stringify(s)} answered ${res.statusCode} ${res.body}`);
        assert.deepEqual(res.json(), { detail: [{ type: 'int_parsing', loc: ['path', 'id'], msg: INT_PARSING, input: s }] });
      }),
      { numRuns: RUNS },
    );
  });

  test('any non-integer string in a query value is answered int_parsing with the original input', async () => {
    const server = app();
    await fc.assert(
      fc.asyncProperty(nonIntegerString, async (s) => {
        const res = await server.inject({ url: `/items?id=${encodeURIComponent(s)}` });
        assert.equal(res.statusCode, 422, `query value ${JSON.stringify(s)} answered ${res.statusCode} ${res.body}`);
        assert.deepEqual(res.json(), { detail: [{ type: 'int_parsing', loc: ['query', 'id'], msg: INT_PARSING, input: s }] });
      }),
      { numRuns: RUNS },
    );
  });
});
