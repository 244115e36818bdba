// Cause 10 of issue 21: the code after `yield` of a dependency, and the answer. Current FastAPI
// (fastapi/routing.py request_response: the dependencies' exit stacks close around the handler,
// before the response is sent when the handler raised; checked against fastapi 0.142.2): when the
// handler (or a dependency) raises, each generator sees the exception at its `yield` before the
// answer is written, last set up first, and what it raises instead is the answer; one that swallows
// the exception leaves no answer, which FastAPI turns into a 500. When the handler returns, the
// code after `yield` runs once the response is sent, and cannot change it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, dependency, t } from '../../src/index.js';
import { captureLog, waitUntil } from '../deps/fixtures/helpers.js';
import { app as offloaded008b } from './fixtures/tutorial008b-app.js';
import { withTimeout } from '../support/with-timeout.js';

class OwnerError extends Error {}
class InternalError extends Error {}

const data: Record<string, { description: string; owner: string }> = {
  plumbus: { description: 'Freshly pickled plumbus', owner: 'Morty' },
  'portal-gun': { description: 'Gun to create portals', owner: 'Rick' },
};

describe('docs_src/dependencies/tutorial008b: a yield dependency converts the error into an HTTPException', () => {
  const getUsername = dependency(function* getUsername() {
    try {
      yield 'Rick';
    } catch (error) {
      if (error instanceof OwnerError) throw new HTTPException(400, `Owner error: ${error.message}`);
      throw error;
    }
  });
  const app = new App({ logger: false });
  app.get('/items/:item_id', { params: t.Object({ item_id: t.String() }), deps: { username: getUsername } }, ({ params, deps }) => {
    const item = data[params.item_id];
    if (item === undefined) throw new HTTPException(404, 'Item not found');
    if (item.owner !== deps.username) throw new OwnerError(deps.username);
    return item;
  });
  after(() => app.close());

  // tests/test_tutorial/test_dependencies/test_tutorial008b.py test_get_no_item: GET /items/foo → 404 {"detail": "Item not found"}
  test('the handler raises HTTPException 404: the generator lets it through → 404', async () => {
    const res = await app.inject('/items/foo');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { detail: 'Item not found' });
  });

  // test_tutorial008b.py test_owner_error: GET /items/plumbus → 400 {"detail": "Owner error: Rick"}
  test('the handler raises OwnerError: the generator converts it → 400', async () => {
    const res = await app.inject('/items/plumbus');
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { detail: 'Owner error: Rick' });
  });

  // test_tutorial008b.py test_get_item: GET /items/portal-gun → 200 {"description": "Gun to create portals", "owner": "Rick"}
  test('the handler returns → 200', async () => {
    const res = await app.inject('/items/portal-gun');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { description: 'Gun to create portals', owner: 'Rick' });
  });
});

describe('docs_src/dependencies/tutorial008b on an offloaded route (the dependency runs on the worker thread)', () => {
  after(() => offloaded008b.close());

  // test_tutorial008b.py test_get_no_item (404), test_owner_error (400 "Owner error: Rick"), test_get_item (200)
  test('404, 400 "Owner error: Rick" and 200, as inline', async () => {
    await withTimeout(offloaded008b.listen({ port: 0, handleSignals: false }), 60_000, 'listen()');
    const missing = await withTimeout(offloaded008b.inject('/items/foo'), 60_000, 'first request');
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { detail: 'Item not found' });
    const owner = await offloaded008b.inject('/items/plumbus');
    assert.equal(owner.statusCode, 400);
    assert.deepEqual(owner.json(), { detail: 'Owner error: Rick' });
    const ok = await offloaded008b.inject('/items/portal-gun');
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { description: 'Gun to create portals', owner: 'Rick' });
  });
});

describe('docs_src/dependencies/tutorial008c and 008d: catching without raising again, and re-raising', () => {
  const swallowing = dependency(function* getUsername() {
    try {
      yield 'Rick';
    } catch (error) {
      if (!(error instanceof InternalError)) throw error;
      // "Oops, we didn't raise again, Britney 😱"
    }
  });
  const reraising = dependency(function* getUsername() {
    try {
      yield 'Rick';
    } catch (error) {
      throw error; // "We don't swallow the internal error here, we raise again 😎"
    }
  });
  const app = new App({ logger: false });
  for (const [prefix, getUsername] of [
    ['/008c', swallowing],
    ['/008d', reraising],
  ] as const) {
    app.get(`${prefix}/items/:item_id`, { params: t.Object({ item_id: t.String() }), deps: { username: getUsername } }, ({ params, deps }) => {
      if (params.item_id === 'portal-gun') throw new InternalError(`The portal gun is too dangerous to be owned by ${deps.username}`);
      if (params.item_id !== 'plumbus') throw new HTTPException(404, "Item not found, there's only a plumbus here");
      return params.item_id;
    });
  }
  after(() => app.close());

  // test_tutorial008c.py / test_tutorial008d.py test_get_no_item: 404 {"detail": "Item not found, there's only a plumbus here"}; test_get: 200 "plumbus"
  test('404 and 200 as the handler answers', async () => {
    for (const prefix of ['/008c', '/008d']) {
      const missing = await app.inject(`${prefix}/items/foo`);
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { detail: "Item not found, there's only a plumbus here" });
      const ok = await app.inject(`${prefix}/items/plumbus`);
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json(), 'plumbus');
    }
  });

  // test_tutorial008c.py test_internal_server_error: GET /items/portal-gun → 500 "Internal Server Error"
  // (FastAPIError: "Response not awaited ... a dependency with yield has a block with a bare except").
  // loopwise's 500 body is JSON {"detail": "Internal Server Error"} (cause 12, a deliberate difference).
  test('008c: the generator swallows the error → 500, and the log names the dependency', async () => {
    const { logger, lines } = captureLog();
    const logged = new App({ logger });
    logged.get('/items/portal-gun', { deps: { username: swallowing } }, () => {
      throw new InternalError('The portal gun is too dangerous to be owned by Rick');
    });
    const res = await logged.inject('/items/portal-gun');
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
    await logged.close();
    const message = lines.map((line) => String(line.err?.message ?? '')).find((text) => text.includes('did not throw again'));
    assert.ok(message?.includes('dependency getUsername caught an error (The portal gun is too dangerous to be owned by Rick)'), JSON.stringify(lines));
  });

  // test_tutorial008d.py test_internal_server_error: GET /items/portal-gun → 500 "Internal Server Error"
  test('008d: the generator raises again → 500', async () => {
    const res = await app.inject('/008d/items/portal-gun');
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { detail: 'Internal Server Error' });
  });
});

describe('the order of the cleanups and the answer (FastAPI 0.142.2, AsyncExitStack semantics)', () => {
  // FastAPI: an outer generator (set up first) sees the HTTPException an inner one raised instead
  // of the handler's error; GET /chain → 400 "Owner error: Rick", and the outer one saw a 400.
  test('an outer generator sees what the inner one raised instead', async () => {
    const seen: unknown[] = [];
    const outer = dependency(function* outer() {
      try {
        yield 'o';
      } catch (error) {
        seen.push(error instanceof HTTPException ? error.statusCode : error);
        throw error;
      }
    });
    const convert = dependency({ deps: { outer } }, function* convert() {
      try {
        yield 'Rick';
      } catch (error) {
        if (error instanceof OwnerError) throw new HTTPException(400, `Owner error: ${error.message}`);
        throw error;
      }
    });
    const app = new App({ logger: false });
    app.get('/chain', { deps: { username: convert } }, ({ deps }) => {
      throw new OwnerError(deps.username);
    });
    const res = await app.inject('/chain');
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { detail: 'Owner error: Rick' });
    assert.deepEqual(seen, [400]);
    await app.close();
  });

  // FastAPI: a handler's HTTPException(404) caught by a generator that raises HTTPException(409) → 409.
  test("a generator can replace the handler's HTTPException with another", async () => {
    const conflict = dependency(function* conflict() {
      try {
        yield 'x';
      } catch (error) {
        if (error instanceof HTTPException) throw new HTTPException(409, `was ${error.statusCode}`);
        throw error;
      }
    });
    const app = new App({ logger: false });
    app.get('/http', { deps: { x: conflict } }, () => {
      throw new HTTPException(404, 'nf');
    });
    const res = await app.inject('/http');
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), { detail: 'was 404' });
    await app.close();
  });

  // FastAPI: the background tasks of a request whose error a generator converted do not run (400, no task).
  test('background tasks of a failed request are dropped, converted or not', async () => {
    const ran: string[] = [];
    const convert = dependency(function* convert() {
      try {
        yield 'Rick';
      } catch (error) {
        throw error instanceof OwnerError ? new HTTPException(400, `Owner error: ${error.message}`) : error;
      }
    });
    const app = new App({ logger: false });
    app.get('/bg', { deps: { username: convert } }, ({ deps, background }) => {
      background.add(() => void ran.push('task'));
      throw new OwnerError(deps.username);
    });
    const res = await app.inject('/bg');
    assert.equal(res.statusCode, 400);
    await app.close();
    assert.deepEqual(ran, []);
  });

  // FastAPI (default scope): when the handler returns, the code after yield runs after the response
  // is sent; an HTTPException raised there does not change it: GET /exit → 200 "ok".
  test('after a success, the cleanup runs after the response and cannot change it', async () => {
    const events: string[] = [];
    const late = dependency(function* late() {
      yield 'x';
      events.push('cleanup');
      throw new HTTPException(418, 'late');
    });
    const app = new App({ logger: false });
    app.get('/exit', { deps: { x: late } }, () => 'ok');
    const res = await app.inject('/exit');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json(), 'ok');
    await waitUntil(() => events.includes('cleanup'), 3_000, 'the cleanup');
    await app.close();
  });
});
