// Routes that declare responseClass are documented with their real media type on /openapi.json
// (FastAPI's response_class): an event stream as text/event-stream, a stream or file as bytes of
// its mediaType (application/octet-stream by default); undeclared ones stay JSON, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, file, sse, stream, t } from '../../src/index.js';
import { describeProblem, redoclyLint } from '../support/redocly-lint.js';

const events = (): AsyncGenerator<string> => (async function* () { yield 'hi'; })();

function streamingApp(): App {
  const app = new App({ logger: false, title: 'Streams', version: '1.0.0' });
  app.get('/prices', { responseClass: 'sse', summary: 'Prices', response: { 404: t.Object({ detail: t.String() }) } }, () => sse(events()));
  app.get('/reports/:id', { params: t.Object({ id: t.Integer() }), responseClass: 'file', mediaType: 'application/pdf' }, () => file('report.pdf'));
  app.get('/export', { responseClass: 'stream', mediaType: 'text/csv; charset=utf-8' }, () => stream(events()));
  app.get('/blob', { responseClass: 'file' }, () => file('blob.bin'));
  app.post('/created-feed', { responseClass: 'sse', status: 201 }, () => sse(events(), { status: 201 }));
  app.get('/undeclared', () => sse(events()));
  return app;
}

test('/openapi.json gives each declared stream its media type', async () => {
  const app = streamingApp();
  const res = await app.inject('/openapi.json');
  assert.equal(res.statusCode, 200);
  const paths = res.json().paths;
  const success = (path: string, method = 'get', status = '200') => paths[path][method].responses[status];

  assert.deepEqual(success('/prices'), { description: 'Successful Response', content: { 'text/event-stream': { schema: { type: 'string' } } } });
  // Other statuses keep their JSON schemas.
  assert.deepEqual(success('/prices', 'get', '404').content, { 'application/json': { schema: { type: 'object', required: ['detail'], properties: { detail: { type: 'string' } } } } });
  assert.deepEqual(success('/reports/{id}').content, { 'application/pdf': { schema: { type: 'string', format: 'binary' } } });
  assert.ok(paths['/reports/{id}'].get.responses['422'], 'a route that validates still documents its 422');
  assert.deepEqual(success('/export').content, { 'text/csv; charset=utf-8': { schema: { type: 'string', format: 'binary' } } });
  assert.deepEqual(success('/blob').content, { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } });
  assert.deepEqual(success('/created-feed', 'post', '201').content, { 'text/event-stream': { schema: { type: 'string' } } });
  assert.equal(paths['/created-feed'].post.responses['200'], undefined);
  // Without the declaration the document cannot know: JSON, as before.
  assert.deepEqual(success('/undeclared').content, { 'application/json': { schema: {} } });
});

test('the document with streamed responses passes Redocly lint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-streamed-openapi-'));
  try {
    const path = join(dir, 'openapi.json');
    writeFileSync(path, JSON.stringify(streamingApp().openapi()));
    const errors = (await redoclyLint(path)).filter((problem) => problem.severity === 'error');
    assert.deepEqual(errors.map(describeProblem), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
