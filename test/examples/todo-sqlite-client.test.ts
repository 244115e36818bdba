// The todo-sqlite example's tests as a FastAPI user writes them with TestClient, through
// app.testClient(): docs/testing.md shows each beside its FastAPI twin (test/testing/testing-md.test.ts
// checks that every loopwise snippet there is in this file or that one, word for word). The deeper
// suite, on the file itself and over a socket, is todo-sqlite.test.ts.
import { after, test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/index.js';
import { onBun, skipOnBun } from '../support/runtime.js';

// better-sqlite3 loads on Bun but cannot open a database there: the example is left unloaded (an
// empty App stands in, so the page's setup lines still read as they do) and every test is
// declared skipped. The tests keep the page's words: the skip is added here, not at each one.
const NO_SQLITE = "better-sqlite3's native addon does not load (ERR_DLOPEN_FAILED; bun:sqlite would be the port)";
const test = (name: string, fn: () => Promise<void>): void => void nodeTest(name, skipOnBun(NO_SQLITE), fn);

// A database of its own, named before the import: the module opens it as it loads.
const dir = mkdtempSync(join(tmpdir(), 'loopwise-todo-client-'));
process.env.TODO_DB = join(dir, 'todos.db');
process.env.LOG_LEVEL ??= 'warn';
const { app, db } = onBun ? { app: new App({ logger: false }), db: { open: false } } : await import('../../examples/todo-sqlite/app.js');
after(() => rmSync(dir, { recursive: true, force: true }));

const client = app.testClient();

/** A client that sends alice's (or bob's) bearer token with every request. */
async function signedIn(username: string, password: string) {
  const token = (await client.post('/token', { form: { username, password } })).json().access_token;
  return app.testClient({ headers: { authorization: `Bearer ${token}` } });
}

test('sign up', async () => {
  const response = await client.post('/users', { json: { username: 'alice', password: 'wonderland' } });
  assert.equal(response.statusCode, 201);
  assert.deepEqual(response.json(), { id: 1, username: 'alice' });

  const taken = await client.post('/users', { json: { username: 'ALICE', password: 'wonderland' } });
  assert.equal(taken.statusCode, 409);
  assert.deepEqual(taken.json(), { detail: 'Username already registered' });
});

test('log in with the OAuth2 form', async () => {
  const response = await client.post('/token', { form: { username: 'alice', password: 'wonderland' } });
  assert.equal(response.statusCode, 200);
  assert.equal(response.json().token_type, 'bearer');

  const wrong = await client.post('/token', { form: { username: 'alice', password: 'guess' } });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.headers['www-authenticate'], 'Bearer');
  assert.deepEqual(wrong.json(), { detail: 'Incorrect username or password' });
});

test('todos need a token', async () => {
  const response = await client.get('/todos/');
  assert.equal(response.statusCode, 401);
  assert.deepEqual(response.json(), { detail: 'Not authenticated' });
});

test('create, read, update, delete', async () => {
  const alice = await signedIn('alice', 'wonderland');
  const created = await alice.post('/todos/', { json: { title: 'Buy milk' } });
  assert.equal(created.statusCode, 201);
  const id = created.json().id;
  assert.deepEqual(created.json(), { id, title: 'Buy milk', done: false });

  const patched = await alice.patch(`/todos/${id}`, { json: { done: true } });
  assert.deepEqual(patched.json(), { id, title: 'Buy milk', done: true });
  assert.deepEqual((await alice.get('/todos/')).json(), [{ id, title: 'Buy milk', done: true }]);

  assert.equal((await alice.delete(`/todos/${id}`)).statusCode, 204);
  const gone = await alice.get(`/todos/${id}`);
  assert.equal(gone.statusCode, 404);
  assert.deepEqual(gone.json(), { detail: 'Todo not found' });
});

test('each user sees only their own todos', async () => {
  await client.post('/users', { json: { username: 'bob', password: 'builder-bob' } });
  const alice = await signedIn('alice', 'wonderland');
  const bob = await signedIn('bob', 'builder-bob');
  const id = (await alice.post('/todos/', { json: { title: 'secret' } })).json().id;

  assert.equal((await bob.get(`/todos/${id}`)).statusCode, 404);
  assert.deepEqual((await bob.get('/todos/')).json(), []);
});

test('an empty title is 422', async () => {
  const alice = await signedIn('alice', 'wonderland');
  const response = await alice.post('/todos/', { json: { title: '' } });
  assert.equal(response.statusCode, 422);
  assert.deepEqual(response.json().detail[0].loc, ['body', 'title']);
  assert.equal(response.json().detail[0].type, 'string_too_short');
});

test('closing the client runs the lifespan’s teardown', async () => {
  await client.close();
  assert.equal(db.open, false);
});
