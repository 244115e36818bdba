// A route's `consumes` limits the body types it reads: others get 415 naming what it takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t, type BodyMediaType } from '../../src/index.js';

function formOnlyApp(): App {
  const app = new App({ logger: false });
  app.post('/login', { body: t.Object({ user: t.String(), remember: t.Boolean() }), consumes: ['application/x-www-form-urlencoded'] }, async ({ body }) => body);
  app.post('/any', { body: t.Object({ n: t.Integer() }) }, async ({ body }) => body);
  return app;
}

test('a form-only route reads forms (coerced) and answers 415 to JSON, naming the type it takes', async () => {
  const app = formOnlyApp();
  const form = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'user=ada&remember=true' });
  assert.equal(form.statusCode, 200);
  assert.deepEqual(form.json(), { user: 'ada', remember: true });

  const asJson = await app.inject({ method: 'POST', url: '/login', body: { user: 'ada', remember: true } });
  assert.equal(asJson.statusCode, 415);
  assert.deepEqual(asJson.json(), { detail: "Unsupported Media Type: 'application/json'. Send the body as application/x-www-form-urlencoded." });
});

test('without consumes, only JSON is read: form, text, multipart and other types get 415 naming application/json', async () => {
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
    assert.equal(res.statusCode, 415, type);
    assert.deepEqual(res.json(), { detail: `Unsupported Media Type: '${type.split(';')[0]}'. Send the body as application/json.` });
  }
});

test('a route that lists several types reads each, and names them all in its 415', async () => {
  const app = new App({ logger: false });
  const consumes: BodyMediaType[] = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'];
  app.post('/any', { body: t.Union([t.Object({ n: t.Integer() }), t.String()]), consumes }, async ({ body }) => ({ body }));
  const form = await app.inject({ method: 'POST', url: '/any', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'n=3' });
  assert.deepEqual([form.statusCode, form.json()], [200, { body: { n: 3 } }]);
  const text = await app.inject({ method: 'POST', url: '/any', headers: { 'content-type': 'text/plain' }, body: 'hi' });
  assert.deepEqual([text.statusCode, text.json()], [200, { body: 'hi' }]);
  const png = await app.inject({ method: 'POST', url: '/any', headers: { 'content-type': 'image/png' }, body: 'x' });
  assert.equal(png.statusCode, 415);
  assert.deepEqual(png.json(), {
    detail: "Unsupported Media Type: 'image/png'. Send the body as application/json, application/x-www-form-urlencoded or text/plain.",
  });
});

test('a body type loopwise cannot read is refused at startup', () => {
  const app = new App({ logger: false });
  app.post('/upload', { body: t.String(), consumes: ['image/png' as BodyMediaType] }, async () => 1);
  assert.throws(() => app.ready(), { code: 'LW_ERR_INVALID_ROUTE', message: /consumes: "image\/png" is not a body type loopwise reads/ });
});
