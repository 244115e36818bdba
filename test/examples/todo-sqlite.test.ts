// The todo-sqlite example against a real SQLite file in a temp directory: sign-up and OAuth2's
// password flow, bearer tokens checked by a dependency, each user's todos kept from the others,
// the audit trail written by background tasks; the CRUD cycle over a socket and through
// inject(), FastAPI's error shapes, WAL on disk, and handlers that really run on worker threads,
// each with its own connection. The tests run in order on one database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, scryptSync } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { withTimeout } from '../support/with-timeout.js';
import { onBun, skipOnBun } from '../support/runtime.js';

const TIMEOUT = 10_000;
const BURST = 40;

// better-sqlite3 loads on Bun but cannot open a database there: the example and the file's
// connections are left unloaded, and every test is declared skipped.
const NO_SQLITE = "better-sqlite3's native addon does not load (ERR_DLOPEN_FAILED; bun:sqlite would be the port)";
type Files = typeof import('./fixtures/todo-sqlite-files.js');
const { dir, file, app, db, reader, journalMode, tableNames, rowsOnDisk, todoOnDisk, userOnDisk, tokenOnDisk, auditOnDisk, lastAuditId, writer, insertToken, dataVersion } = onBun
  ? ({} as Files)
  : await import('./fixtures/todo-sqlite-files.js');

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

interface Res {
  status: number;
  headers: Headers;
  body: any;
}

/** A request over the socket: a JSON body, or a form (URLSearchParams), with a bearer token or none. */
async function request(method: string, path: string, options: { body?: unknown; token?: string; authorization?: string } = {}): Promise<Res> {
  const { body, token } = options;
  const headers: Record<string, string> = {};
  const authorization = options.authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined && !(body instanceof URLSearchParams)) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : body instanceof URLSearchParams ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
/** Requests as one signed-in user; the answer's status and body. */
function as(token: string): Call {
  return async (method, path, body) => {
    const { status, body: parsed } = await request(method, path, { body, token });
    return { status, body: parsed };
  };
}

function signUp(username: string, password: string): Promise<Res> {
  return request('POST', '/users', { body: { username, password } });
}

function logIn(username: string, password: string): Promise<Res> {
  return request('POST', '/token', { body: new URLSearchParams({ username, password }) });
}

/** Polls the file until `check` is true: what background tasks write lands shortly after the response. */
async function eventually<T>(read: () => T, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const value = read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

function assertUnauthorized(res: Res, detail: string, what: string): void {
  assert.equal(res.status, 401, what);
  assert.deepEqual(res.body, { detail }, what);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer', what);
}

const PASSWORDS = { alice: 'wonderland', bob: 'builder-bob' };
let base = '';
let aliceToken = '';
let alice: Call;
let bob: Call;
let aliceId = 0;

before(async () => {
  if (onBun) return;
  base = (await withTimeout(app.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()')).url;
  for (const [name, password] of Object.entries(PASSWORDS)) assert.equal((await signUp(name, password)).status, 201, `sign up ${name}`);
  aliceToken = (await logIn('alice', PASSWORDS.alice)).body.access_token;
  alice = as(aliceToken);
  bob = as((await logIn('bob', PASSWORDS.bob)).body.access_token);
  aliceId = userOnDisk.get('alice')!.id;
});

after(async () => {
  if (onBun) return;
  await withTimeout(app.close(), TIMEOUT, 'close()'); // stops the workers, closing their connections
  reader.close();
  writer.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the database file is created on first import, with its tables, in WAL mode', skipOnBun(NO_SQLITE), () => {
  assert.ok(existsSync(file), `${file} was not created`);
  assert.equal(journalMode.get(), 'wal');
  assert.deepEqual(tableNames.all(), ['audit', 'todos', 'tokens', 'users']);
  assert.equal(rowsOnDisk(), 0);
});

test('sign-up stores a salted scrypt hash, never the password; a taken username is 409', skipOnBun(NO_SQLITE), async () => {
  const created = await signUp('carol', 'correct horse');
  assert.equal(created.status, 201);
  assert.deepEqual(created.body, { id: created.body.id, username: 'carol' });
  const row = userOnDisk.get('carol')!;
  assert.equal(row.password_salt.length, 16);
  assert.deepEqual(row.password_hash, scryptSync('correct horse', row.password_salt, 32));
  assert.notDeepEqual(userOnDisk.get('alice')!.password_salt, row.password_salt); // a salt per user
  for (const name of ['todos.db', 'todos.db-wal']) {
    const path = join(dir, name);
    if (existsSync(path)) assert.ok(!readFileSync(path).includes('correct horse'), `the password is in ${name}`);
  }

  for (const username of ['carol', 'CAROL']) {
    const taken = await signUp(username, 'another password');
    assert.deepEqual([taken.status, taken.body], [409, { detail: 'Username already registered' }], username);
  }
  const short = await signUp('dave', 'short');
  assert.equal(short.status, 422);
  assert.deepEqual(short.body.detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[['body', 'password'], 'string_too_short']]);
});

test('POST /token: the OAuth2 form in, a bearer token out; a wrong password or unknown user is 401', skipOnBun(NO_SQLITE), async () => {
  assertUnauthorized(await logIn('alice', 'not her password'), 'Incorrect username or password', 'wrong password');
  assertUnauthorized(await logIn('nobody', PASSWORDS.alice), 'Incorrect username or password', 'unknown user');
  assertUnauthorized(await logIn('alice', ''), 'Incorrect username or password', 'empty password');

  const ok = await logIn('alice', PASSWORDS.alice);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { access_token: ok.body.access_token, token_type: 'bearer', expires_in: 3600 });
  assert.match(ok.body.access_token, /^[\w-]{43}$/); // 32 random bytes, base64url
  // Stored as its SHA-256 only, with its owner and expiry.
  const stored = tokenOnDisk.get(sha256(ok.body.access_token))!;
  assert.equal(stored.user_id, aliceId);
  assert.ok(Math.abs(stored.expires_at - (Date.now() / 1000 + 3600)) < 60, `expires_at ${stored.expires_at}`);
  // A second sign-in gets a token of its own; both work.
  const again = await logIn('ALICE', PASSWORDS.alice);
  assert.notEqual(again.body.access_token, ok.body.access_token);
  for (const token of [ok.body.access_token, again.body.access_token, aliceToken]) {
    assert.deepEqual(await as(token)('GET', '/users/me'), { status: 200, body: { id: aliceId, username: 'alice' } });
  }

  // The form is what OAuth2 defines: not JSON, and both fields required.
  const json = await request('POST', '/token', { body: { username: 'alice', password: PASSWORDS.alice } });
  assert.equal(json.status, 422); // not read: an empty form, each field missing (FastAPI's answer)
  assert.deepEqual(json.body.detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[['body', 'username'], 'missing'], [['body', 'password'], 'missing']]);
  const missing = await request('POST', '/token', { body: new URLSearchParams({ username: 'alice' }) });
  assert.equal(missing.status, 422);
  assert.deepEqual(missing.body.detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[['body', 'password'], 'missing']]);
});

test('every protected route is 401 with WWW-Authenticate: Bearer without a token, with an unknown, expired or non-bearer one', skipOnBun(NO_SQLITE), async () => {
  const rowsBefore = rowsOnDisk();
  const expired = 'an-expired-token-of-alice';
  insertToken.run(sha256(expired), aliceId, -1);
  const routes: [string, string, unknown?][] = [
    ['GET', '/todos/'],
    ['POST', '/todos/', { title: 'sneaky' }],
    ['GET', '/todos/1'],
    ['PATCH', '/todos/1', { done: true }],
    ['DELETE', '/todos/1'],
    ['GET', '/users/me'],
    ['GET', '/audit'],
  ];
  for (const [method, path, body] of routes) {
    const what = `${method} ${path}`;
    assertUnauthorized(await request(method, path, { body }), 'Not authenticated', `${what} without Authorization`);
    assertUnauthorized(await request(method, path, { body, authorization: `Basic ${btoa(`alice:${PASSWORDS.alice}`)}` }), 'Not authenticated', `${what} with Basic`);
    assertUnauthorized(await request(method, path, { body, token: 'not-a-token' }), 'Could not validate credentials', `${what} with an unknown token`);
    assertUnauthorized(await request(method, path, { body, token: expired }), 'Could not validate credentials', `${what} with an expired token`);
  }
  assert.equal(rowsOnDisk(), rowsBefore);
  // Expired tokens are deleted by a background task of the next successful sign-in.
  assert.equal((await logIn('bob', PASSWORDS.bob)).status, 200);
  await eventually(() => tokenOnDisk.get(sha256(expired)), (row) => row === undefined, 'the expired token to be purged');
});

test('users see and change only their own todos: another user’s is 404, as if it did not exist', skipOnBun(NO_SQLITE), async () => {
  const mine = await alice('POST', '/todos/', { title: 'alice’s secret' });
  assert.equal(mine.status, 201);
  const { id } = mine.body;
  assert.equal(todoOnDisk.get(id)!.user_id, aliceId);
  const theirs = await bob('POST', '/todos/', { title: 'bob’s own' });
  assert.equal(theirs.status, 201);

  assert.deepEqual((await bob('GET', '/todos/')).body, [theirs.body]);
  assert.deepEqual((await alice('GET', '/todos/')).body, [mine.body]);
  for (const [method, body] of [['GET'], ['PATCH', { title: 'hacked', done: true }], ['DELETE']] as const) {
    assert.deepEqual(await bob(method, `/todos/${id}`, body), { status: 404, body: { detail: 'Todo not found' } }, method);
  }
  assert.deepEqual(todoOnDisk.get(id), { user_id: aliceId, title: 'alice’s secret', done: 0 });
  assert.deepEqual(await alice('GET', `/todos/${id}`), { status: 200, body: mine.body });

  // Clean slate for the paging test.
  assert.equal((await alice('DELETE', `/todos/${id}`)).status, 204);
  assert.equal((await bob('DELETE', `/todos/${theirs.body.id}`)).status, 204);
});

test('background tasks write the audit trail after the response; each user reads only their own', skipOnBun(NO_SQLITE), async () => {
  const since = lastAuditId.get()!;
  const created = await alice('POST', '/todos/', { title: 'audited' });
  assert.equal(created.status, 201);
  const { id } = created.body;
  assert.equal((await alice('PATCH', `/todos/${id}`, { done: true })).status, 200);
  assert.equal((await alice('DELETE', `/todos/${id}`)).status, 204);
  assert.equal((await logIn('alice', 'wrong')).status, 401);
  assert.equal((await logIn('nobody', 'wrong')).status, 401);
  const expected = [
    { user_id: aliceId, action: 'todo_created', todo_id: id },
    { user_id: aliceId, action: 'todo_updated', todo_id: id },
    { user_id: aliceId, action: 'todo_deleted', todo_id: id },
    { user_id: aliceId, action: 'login_failed', todo_id: null },
    { user_id: null, action: 'login_failed', todo_id: null }, // no such user: on disk only
  ];
  // Each task runs after its response: poll the file until the whole trail is there. An earlier
  // test's task may still land after `since` (tasks run after their response, on any worker):
  // only rows about this test's todo, or about no todo (the sign-ins), are this test's.
  const ours = () => auditOnDisk.all(since).filter((row: { todo_id: number | null }) => row.todo_id === id || row.todo_id === null);
  await eventually(ours, (rows) => rows.length >= expected.length, 'five audit rows');
  assert.deepEqual(ours(), expected);

  const trail = await alice('GET', '/audit');
  assert.equal(trail.status, 200);
  assert.deepEqual(
    trail.body.slice(0, 4).map((e: { action: string; todo_id: number | null }) => [e.action, e.todo_id]),
    [['login_failed', null], ['todo_deleted', id], ['todo_updated', id], ['todo_created', id]], // newest first
  );
  for (const entry of trail.body) assert.ok(!Number.isNaN(Date.parse(entry.at)), entry.at);
  const bobs = await bob('GET', '/audit');
  assert.equal(bobs.status, 200);
  assert.ok(bobs.body.length > 0);
  assert.ok(bobs.body.every((e: { todo_id: number | null }) => e.todo_id !== id), 'bob sees alice’s trail');
});

test(
  'a background task does not hold up its response: a failed sign-in answers while its audit write waits for the lock',
  skipOnBun(NO_SQLITE),
  // The 401 needs no lock, its audit row does: tasks start only once the worker has handed its
  // response over, so the 401 does not wait for the lock (up to busy_timeout = 5 s).
  async () => {
    const since = lastAuditId.get()!;
    const blocker = new Database(file);
    try {
      blocker.exec('BEGIN IMMEDIATE'); // holds the write lock: the audit insert now waits
      const answer = logIn('alice', 'wrong again');
      const early = await Promise.race([answer, sleep(1000).then(() => null)]);
      blocker.exec('ROLLBACK');
      assert.notEqual(early, null, 'the 401 waited for the background task');
      assertUnauthorized(early!, 'Incorrect username or password', 'wrong password');
      await eventually(() => auditOnDisk.all(since), (rows) => rows.length === 1, 'the failed sign-in’s audit row');
    } finally {
      if (blocker.inTransaction) blocker.exec('ROLLBACK');
      blocker.close();
    }
  },
);

test('lists with a done filter, limit and offset; out-of-bounds paging is 422', skipOnBun(NO_SQLITE), async () => {
  assert.deepEqual((await alice('GET', '/todos/')).body, []);
  for (const [title, done] of [['a', false], ['b', true], ['c', false]] as const) {
    assert.equal((await alice('POST', '/todos/', { title, done })).status, 201);
  }
  const titles = async (query: string): Promise<string[]> => {
    const res = await alice('GET', `/todos/${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.map((todo: { title: string }) => todo.title);
  };
  assert.deepEqual(await titles(''), ['a', 'b', 'c']);
  assert.deepEqual(await titles('?done=true'), ['b']);
  assert.deepEqual(await titles('?done=false'), ['a', 'c']);
  assert.deepEqual(await titles('?limit=2'), ['a', 'b']);
  assert.deepEqual(await titles('?limit=2&offset=2'), ['c']);
  assert.deepEqual(await titles('?offset=3'), []);
  assert.deepEqual((await bob('GET', '/todos/')).body, []);

  for (const [query, loc, type] of [
    ['?limit=0', 'limit', 'greater_than_equal'],
    ['?limit=101', 'limit', 'less_than_equal'],
    ['?offset=-1', 'offset', 'greater_than_equal'],
    ['?done=maybe', 'done', 'bool_parsing'],
  ]) {
    const res = await alice('GET', `/todos/${query}`);
    assert.equal(res.status, 422, query);
    assert.deepEqual(res.body.detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[['query', loc], type]], query);
  }
});

test('create, read, update, delete over a real socket, each change in the file', skipOnBun(NO_SQLITE), async () => {
  const created = await alice('POST', '/todos/', { title: 'Buy milk' });
  assert.equal(created.status, 201);
  const { id } = created.body;
  assert.deepEqual(created.body, { id, title: 'Buy milk', done: false });
  assert.deepEqual(todoOnDisk.get(id), { user_id: aliceId, title: 'Buy milk', done: 0 });

  assert.deepEqual(await alice('GET', `/todos/${id}`), { status: 200, body: { id, title: 'Buy milk', done: false } });
  // Partial: only what is sent changes.
  assert.deepEqual(await alice('PATCH', `/todos/${id}`, { done: true }), { status: 200, body: { id, title: 'Buy milk', done: true } });
  assert.deepEqual(await alice('PATCH', `/todos/${id}`, { title: 'Buy oat milk' }), { status: 200, body: { id, title: 'Buy oat milk', done: true } });
  assert.deepEqual(await alice('PATCH', `/todos/${id}`, {}), { status: 200, body: { id, title: 'Buy oat milk', done: true } });
  assert.deepEqual(todoOnDisk.get(id), { user_id: aliceId, title: 'Buy oat milk', done: 1 });

  assert.deepEqual(await alice('DELETE', `/todos/${id}`), { status: 204, body: undefined });
  assert.equal(todoOnDisk.get(id), undefined);
  for (const [method, body] of [['GET'], ['PATCH', { done: false }], ['DELETE']] as const) {
    assert.deepEqual(await alice(method, `/todos/${id}`, body), { status: 404, body: { detail: 'Todo not found' } }, method);
  }
});

test('the same cycle through app.inject(), without a socket', skipOnBun(NO_SQLITE), async () => {
  const headers = { authorization: `Bearer ${aliceToken}` };
  const created = await app.inject({ method: 'POST', url: '/todos/', headers, body: { title: 'Walk the dog', done: true } });
  assert.equal(created.statusCode, 201);
  assert.equal(created.headers['content-type'], 'application/json; charset=utf-8');
  const { id } = created.json();
  assert.deepEqual(created.json(), { id, title: 'Walk the dog', done: true });
  assert.deepEqual((await app.inject({ url: `/todos/${id}`, headers })).json(), { id, title: 'Walk the dog', done: true });
  const patched = await app.inject({ method: 'PATCH', url: `/todos/${id}`, headers, body: { done: false } });
  assert.deepEqual(patched.json(), { id, title: 'Walk the dog', done: false });
  const deleted = await app.inject({ method: 'DELETE', url: `/todos/${id}`, headers });
  assert.equal(deleted.statusCode, 204);
  assert.equal(deleted.body, '');
  const missing = await app.inject({ url: `/todos/${id}`, headers });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { detail: 'Todo not found' });
  const anonymous = await app.inject(`/todos/${id}`);
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
});

test('invalid input is 422 in FastAPI shape and never reaches the database', skipOnBun(NO_SQLITE), async () => {
  const rowsBefore = rowsOnDisk();
  const cases: [string, string, unknown, unknown[], string][] = [
    ['POST', '/todos/', { title: '' }, ['body', 'title'], 'string_too_short'],
    ['POST', '/todos/', { title: 'x'.repeat(201) }, ['body', 'title'], 'string_too_long'],
    ['POST', '/todos/', {}, ['body', 'title'], 'missing'],
    ['POST', '/todos/', { title: 7 }, ['body', 'title'], 'string_type'],
    ['PATCH', '/todos/1', { done: 'perhaps' }, ['body', 'done'], 'bool_parsing'],
    ['GET', '/todos/abc', undefined, ['path', 'id'], 'int_parsing'],
    ['DELETE', '/todos/0', undefined, ['path', 'id'], 'greater_than_equal'],
  ];
  for (const [method, path, body, loc, type] of cases) {
    const res = await alice(method, path, body);
    assert.equal(res.status, 422, `${method} ${path} ${JSON.stringify(body)}`);
    assert.deepEqual(res.body.detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[loc, type]], `${method} ${path}`);
  }
  assert.equal((await alice('POST', '/todos/', { title: 'x'.repeat(200) })).status, 201); // the bound itself is allowed
  assert.equal(rowsOnDisk(), rowsBefore + 1);
});

test(`a burst of ${BURST} concurrent creates all succeed with distinct ids, written by the workers' own connections`, skipOnBun(NO_SQLITE), async () => {
  const rowsBefore = rowsOnDisk();
  // Had the handlers run on this (the main) thread, they would have written through this very
  // connection, and its data_version would not move.
  const versionBefore = dataVersion.get();
  const responses = await Promise.all(Array.from({ length: BURST }, (_, i) => (i % 2 === 0 ? alice : bob)('POST', '/todos/', { title: `burst ${i}` })));
  assert.deepEqual(responses.map((r) => r.status), Array(BURST).fill(201));
  const ids = responses.map((r) => r.body.id as number);
  assert.equal(new Set(ids).size, BURST, `ids repeat: ${ids.join(',')}`);
  assert.deepEqual(responses.map((r) => r.body.title).sort(), Array.from({ length: BURST }, (_, i) => `burst ${i}`).sort());
  assert.equal(rowsOnDisk(), rowsBefore + BURST);
  assert.notEqual(dataVersion.get(), versionBefore);
  // Each half went to its own user.
  const bobs = (await bob('GET', '/todos/?limit=100')).body.map((todo: { title: string }) => todo.title);
  assert.deepEqual(bobs.sort(), Array.from({ length: BURST / 2 }, (_, i) => `burst ${2 * i + 1}`).sort());
});

/**
 * Until no worker thread is still loading the app module (bounded). A burst can leave threads
 * starting after it is served, and a thread's start opens the database and creates its tables:
 * under a held write lock it would wait for it, and a request waiting for that thread with it.
 */
async function poolSettled(): Promise<void> {
  const gauge = () => (app as unknown as { pool: { current: { gauge(): { starting: number } } | null } }).pool.current?.gauge();
  for (let i = 0; i < 300 && (gauge()?.starting ?? 0) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(gauge()?.starting ?? 0, 0, 'threads still starting after 30 s');
}

test('a handler waiting on a SQLite lock holds one worker thread, not the server', skipOnBun(NO_SQLITE), async () => {
  await poolSettled();
  const blocker = new Database(file);
  try {
    blocker.exec('BEGIN IMMEDIATE'); // holds the write lock: any insert now waits (busy_timeout)
    let settled = false;
    const create = alice('POST', '/todos/', { title: 'waits for the lock' }).finally(() => (settled = true));
    // Meanwhile the event loop and the other workers still serve reads, the token check
    // included (WAL: readers do not wait).
    const list = await alice('GET', '/todos/?limit=1');
    assert.equal(list.status, 200);
    assert.equal(settled, false, 'the create finished while the write lock was held');
    blocker.exec('ROLLBACK');
    const created = await create;
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.title, 'waits for the lock');
  } finally {
    if (blocker.inTransaction) blocker.exec('ROLLBACK');
    blocker.close();
  }
});

test('the OpenAPI document has the password flow: Authorize in /docs posts the form to /token', skipOnBun(NO_SQLITE), () => {
  const doc = app.openapi();
  assert.deepEqual(doc.components?.securitySchemes, { OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { tokenUrl: '/token', scopes: {} } } } });
  const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item as Record<string, any>).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op.security]));
  assert.deepEqual(Object.fromEntries(operations), {
    'POST /users': [],
    'POST /token': [],
    'GET /users/me': [{ OAuth2PasswordBearer: [] }],
    'GET /audit': [{ OAuth2PasswordBearer: [] }],
    'GET /todos/': [{ OAuth2PasswordBearer: [] }],
    'POST /todos/': [{ OAuth2PasswordBearer: [] }],
    'GET /todos/{id}': [{ OAuth2PasswordBearer: [] }],
    'PATCH /todos/{id}': [{ OAuth2PasswordBearer: [] }],
    'DELETE /todos/{id}': [{ OAuth2PasswordBearer: [] }],
  });
  assert.deepEqual(Object.keys((doc.paths['/token'] as any).post.requestBody.content), ['application/x-www-form-urlencoded']);
});

test('closing the app runs the lifespan’s teardown, which closes the main thread’s connection', skipOnBun(NO_SQLITE), async () => {
  assert.equal(db.open, true);
  await withTimeout(app.close(), TIMEOUT, 'close()');
  assert.equal(db.open, false);
});
