// A route's `consumes` limits the body types it reads: others are never decoded, and get FastAPI's 422.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t, type BodyMediaType } from '../../src/index.js';

function formOnlyApp(): App {
  const app = new App({ logger: false });
  app.post('/login', { body: t.Object({ user: t.String(), remember: t.Boolean() }), consumes: ['application/x-www-form-urlencoded'] }, async ({ body }) => body);
  app.post('/any', { body: t.Object({ n: t.Integer() }) }, async ({ body }) => body);
  return app;
}

test('a form-only route reads forms (coerced); JSON is an empty form to it, each field missing (FastAPI)', async () => {
  const app = formOnlyApp();
  const form = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'user=ada&remember=true' });
  assert.equal(form.statusCode, 200);
  assert.deepEqual(form.json(), { user: 'ada', remember: true });

  const asJson = await app.inject({ method: 'POST', url: '/login', body: { user: 'ada', remember: true } });
  assert.equal(asJson.statusCode, 422);
  assert.deepEqual(asJson.json(), {
    detail: [
      { type: 'missing', loc: ['body', 'user'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'remember'], msg: 'Field required', input: null },
    ],
  });
});

test('without consumes, only JSON is read: form, text, multipart and other types are model_attributes_type quoting the text', async () => {
  const app = formOnlyApp();
  const json = await app.inject({ method: 'POST', url: '/any', body: { n: 3 } });
  assert.deepEqual([json.statusCode, json.json()], [200, { n: 3 }]);
  for (const [type, body] of [
    ['application/x-www-form-urlencoded', 'n=3'],
    ['text/plain', '{"n":3}'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="n"\r\n\r\n3\r\n--x--\r\n'],
    ['image/png', 'x'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/any', headers: { 'content-type': type }, body });
    assert.equal(res.statusCode, 422, type);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }],
    });
  }
});

test('a route that lists several types reads each; another type is refused even where the schema would take its text', async () => {
  const app = new App({ logger: false });
  const consumes: BodyMediaType[] = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'];
  app.post('/any', { body: t.Union([t.Object({ n: t.Integer() }), t.String()]), consumes }, async ({ body }) => ({ body }));
  const form = await app.inject({ method: 'POST', url: '/any', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'n=3' });
  assert.deepEqual([form.statusCode, form.json()], [200, { body: { n: 3 } }]);
  const text = await app.inject({ method: 'POST', url: '/any', headers: { 'content-type': 'text/plain' }, body: 'hi' });
  assert.deepEqual([text.statusCode, text.json()], [200, { body: 'hi' }]);
  const png = await app.inject({ method: 'POST', url: '/any', headers: { 'content-type': 'image/png' }, body: 'x' });
  assert.equal(png.statusCode, 422);
  assert.deepEqual(png.json(), {
    detail: [{
      type: 'unsupported_content_type',
      loc: ['body'],
      msg: "Input should be sent as application/json, application/x-www-form-urlencoded or text/plain: this route does not read 'image/png'",
      input: 'x',
      ctx: { content_type: 'image/png', expected: 'application/json, application/x-www-form-urlencoded or text/plain' },
    }],
  });
});

test('a body type loopwise cannot read is refused at startup', () => {
  const app = new App({ logger: false });
  app.post('/upload', { body: t.String(), consumes: ['image/png' as BodyMediaType] }, async () => 1);
  assert.throws(() => app.ready(), { code: 'LW_ERR_INVALID_ROUTE', message: /consumes: "image\/png" is not a body type loopwise reads/ });
});
