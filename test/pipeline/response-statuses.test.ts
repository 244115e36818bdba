// Response filtering fails closed at startup: a route that declares response schemas and answers
// with a status that has none is refused when the app compiles (inline and offloaded alike), and
// `unfiltered` is the one explicit way to send a status's values as they are. The run-time half
// (a status set by the handler) is in fail-closed.test.ts, over a socket to a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, noContent, t } from '../../src/index.js';

const NoteOut = t.Object({ id: t.Integer(), name: t.String() });
const note = { id: 1, name: 'a', secret: 'internal-token-123' };

for (const offload of [false, true]) {
  test(`a route whose own status has no response schema is a startup error naming the route, the status and the declared ones${offload ? ' (offloaded)' : ''}`, () => {
    // module: an offloaded route needs one to compile; the pool starts only when the app listens.
    const app = new App({ logger: false, module: import.meta.url });
    app.post('/notes', { status: 201, response: { 200: NoteOut, 404: t.Object({ detail: t.String() }) }, offload }, () => note);
    assert.throws(() => app.ready(), {
      name: 'LoopwiseError',
      code: 'LW_ERR_INVALID_ROUTE',
      message: /^LW_ERR_INVALID_ROUTE: POST \/notes answers status 201, but its response schemas are for 200, 404 only, so its values would leave unfiltered\. Declare response\[201\], set status to a declared one, or list 201 in unfiltered/,
    });
  });
}

test('the default status 200 needs a schema too once any is declared; a bodiless status does not', () => {
  const typo = new App({ logger: false });
  typo.get('/notes', { response: { 201: NoteOut } }, () => note);
  assert.throws(() => typo.ready(), { code: 'LW_ERR_INVALID_ROUTE', message: /^LW_ERR_INVALID_ROUTE: GET \/notes answers status 200, but its response schemas are for 201 only/ });

  const bodiless = new App({ logger: false });
  bodiless.delete('/notes/:id', { status: 204, response: { 404: t.Object({ detail: t.String() }) } }, () => noContent());
  assert.doesNotThrow(() => bodiless.ready());
});

test('a route without response schemas, or whose status is listed in unfiltered, sends every field, as declared', async () => {
  const app = new App({ logger: false });
  app.post('/open', { status: 201 }, () => note);
  app.post('/opted-in', { status: 201, response: { 200: NoteOut }, unfiltered: [201] }, () => note);
  const open = await app.inject({ method: 'POST', url: '/open' });
  assert.deepEqual([open.statusCode, open.json()], [201, note]);
  const optedIn = await app.inject({ method: 'POST', url: '/opted-in' });
  assert.deepEqual([optedIn.statusCode, optedIn.json()], [201, note]);
});

test('a handler whose route lists unfiltered statuses may return another shape for them (the types allow it)', async () => {
  const app = new App({ logger: false });
  app.post('/jobs', { response: { 200: NoteOut }, unfiltered: [202] }, ({ reply }) => {
    reply.status(202);
    return { jobId: 'j-1', queued: true };
  });
  const res = await app.inject({ method: 'POST', url: '/jobs' });
  assert.deepEqual([res.statusCode, res.json()], [202, { jobId: 'j-1', queued: true }]);
});

test('unfiltered must list HTTP statuses that have no schema: a contradiction is a startup error', () => {
  const both = new App({ logger: false });
  both.get('/notes', { response: { 200: NoteOut }, unfiltered: [200] }, () => note);
  assert.throws(() => both.ready(), { code: 'LW_ERR_INVALID_ROUTE', message: /^LW_ERR_INVALID_ROUTE: GET \/notes declares a response schema for 200 and lists it in unfiltered: choose one/ });

  const notAStatus = new App({ logger: false });
  notAStatus.get('/notes', { response: { 200: NoteOut }, unfiltered: [2020] }, () => note);
  assert.throws(() => notAStatus.ready(), { code: 'LW_ERR_INVALID_ROUTE', message: /^LW_ERR_INVALID_ROUTE: unfiltered of GET \/notes lists 2020, which is not an HTTP status \(100-599\)/ });
});

test('the OpenAPI document lists an unfiltered status with an open schema, next to the declared ones', () => {
  const app = new App({ logger: false });
  app.get('/notes', { response: { 200: NoteOut }, unfiltered: [202] }, () => note);
  const responses = (app.openapi().paths['/notes'] as any).get.responses;
  assert.deepEqual(Object.keys(responses), ['200', '202']);
  assert.deepEqual(responses['202'], { description: 'Accepted', content: { 'application/json': { schema: {} } } });
});
