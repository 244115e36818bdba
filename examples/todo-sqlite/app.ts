// A small real app: todos in a SQLite file through better-sqlite3, a synchronous driver. Every
// route is offloaded, so each query blocks a worker thread, never the event loop. In your own
// app, import from 'loopwise' instead of the relative path.
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { App, HTTPException, Router, noContent, t, type Static } from '../../src/index.js';

/** TODO_DB, relative to the working directory, or todos.db next to this file wherever you run it from. */
export const dbPath = process.env.TODO_DB ?? fileURLToPath(new URL('todos.db', import.meta.url));

// Module level: every thread that imports this module (each worker, and the main thread, which
// imports it to register the routes) opens its own connection, as sync drivers want: a
// connection is never shared between threads, and no request waits for another's connection.
export const db: Database.Database = new Database(dbPath);
// Through exec(), not db.pragma(): pragma() prepares a statement per call, and on Node 24.19+ a
// better-sqlite3 12 statement collected as garbage can abort the process (nodejs/node#65446).
// busy_timeout comes first, so that the setup below and every write wait (up to 5 s) for another
// thread's lock instead of failing at once with SQLITE_BUSY. WAL: readers never block the writer
// nor each other, so many workers read while one writes; it is stored in the file, so every
// later connection opens in WAL. synchronous = NORMAL: in WAL, safe across a crash of the
// process; only a power cut may lose the last commits.
db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS todos (
  id    INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT    NOT NULL,
  done  INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))
)`);

/** A row as SQLite returns it: SQLite has no boolean, so `done` is 0 or 1. */
interface Row {
  id: number;
  title: string;
  done: 0 | 1;
}

// Prepared once per connection, at module level: each request only binds and steps, and no
// statement ever becomes garbage (see above).
const COLUMNS = 'id, title, done';
const insertTodo = db.prepare<{ title: string; done: number }, Row>(`INSERT INTO todos (title, done) VALUES (@title, @done) RETURNING ${COLUMNS}`);
const selectTodo = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM todos WHERE id = ?`);
// One statement for both cases: a null @done matches every row.
const selectPage = db.prepare<{ done: number | null; limit: number; offset: number }, Row>(
  `SELECT ${COLUMNS} FROM todos WHERE @done IS NULL OR done = @done ORDER BY id LIMIT @limit OFFSET @offset`,
);
// A partial update: a null parameter (field not sent) keeps the column as it is.
const updateTodo = db.prepare<{ id: number; title: string | null; done: number | null }, Row>(
  `UPDATE todos SET title = coalesce(@title, title), done = coalesce(@done, done) WHERE id = @id RETURNING ${COLUMNS}`,
);
const deleteTodo = db.prepare<[number]>('DELETE FROM todos WHERE id = ?');

const Title = t.String({ minLength: 1, maxLength: 200 });
const Todo = t.Object({ id: t.Integer(), title: t.String(), done: t.Boolean() });
const TodoIn = t.Object({ title: Title, done: t.Boolean({ default: false }) });
const TodoPatch = t.Object({ title: t.Optional(Title), done: t.Optional(t.Boolean()) });
const TodoId = t.Object({ id: t.Integer({ minimum: 1 }) });
const NotFound = t.Object({ detail: t.String() });

function toTodo(row: Row): Static<typeof Todo> {
  return { id: row.id, title: row.title, done: row.done === 1 };
}

function found(row: Row | undefined): Static<typeof Todo> {
  if (row === undefined) throw new HTTPException(404, 'Todo not found');
  return toTodo(row);
}

/** better-sqlite3 binds numbers, not booleans; undefined (not sent) becomes null. */
function bit(value: boolean | undefined): number | null {
  return value === undefined ? null : Number(value);
}

export const app = new App({ title: 'Todos', version: '1.0.0' });

// offload on the router: every route below runs on a worker thread, with no per-route flag.
const todos = new Router({ prefix: '/todos', tags: ['todos'], offload: true });

todos.get(
  '/',
  {
    query: t.Object({
      done: t.Optional(t.Boolean()),
      limit: t.Integer({ minimum: 1, maximum: 100, default: 20 }),
      offset: t.Integer({ minimum: 0, default: 0 }),
    }),
    response: { 200: t.Array(Todo) },
  },
  ({ query }) => selectPage.all({ done: bit(query.done), limit: query.limit, offset: query.offset }).map(toTodo),
);

todos.get('/:id', { params: TodoId, response: { 200: Todo, 404: NotFound } }, ({ params }) => found(selectTodo.get(params.id)));

todos.post('/', { body: TodoIn, status: 201, response: { 201: Todo } }, ({ body }) =>
  toTodo(insertTodo.get({ title: body.title, done: Number(body.done) })!), // RETURNING: the new row, from the same step
);

todos.patch('/:id', { params: TodoId, body: TodoPatch, response: { 200: Todo, 404: NotFound } }, ({ params, body }) =>
  found(updateTodo.get({ id: params.id, title: body.title ?? null, done: bit(body.done) })),
);

todos.delete('/:id', { params: TodoId, response: { 404: NotFound } }, ({ params }) => {
  if (deleteTodo.run(params.id).changes === 0) throw new HTTPException(404, 'Todo not found');
  return noContent();
});

app.include(todos);
