// /health and /ready: off unless asked for; liveness answers while the process serves,
// readiness turns 503 once the app is shutting down (and while it sheds load: test/guard/shedding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { App } from '../../src/index.js';

test('no /health or /ready unless health: true', async () => {
  const app = new App({ logger: false });
  assert.equal((await app.inject('/health')).statusCode, 404);
  assert.equal((await app.inject('/ready')).statusCode, 404);
});

test('/ready turns 503 with Retry-After while close() waits for in-flight requests; /health stays 200', async () => {
  const app = new App({ logger: false, health: true });
  let inHandler!: () => void;
  const handling = new Promise<void>((resolve) => (inHandler = resolve));
  app.get('/slow', async () => {
    inHandler();
    await sleep(300);
    return { done: true };
  });
  const { url } = await app.listen({ port: 0, handleSignals: false });
  assert.deepEqual((await app.inject('/ready')).json(), { status: 'ready' });
  const slow = fetch(`${url}/slow`).then((res) => res.status);
  await handling; // in flight: close() must wait for it (a fixed wait could close before it arrived)
  const closing = app.close();
  const ready = await app.inject('/ready');
  assert.equal(ready.statusCode, 503);
  assert.equal(ready.headers['retry-after'], '1');
  assert.deepEqual(ready.json(), { detail: 'Service Unavailable: not ready (shutting down)' });
  assert.deepEqual((await app.inject('/health')).json(), { status: 'ok' });
  assert.equal(await slow, 200);
  await closing;
});

test('a user route at /health collides clearly', async () => {
  const app = new App({ logger: false, health: true });
  app.get('/health', () => ({ mine: true }));
  await assert.rejects(app.inject('/health'), /LW_ERR_DUPLICATE_ROUTE/);
});
