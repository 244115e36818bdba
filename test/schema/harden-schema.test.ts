import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';
import { hardenSchema } from '../../src/schema/harden-schema.js';

const MAX = Number.MAX_SAFE_INTEGER;

test('a schema with no integer and no bounded array is returned as it is', () => {
  const schema = t.Object({ name: t.String(), tags: t.Array(t.String()), price: t.Number() });
  assert.equal(hardenSchema(schema), schema);
});

test('integers get the safe range as bounds on a copy: the route’s own schema (and so OpenAPI) is unchanged', () => {
  const schema = t.Object({ id: t.Integer(), small: t.Integer({ minimum: 0, maximum: 10 }), wide: t.Integer({ maximum: 1e20 }) });
  const hardened = hardenSchema(schema) as any;
  assert.notEqual(hardened, schema);
  assert.deepEqual([hardened.properties.id.minimum, hardened.properties.id.maximum], [-MAX, MAX]);
  assert.deepEqual([hardened.properties.small.minimum, hardened.properties.small.maximum], [0, 10], 'tighter bounds are kept');
  assert.equal(hardened.properties.wide.maximum, MAX, 'a wider maximum is narrowed');
  assert.equal((schema.properties.id as any).maximum, undefined);
  assert.equal(hardenSchema(schema), hardened, 'one copy per schema object');
});

test('an array with maxItems checks its length before its items', () => {
  const items = t.Object({ n: t.Integer() });
  const hardened = hardenSchema(t.Array(items, { maxItems: 3, uniqueItems: true })) as any;
  assert.equal(hardened.maxItems, 3);
  assert.deepEqual(hardened.if, { maxItems: 3 });
  assert.equal(hardened.items, undefined);
  assert.equal(hardened.then.uniqueItems, true);
  assert.equal(hardened.then.items.properties.n.maximum, MAX);
});

test('2^53 + 1 and beyond is refused for an integer in a body, a query and a path, not rounded', async () => {
  const app = new App({ logger: false });
  app.post('/n', { body: t.Object({ n: t.Integer() }) }, ({ body }) => body);
  app.get('/q', { query: t.Object({ n: t.Integer() }) }, ({ query }) => query);
  app.get('/p/:n', { params: t.Object({ n: t.Integer() }) }, ({ params }) => params);
  const body = await app.inject({ method: 'POST', url: '/n', body: '{"n":9007199254740993}', headers: { 'content-type': 'application/json' } });
  assert.equal(body.statusCode, 422);
  assert.deepEqual(body.json().detail, [
    { type: 'less_than_equal', loc: ['body', 'n'], msg: `Input should be less than or equal to ${MAX}`, input: 9007199254740992, ctx: { le: MAX } },
  ]);
  const query = await app.inject({ url: '/q?n=-9007199254740993' });
  assert.equal(query.statusCode, 422);
  assert.equal(query.json().detail[0].type, 'greater_than_equal');
  assert.equal((await app.inject({ url: '/p/99999999999999999999' })).json().detail[0].type, 'less_than_equal');
  // The largest safe integer still goes through, exactly.
  const safe = await app.inject({ method: 'POST', url: '/n', body: `{"n":${MAX}}`, headers: { 'content-type': 'application/json' } });
  assert.equal(safe.statusCode, 200);
  assert.equal(safe.body, `{"n":${MAX}}`);
});

test('an array over maxItems is one too_long issue; under it, item errors are reported as before', async () => {
  const app = new App({ logger: false });
  app.post('/tags', { body: t.Object({ tags: t.Array(t.String(), { maxItems: 2 }) }) }, ({ body }) => body);
  const post = (tags: unknown[]) => app.inject({ method: 'POST', url: '/tags', body: { tags } });
  const tooMany = await post([1, 2, 3, 4]);
  assert.equal(tooMany.statusCode, 422);
  assert.deepEqual(tooMany.json().detail.map((i: any) => [i.type, i.loc]), [['too_long', ['body', 'tags']]]);
  const wrong = await post(['a', 1]);
  assert.deepEqual(wrong.json().detail, [{ type: 'string_type', loc: ['body', 'tags', 1], msg: 'Input should be a valid string', input: 1 }]);
  assert.equal((await post(['a', 'b'])).statusCode, 200);
});

test('Infinity (JSON 1e400) is not a number: 422 finite_number', async () => {
  const app = new App({ logger: false });
  app.post('/x', { body: t.Object({ x: t.Number() }) }, ({ body }) => body);
  const res = await app.inject({ method: 'POST', url: '/x', body: '{"x":1e400}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 422);
  assert.deepEqual(res.json().detail, [{ type: 'finite_number', loc: ['body', 'x'], msg: 'Input should be a finite number', input: null }]);
});
