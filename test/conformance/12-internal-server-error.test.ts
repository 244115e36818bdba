// Cause 12 of the FastAPI-parity work: an unhandled error. FastAPI (Starlette's
// ServerErrorMiddleware) answers 500 with the plain text `Internal Server Error`
// (starlette/middleware/errors.py, `PlainTextResponse("Internal Server Error", status_code=500)`).
// loopwise keeps JSON on purpose (docs/coming-from-fastapi.md), and the recipe that page gives
// for FastAPI's text answer must work as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, text } from '../../src/index.js';

function appWithABug(): App {
  const app = new App({ logger: false });
  app.get('/boom', () => {
    throw new Error('a bug in the handler');
  });
  return app;
}

test('a handler that throws: 500 with JSON {"detail":"Internal Server Error"}, the deliberate difference', async () => {
  const res = await appWithABug().inject('/boom');
  assert.equal(res.statusCode, 500);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
});

// FastAPI: status 500, body `Internal Server Error`, content-type `text/plain; charset=utf-8`.
test("the documented recipe gives FastAPI's plain-text 500", async () => {
  const app = appWithABug();
  app.exceptionHandler(500, () => text('Internal Server Error', { status: 500 }));
  const res = await app.inject('/boom');
  assert.equal(res.statusCode, 500);
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.body, 'Internal Server Error');
});
