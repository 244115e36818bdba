// fulfilledNow (src/server/fulfilled-now.ts): on Bun, an already-fulfilled promise's value at once
// (Bun.peek); on Node, and for a pending or rejected promise, NOT_YET, so the caller waits as before.
// And through a server: an async handler that never awaits answers the same as one that does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { NOT_YET, fulfilledNow } from '../../src/server/fulfilled-now.js';
import { App, t } from '../../src/index.js';
import { request } from '../support/http.js';
import { onBun } from '../support/runtime.js';

test('a fulfilled promise gives its value on Bun and NOT_YET on Node; pending and rejected ones give NOT_YET everywhere', async () => {
  const fulfilled = (async () => ({ answer: 42 }))();
  if (onBun) assert.deepEqual(fulfilledNow(fulfilled), { answer: 42 });
  else assert.equal(fulfilledNow(fulfilled), NOT_YET);
  const pending = sleep(1).then(() => 'later');
  assert.equal(fulfilledNow(pending), NOT_YET);
  assert.equal(await pending, 'later');
  const rejected = Promise.reject(new Error('no'));
  assert.equal(fulfilledNow(rejected), NOT_YET);
  await assert.rejects(rejected, /no/);
  assert.equal(fulfilledNow(Promise.resolve(undefined)), onBun ? undefined : NOT_YET);
  // A subclass may do its work in then() (p-lazy does): never read past it.
  class Lazy<T> extends Promise<T> {}
  assert.equal(fulfilledNow(Lazy.resolve(1)), NOT_YET);
});

test('async handlers that return at once, await, or throw answer as they should, with status, headers and background tasks', async () => {
  const ran: string[] = [];
  const app = new App({ logger: false });
  app.get('/now/:id', { params: t.Object({ id: t.Integer() }) }, async ({ params, reply, background }) => {
    reply.status(201).header('x-id', String(params.id));
    background.add(() => void ran.push(`now ${params.id}`));
    return { id: params.id };
  });
  app.get('/later', async () => {
    await sleep(1);
    return { later: true };
  });
  // A Promise subclass that starts its work only when then() is called (as p-lazy does), returned by a plain function.
  class LazyWork<T> extends Promise<T> {
    constructor(private readonly work: () => T) {
      super((resolve) => resolve(undefined as T));
    }
    override then<A = T, B = never>(onFulfilled?: ((value: T) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
      return Promise.resolve(this.work()).then(onFulfilled, onRejected);
    }
  }
  app.get('/lazy', () => new LazyWork(() => ({ lazy: 'done' })));
  app.get('/throws-now', async () => {
    throw new Error('at once');
  });
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    const now = await request(port, '/now/7');
    assert.equal(now.status, 201);
    assert.equal(now.headers['x-id'], '7');
    assert.deepEqual(now.json(), { id: 7 });
    assert.deepEqual((await request(port, '/later')).json(), { later: true });
    assert.deepEqual((await request(port, '/lazy')).json(), { lazy: 'done' }, 'a subclass’s own then() runs');
    const failed = await request(port, '/throws-now');
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.json(), { detail: 'Internal Server Error' });
    for (let i = 0; i < 100 && ran.length === 0; i++) await sleep(10);
    assert.deepEqual(ran, ['now 7'], 'the background task ran after the answer');
  } finally {
    await app.close();
  }
});
