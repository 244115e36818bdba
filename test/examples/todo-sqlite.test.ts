// The todo-sqlite example against a real SQLite file in a temp directory: the CRUD cycle over a
// socket and through inject(), FastAPI's error shapes, WAL on disk, and handlers that really run
// on worker threads, each with its own connection. The tests run in order on one database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 10_000;
const BURST = 40;

const dir = mkdtempSync(join(tmpdir(), 'loopwise-todo-'));
const file = join(dir, 'todos.db');
// Before the import: the module opens the database as it loads, here and in every worker thread
// (workers share this process's env).
process.env.TODO_DB = file;
process.env.LOG_LEVEL ??= 'warn';
const { app, db } = await import('../../examples/todo-sqlite/app.js').catch((error: unknown) => {
  rmSync(dir, { recursive: true, force: true }); // e.g. the native module built for another Node
  throw error;
});

// The file itself, through a read-only connection of the test's own. Statements are prepared
// once, as in the app: on Node 24.19+ a better-sqlite3 12 statement collected as garbage can
// abort the process (nodejs/node#65446), so neither side makes any.
const reader = new Database(file, { readonly: true, fileMustExist: true });
const journalMode = reader.prepare<[], string>('PRAGMA journal_mode').pluck();
const countTodos = reader.prepare<[], number>('SELECT count(*) FROM todos').pluck();
const rowsOnDisk = (): number => countTodos.get()!;
const todoOnDisk = reader.prepare<[number]>('SELECT title, done FROM todos WHERE id = ?');
// On the main thread's own connection: moves only when *another* connection commits.
const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();

let base = '';
before(async () => {
  base = (await withTimeout(app.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()')).url;
});

after(async () => {
  await withTimeout(app.close(), TIMEOUT, 'close()'); // stops the workers, closing their connections
  reader.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A request over the socket; the body parsed when there is one. */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

test('the database file is created on first import, with its table, in WAL mode', () => {
  assert.ok(existsSync(file), `${file} was not created`);
  assert.equal(journalMode.get(), 'wal');
  assert.equal(rowsOnDisk(), 0);
});

test('lists with a done filter, limit and offset; out-of-bounds paging is 422', async () => {
  assert.deepEqual((await call('GET', '/todos')).body, []);
  for (const [title, done] of [['a', false], ['b', true], ['c', false]] as const) {
    assert.equal((await call('POST', '/todos', { title, done })).status, 201);
  }
  const titles = async (query: string): Promise<string[]> => {
    const res = await call('GET', `/todos${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.map((todo: { title: string }) => todo.title);
  };
  assert.deepEqual(await titles(''), ['a', 'b', 'c']);
  assert.deepEqual(await titles('?done=true'), ['b']);
  assert.deepEqual(await titles('?done=false'), ['a', 'c']);
  assert.deepEqual(await titles('?limit=2'), ['a', 'b']);
  assert.deepEqual(await titles('?limit=2&offset=2'), ['c']);
  assert.deepEqual(await titles('?offset=3'), []);

  for (const [query, loc, type] of [
    ['?limit=0', 'limit', 'greater_than_equal'],
    ['?limit=101', 'limit', 'less_than_equal'],
    ['?offset=-1', 'offset', 'greater_than_equal'],
    ['?done=maybe', 'done', 'bool_parsing'],
  ]) {
    const res = await call('GET', `/todos${query}`);
    assert.equal(res.status, 422, query);
    assert.deepEqual(res.body.detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[['query', loc], type]], query);
  }
});

test('create, read, update, delete over a real socket, each change in the file', async () => {
  const created = await call('POST', '/todos', { title: 'Buy milk' });
  assert.equal(created.status, 201);
  const { id } = created.body;
  assert.deepEqual(created.body, { id, title: 'Buy milk', done: false });
  assert.deepEqual(todoOnDisk.get(id), { title: 'Buy milk', done: 0 });

  assert.deepEqual(await call('GET', `/todos/${id}`), { status: 200, body: { id, title: 'Buy milk', done: false } });
  // Partial: only what is sent changes.
  assert.deepEqual(await call('PATCH', `/todos/${id}`, { done: true }), { status: 200, body: { id, title: 'Buy milk', done: true } });
  assert.deepEqual(await call('PATCH', `/todos/${id}`, { title: 'Buy oat milk' }), { status: 200, body: { id, title: 'Buy oat milk', done: true } });
  assert.deepEqual(await call('PATCH', `/todos/${id}`, {}), { status: 200, body: { id, title: 'Buy oat milk', done: true } });
  assert.deepEqual(todoOnDisk.get(id), { title: 'Buy oat milk', done: 1 });

  assert.deepEqual(await call('DELETE', `/todos/${id}`), { status: 204, body: undefined });
  assert.equal(todoOnDisk.get(id), undefined);
  for (const [method, body] of [['GET'], ['PATCH', { done: false }], ['DELETE']] as const) {
    assert.deepEqual(await call(method, `/todos/${id}`, body), { status: 404, body: { detail: 'Todo not found' } }, method);
  }
});

test('the same cycle through app.inject(), without a socket', async () => {
  const created = await app.inject({ method: 'POST', url: '/todos', body: { title: 'Walk the dog', done: true } });
  assert.equal(created.statusCode, 201);
  assert.equal(created.headers['content-type'], 'application/json; charset=utf-8');
  const { id } = created.json();
  assert.deepEqual(created.json(), { id, title: 'Walk the dog', done: true });
  assert.deepEqual((await app.inject(`/todos/${id}`)).json(), { id, title: 'Walk the dog', done: true });
  const patched = await app.inject({ method: 'PATCH', url: `/todos/${id}`, body: { done: false } });
  assert.deepEqual(patched.json(), { id, title: 'Walk the dog', done: false });
  const deleted = await app.inject({ method: 'DELETE', url: `/todos/${id}` });
  assert.equal(deleted.statusCode, 204);
  assert.equal(deleted.body, '');
  const missing = await app.inject(`/todos/${id}`);
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { detail: 'Todo not found' });
});

test('invalid input is 422 in FastAPI shape and never reaches the database', async () => {
  const rowsBefore = rowsOnDisk();
  const cases: [string, string, unknown, unknown[], string][] = [
    ['POST', '/todos', { title: '' }, ['body', 'title'], 'string_too_short'],
    ['POST', '/todos', { title: 'x'.repeat(201) }, ['body', 'title'], 'string_too_long'],
    ['POST', '/todos', {}, ['body', 'title'], 'missing'],
    ['POST', '/todos', { title: 7 }, ['body', 'title'], 'string_type'],
    ['PATCH', '/todos/1', { done: 'perhaps' }, ['body', 'done'], 'bool_parsing'],
    ['GET', '/todos/abc', undefined, ['path', 'id'], 'int_parsing'],
    ['DELETE', '/todos/0', undefined, ['path', 'id'], 'greater_than_equal'],
  ];
  for (const [method, path, body, loc, type] of cases) {
    const res = await call(method, path, body);
    assert.equal(res.status, 422, `${method} ${path} ${JSON.stringify(body)}`);
    assert.deepEqual(res.body.detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[loc, type]], `${method} ${path}`);
  }
  assert.equal((await call('POST', '/todos', { title: 'x'.repeat(200) })).status, 201); // the bound itself is allowed
  assert.equal(rowsOnDisk(), rowsBefore + 1);
});

test(`a burst of ${BURST} concurrent creates all succeed with distinct ids, written by the workers' own connections`, async () => {
  const rowsBefore = rowsOnDisk();
  // Had the handlers run on this (the main) thread, they would have written through this very
  // connection, and its data_version would not move.
  const versionBefore = dataVersion.get();
  const responses = await Promise.all(Array.from({ length: BURST }, (_, i) => call('POST', '/todos', { title: `burst ${i}` })));
  assert.deepEqual(responses.map((r) => r.status), Array(BURST).fill(201));
  const ids = responses.map((r) => r.body.id as number);
  assert.equal(new Set(ids).size, BURST, `ids repeat: ${ids.join(',')}`);
  assert.deepEqual(responses.map((r) => r.body.title).sort(), Array.from({ length: BURST }, (_, i) => `burst ${i}`).sort());
  assert.equal(rowsOnDisk(), rowsBefore + BURST);
  assert.notEqual(dataVersion.get(), versionBefore);
});

test('a handler waiting on a SQLite lock holds one worker thread, not the server', async () => {
  const blocker = new Database(file);
  try {
    blocker.exec('BEGIN IMMEDIATE'); // holds the write lock: any insert now waits (busy_timeout)
    let settled = false;
    const create = call('POST', '/todos', { title: 'waits for the lock' }).finally(() => (settled = true));
    // Meanwhile the event loop and the other workers still serve reads (WAL: readers do not wait).
    const list = await call('GET', '/todos?limit=1');
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
