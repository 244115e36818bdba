import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

async function post(app: App, body: unknown): Promise<{ status: number; json: any }> {
  const res = await app.inject({ method: 'POST', url: '/', body });
  return { status: res.statusCode, json: res.json() };
}

test('integer keys are written as JavaScript writes the integer', async () => {
  const app = new App({ logger: false });
  app.post('/', { body: t.Record(t.Integer(), t.String()) }, ({ body }) => body);
  assert.deepEqual(await post(app, { '01': 'a', '2': 'b', ' 3 ': 'd', '1_0': 'e', '+4': 'f', '-5.00': 'g' }), {
    status: 200,
    json: { '1': 'a', '2': 'b', '3': 'd', '10': 'e', '4': 'f', '-5': 'g' },
  });
  // Two spellings of one integer keep one value (JSON.parse has already put integer keys first, so the original order is gone).
  assert.equal(Object.keys((await post(app, { '01': 'a', '1': 'c' })).json).length, 1);
});

test('a refinement does not run on a default the server filled in', async () => {
  let calls = 0;
  const app = new App({ logger: false });
  app.post('/', { body: t.Object({ n: t.Refine(t.Integer({ default: 5 }), (n) => (calls++, n + 1)) }) }, ({ body }) => body);
  assert.deepEqual(await post(app, {}), { status: 200, json: { n: 5 } });
  assert.equal(calls, 0);
  assert.deepEqual(await post(app, { n: 1 }), { status: 200, json: { n: 2 } });
});

test('a nullable refined value: null skips the function', async () => {
  const app = new App({ logger: false });
  app.post('/', { body: t.Object({ s: t.Union([t.Refine(t.String(), (s) => s.trim()), t.Null()]) }) }, ({ body }) => body);
  assert.deepEqual(await post(app, { s: null }), { status: 200, json: { s: null } });
  assert.deepEqual(await post(app, { s: ' a ' }), { status: 200, json: { s: 'a' } });
});

test('refinements at two levels run inner first, each once; the outer is skipped when an inner one failed', async () => {
  const order: string[] = [];
  const Inner = t.Refine(t.String(), (s) => {
    order.push(`inner ${s}`);
    if (s === 'no') throw new Error('inner refused');
  });
  const app = new App({ logger: false });
  app.post('/', { body: t.Refine(t.Object({ a: Inner }), (o) => void order.push('outer')) }, ({ body }) => body);
  assert.equal((await post(app, { a: 'yes' })).status, 200);
  assert.deepEqual(order, ['inner yes', 'outer']);
  order.length = 0;
  assert.deepEqual((await post(app, { a: 'no' })).json.detail[0].loc, ['body', 'a']);
  assert.deepEqual(order, ['inner no']);
});

test('many refused values: at most maxIssues entries, then the "more" entry', async () => {
  const app = new App({ logger: false, validation: { maxIssues: 3 } });
  app.post('/', { body: t.Array(t.Refine(t.Integer(), () => { throw new Error('no'); })) }, () => 'never');
  const { json } = await post(app, [1, 2, 3, 4, 5]);
  assert.deepEqual(json.detail.map((d: { type: string }) => d.type), ['value_error', 'value_error', 'value_error', 'too_many_errors']);
  assert.deepEqual(json.detail[3].ctx, { limit: 3, omitted: 2 });
});

test('a long message is cut, as inputs are', async () => {
  const app = new App({ logger: false });
  app.post('/', { body: t.Object({ s: t.Refine(t.String(), (s) => { throw new Error(`bad: ${s}`); }) }) }, () => 'never');
  const { json } = await post(app, { s: 'x'.repeat(100_000) });
  assert.ok(json.detail[0].msg.length < 2_000, String(json.detail[0].msg.length));
});

test('inside t.Recursive: refused at startup', () => {
  const app = new App({ logger: false });
  const Node = t.Recursive((self) => t.Object({ name: t.Refine(t.String(), (s) => s), children: t.Array(self) }));
  app.post('/', { body: Node }, () => 'never');
  assert.throws(() => app.ready(), { code: 'LW_ERR_SCHEMA_INVALID', message: /t\.Recursive/ });
});

test('t.Refine refuses a check that is not a function, at the call', () => {
  assert.throws(() => t.Refine(t.String(), 'nope' as never), { code: 'LW_ERR_SCHEMA_INVALID' });
});
