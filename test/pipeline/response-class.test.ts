// A route that declares it answers with sse(), stream() or file() (responseClass) cannot be
// offloaded: startup refuses it, naming the route and the way out. The declaration's own mistakes
// stop startup too; an inline route that declares one serves as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router, sse, stream, t, type RouteOptions } from '../../src/index.js';
import { assertStartupRefused } from '../support/refused-startup.js';

const events = (): AsyncGenerator<string> => (async function* () { yield 'hi'; })();

test('an offloaded route that declares an event stream stops startup', async () => {
  const app = new App({ logger: false });
  app.get('/prices', { offload: true, responseClass: 'sse' }, () => sse(events()));
  await assertStartupRefused(
    app,
    "LW_ERR_INVALID_ROUTE: GET /prices is offloaded but answers with an event stream (responseClass: 'sse'), which cannot come back from a worker thread. " +
      'Serve it from an inline route (offload: false on the route, if its Router or App offloads) and run the heavy work with task(): see docs/streaming.md.',
  );
});

test("a Router's or the App's offload counts; the route's own offload: false serves it inline", async () => {
  const reports = new Router({ prefix: '/reports', offload: true });
  reports.get('/:id.csv', { responseClass: 'stream', mediaType: 'text/csv' }, () => stream(events()));
  const app = new App({ logger: false });
  app.include(reports);
  await assertStartupRefused(
    app,
    "LW_ERR_INVALID_ROUTE: GET /reports/:id.csv is offloaded but answers with a stream (responseClass: 'stream'), which cannot come back from a worker thread. " +
      'Serve it from an inline route (offload: false on the route, if its Router or App offloads) and run the heavy work with task(): see docs/streaming.md.',
  );

  const whole = new App({ logger: false, offload: true });
  whole.get('/download', { responseClass: 'file' }, () => stream(events()));
  await assertStartupRefused(
    whole,
    "LW_ERR_INVALID_ROUTE: GET /download is offloaded but answers with a file (responseClass: 'file'), which cannot come back from a worker thread. " +
      'Serve it from an inline route (offload: false on the route, if its Router or App offloads) and run the heavy work with task(): see docs/streaming.md.',
  );

  const inline = new Router({ prefix: '/feeds', offload: true });
  inline.get('/prices', { offload: false, responseClass: 'sse' }, () => sse(events(), { heartbeat: 0 }));
  const served = new App({ logger: false });
  served.include(inline);
  const res = await served.inject('/feeds/prices');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/event-stream');
  assert.equal(res.body, 'data: hi\n\n');
});

test('the declaration itself: a known class, a media type only for stream and file, no JSON schema for its status', async () => {
  const cases: [RouteOptions, string][] = [
    [{ responseClass: 'html' as never }, `LW_ERR_INVALID_ROUTE: responseClass of GET /x must be 'sse', 'stream' or 'file', not "html".`],
    [{ mediaType: 'text/csv' }, `LW_ERR_INVALID_ROUTE: GET /x sets mediaType, which describes a streamed body: declare responseClass: 'stream' or 'file' with it.`],
    [{ responseClass: 'sse', mediaType: 'text/plain' }, `LW_ERR_INVALID_ROUTE: GET /x sets mediaType beside responseClass: 'sse', which is always text/event-stream: remove mediaType.`],
    [{ responseClass: 'file', mediaType: 'pdf' }, `LW_ERR_INVALID_ROUTE: mediaType of GET /x must be a media type such as "application/pdf", not "pdf".`],
    [
      { responseClass: 'stream', response: { 200: t.String() } },
      `LW_ERR_INVALID_ROUTE: GET /x answers status 200 with a stream (responseClass: 'stream'), which no JSON schema describes: remove response[200].`,
    ],
  ];
  for (const [options, message] of cases) {
    const app = new App({ logger: false, openapi: false });
    app.get('/x', options, () => stream(events()));
    assert.throws(() => app.ready(), { message });
  }
});

test('a declared stream route may document other statuses with schemas, without one for its own', async () => {
  const app = new App({ logger: false });
  app.get('/feed', { responseClass: 'sse', response: { 404: t.Object({ detail: t.String() }) } }, () => sse(events(), { heartbeat: 0 }));
  const res = await app.inject('/feed');
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, 'data: hi\n\n');
});
