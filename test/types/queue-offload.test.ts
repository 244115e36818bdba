// Compile-time checks of `offload: { queue }` on a Router and on the App (`npm test` runs
// `tsc --noEmit` first, so a wrong inference fails the suite), and the runtime options they give routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { App, Router, bullmq, endpoint, redis, t, type RequestSnapshot } from '../../src/index.js';
import { isQueueOffload } from '../../src/queue/bullmq-config.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

// Plain data: nothing connects until an App serves a route through it.
const queue = bullmq(redis('redis://127.0.0.1:6379'), { name: 'types' });

test("a Router's offload: { queue } types its handlers' request as a snapshot; a route's own offload wins", () => {
  const jobs = new Router({ prefix: '/jobs', offload: { queue } });
  jobs.get('/a', ({ request }) => {
    expectType<typeof request, RequestSnapshot>(true);
    // @ts-expect-error: the socket stays with the API process
    void request.socket;
    return null;
  });
  jobs.post('/b', { body: t.Object({ n: t.Number() }) }, ({ request, body }) => {
    expectType<typeof request, RequestSnapshot>(true);
    expectType<typeof body, { n: number }>(true);
    return null;
  });
  jobs.get('/inline', { offload: false }, ({ request }) => {
    expectType<typeof request, IncomingMessage>(true);
    return null;
  });
  jobs.get('/thread', { offload: true }, ({ request }) => {
    expectType<typeof request, RequestSnapshot>(true);
    return null;
  });
  const app = new App({ logger: false });
  app.include(jobs);
  const offloads = Object.fromEntries(app.routes().map((route) => [route.path, route.options.offload]));
  assert.ok(isQueueOffload(offloads['/jobs/a']) && offloads['/jobs/a'].queue === queue);
  assert.ok(isQueueOffload(offloads['/jobs/b']));
  assert.equal(offloads['/jobs/inline'], false);
  assert.equal(offloads['/jobs/thread'], true);
});

test("the App's offload: { queue } applies to its routes and its routers' routes that do not say otherwise", () => {
  const app = new App({ logger: false, offload: { queue } });
  app.get('/x', ({ request }) => {
    expectType<typeof request, RequestSnapshot>(true);
    return null;
  });
  app.get('/here', { offload: false }, ({ request }) => {
    expectType<typeof request, IncomingMessage>(true);
    return null;
  });
  const plain = new Router({ prefix: '/plain' });
  plain.get('/a', () => null);
  const threads = new Router({ prefix: '/threads', offload: true });
  threads.get('/a', () => null);
  app.include(plain).include(threads);
  const offloads = Object.fromEntries(app.routes().map((route) => [route.path, route.options.offload]));
  assert.ok(isQueueOffload(offloads['/x']));
  assert.equal(offloads['/here'], false);
  assert.ok(isQueueOffload(offloads['/plain/a']), 'the nearest setting wins: the plain router says nothing, so the App does');
  assert.equal(offloads['/threads/a'], true, "the router's own true wins over the App's queue");
});

test('a queue-offloaded Router takes endpoint values only when they say offload themselves (their handler types were fixed without it)', () => {
  const jobs = new Router({ offload: { queue } });
  const said = endpoint.get('/said', { offload: { queue } }, ({ request }) => {
    expectType<typeof request, RequestSnapshot>(true);
    return null;
  });
  const unsaid = endpoint.get('/unsaid', () => null);
  jobs.add(said);
  // @ts-expect-error: its handler was typed for Node's request, but it would run on a worker
  jobs.add(unsaid);
  assert.equal(jobs.routes().length, 2);
});
