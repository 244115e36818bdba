// A small real app: todos in a SQLite file through better-sqlite3, a synchronous driver, behind
// OAuth2 bearer tokens: each user signs up, gets a token from POST /token, and sees only their own
// todos. What users do is audited in the background, after the response. Every route is
// offloaded, so each query blocks a worker thread, never the event loop. In your own app, import
// from 'loopwise' instead of the relative path.
import Database from 'better-sqlite3';
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { App, HTTPException, Router, dependency, json, noContent, oauth2PasswordBearer, oauth2PasswordForm, t, type Static } from '../../src/index.js';

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
// process; only a power cut may lose the last commits. foreign_keys is per connection, off by default.
db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
try {
  db.exec(`
    CREATE TABLE IF NOT EXISTS users (
      id            INTEGER PRIMARY KEY AUTOINCREMENT,
      username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
      password_salt BLOB    NOT NULL,
      password_hash BLOB    NOT NULL -- scrypt(password, salt): never the password itself
    );
    CREATE TABLE IF NOT EXISTS tokens (
      token_hash BLOB    PRIMARY KEY, -- SHA-256 of the token: a copy of the file signs no one in
      user_id    INTEGER NOT NULL REFERENCES users (id),
      expires_at INTEGER NOT NULL     -- unix seconds
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS tokens_by_expiry ON tokens (expires_at);
    CREATE TABLE IF NOT EXISTS todos (
      id      INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, so a deleted todo's id never comes back
      user_id INTEGER NOT NULL REFERENCES users (id),
      title   TEXT    NOT NULL,
      done    INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))
    );
    CREATE INDEX IF NOT EXISTS todos_by_user ON todos (user_id, id);
    CREATE TABLE IF NOT EXISTS audit (
      id      INTEGER PRIMARY KEY AUTOINCREMENT,
      at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      user_id INTEGER REFERENCES users (id), -- null: a failed sign-in with a username no one has
      action  TEXT    NOT NULL,
      todo_id INTEGER
    );
    CREATE INDEX IF NOT EXISTS audit_by_user ON audit (user_id, id);`);
} catch (error) {
  // The todos table of the previous version of this example had no owner column.
  if (!/no such column: user_id/.test((error as Error).message)) throw error;
  throw new Error(`${dbPath} was created by an older version of this example (todos without owners): delete it, or set TODO_DB to another file.`, { cause: error });
}

/** A row as SQLite returns it: SQLite has no boolean, so `done` is 0 or 1. */
interface TodoRow {
  id: number;
  title: string;
  done: 0 | 1;
}
interface UserRow {
  id: number;
  username: string;
}
interface Credentials {
  id: number;
  password_salt: Buffer;
  password_hash: Buffer;
}
interface AuditRow {
  id: number;
  at: string;
  action: string;
  todo_id: number | null;
}

// Prepared once per connection, at module level: each request only binds and steps, and no
// statement ever becomes garbage (see above). Every todo statement is scoped to its owner: another
// user's todo is not found, exactly like one that does not exist.
const TODO = 'id, title, done';
const queries = {
  insertUser: db.prepare<{ username: string; salt: Buffer; hash: Buffer }, UserRow>(
    'INSERT INTO users (username, password_salt, password_hash) VALUES (@username, @salt, @hash) ON CONFLICT (username) DO NOTHING RETURNING id, username',
  ),
  credentials: db.prepare<[string], Credentials>('SELECT id, password_salt, password_hash FROM users WHERE username = ?'),
  insertToken: db.prepare<{ hash: Buffer; userId: number; ttl: number }>('INSERT INTO tokens (token_hash, user_id, expires_at) VALUES (@hash, @userId, unixepoch() + @ttl)'),
  userByToken: db.prepare<[Buffer], UserRow>(
    'SELECT users.id, users.username FROM tokens JOIN users ON users.id = tokens.user_id WHERE tokens.token_hash = ? AND tokens.expires_at > unixepoch()',
  ),
  deleteExpiredTokens: db.prepare<[]>('DELETE FROM tokens WHERE expires_at <= unixepoch()'),
  insertTodo: db.prepare<{ userId: number; title: string; done: number }, TodoRow>(
    `INSERT INTO todos (user_id, title, done) VALUES (@userId, @title, @done) RETURNING ${TODO}`,
  ),
  selectTodo: db.prepare<{ userId: number; id: number }, TodoRow>(`SELECT ${TODO} FROM todos WHERE id = @id AND user_id = @userId`),
  // One statement for both cases: a null @done matches every row.
  selectPage: db.prepare<{ userId: number; done: number | null; limit: number; offset: number }, TodoRow>(
    `SELECT ${TODO} FROM todos WHERE user_id = @userId AND (@done IS NULL OR done = @done) ORDER BY id LIMIT @limit OFFSET @offset`,
  ),
  // A partial update: a null parameter (field not sent) keeps the column as it is.
  updateTodo: db.prepare<{ userId: number; id: number; title: string | null; done: number | null }, TodoRow>(
    `UPDATE todos SET title = coalesce(@title, title), done = coalesce(@done, done) WHERE id = @id AND user_id = @userId RETURNING ${TODO}`,
  ),
  deleteTodo: db.prepare<{ userId: number; id: number }>('DELETE FROM todos WHERE id = @id AND user_id = @userId'),
  insertAudit: db.prepare<{ userId: number | null; action: AuditAction; todoId: number | null }>(
    'INSERT INTO audit (user_id, action, todo_id) VALUES (@userId, @action, @todoId)',
  ),
  auditOf: db.prepare<[number], AuditRow>('SELECT id, at, action, todo_id FROM audit WHERE user_id = ? ORDER BY id DESC LIMIT 100'),
};
type Queries = typeof queries;

/**
 * The db dependency (FastAPI's `Depends(get_db)`): this thread's connection, as its prepared
 * statements. Not a transaction per request, on purpose: every write here is one statement,
 * atomic on its own; a generator's code after `yield` (its COMMIT) runs after the response is
 * sent, so a client could read before the commit; and a deferred transaction that reads, then
 * writes after another connection committed fails at once with SQLITE_BUSY_SNAPSHOT, which
 * busy_timeout does not retry (BEGIN IMMEDIATE would serialize every read instead). Several
 * writes that must stand or fall together go in `db.transaction(fn)` inside the handler: it
 * commits before the response.
 */
const getDb = dependency(function db() {
  return queries;
});

// scrypt from node:crypto, on libuv's thread pool: a sign-in waits for it without holding any
// thread's event loop, offloaded or not. Its default cost (N = 2^14, r = 8) takes tens of ms.
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;
const KEY_LENGTH = 32;
/** Hashed for a username no one has, so that a miss takes as long as a wrong password. */
const NO_SALT = Buffer.alloc(16);

async function hashPassword(password: string): Promise<{ salt: Buffer; hash: Buffer }> {
  const salt = randomBytes(16);
  return { salt, hash: await scryptAsync(password, salt, KEY_LENGTH) };
}

/** Constant-time: how long it takes says neither whether the user exists nor how much of the password matched. */
async function passwordMatches(password: string, user: Credentials | undefined): Promise<boolean> {
  const hash = await scryptAsync(password, user?.password_salt ?? NO_SALT, KEY_LENGTH);
  return user !== undefined && timingSafeEqual(hash, user.password_hash);
}

/** Tokens are random, so a plain SHA-256 suffices to store them (and to look them up by). */
function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

const TOKEN_TTL = 60 * 60; // seconds

const oauth2 = oauth2PasswordBearer({ tokenUrl: '/token' });

/**
 * The user the bearer token belongs to. No `Authorization: Bearer` header: oauth2 answers 401
 * itself; a token that is unknown or expired: 401 here, with the challenge OAuth2 clients expect.
 */
const currentUser = dependency({ deps: { db: getDb, token: oauth2 } }, function currentUser({ deps }) {
  const user = deps.db.userByToken.get(tokenHash(deps.token));
  if (user === undefined) throw new HTTPException(401, 'Could not validate credentials', { 'www-authenticate': 'Bearer' });
  return user;
});

type AuditAction = 'login' | 'login_failed' | 'todo_created' | 'todo_updated' | 'todo_deleted';

// Background tasks: they run after the response is out, on the thread that served the request
// (a worker here), with that thread's connection. A task that fails is logged, never answered.
function recordAudit(db: Queries, userId: number | null, action: AuditAction, todoId: number | null = null): void {
  db.insertAudit.run({ userId, action, todoId });
}

function purgeExpiredTokens(db: Queries): void {
  db.deleteExpiredTokens.run();
}

const Detail = t.Object({ detail: t.String() });
const Title = t.String({ minLength: 1, maxLength: 200 });
const Todo = t.Object({ id: t.Integer(), title: t.String(), done: t.Boolean() });
const TodoIn = t.Object({ title: Title, done: t.Boolean({ default: false }) });
const TodoPatch = t.Object({ title: t.Optional(Title), done: t.Optional(t.Boolean()) });
const TodoId = t.Object({ id: t.Integer({ minimum: 1 }) });
const User = t.Object({ id: t.Integer(), username: t.String() });
const SignUp = t.Object({
  username: t.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9_.-]+$' }),
  password: t.String({ minLength: 8, maxLength: 200 }),
});
const Token = t.Object({ access_token: t.String(), token_type: t.Literal('bearer'), expires_in: t.Integer() });
const AuditEntry = t.Object({ id: t.Integer(), at: t.String({ format: 'date-time' }), action: t.String(), todo_id: t.Union([t.Integer(), t.Null()]) });

function toTodo(row: TodoRow): Static<typeof Todo> {
  return { id: row.id, title: row.title, done: row.done === 1 };
}

function found(row: TodoRow | undefined): Static<typeof Todo> {
  if (row === undefined) throw new HTTPException(404, 'Todo not found');
  return toTodo(row);
}

/** better-sqlite3 binds numbers, not booleans; undefined (not sent) becomes null. */
function bit(value: boolean | undefined): number | null {
  return value === undefined ? null : Number(value);
}

export const app = new App({
  title: 'Todos',
  version: '2.0.0',
  // Runs on the main thread when the app starts and closes, and in each worker thread as it
  // starts; a worker is terminated without its teardown, and its connection closes with it.
  lifespan: function* lifespan() {
    yield;
    db.close();
  },
});

// offload on the routers: every route below queries SQLite, so every one runs on a worker thread.
const users = new Router({ tags: ['users'], offload: true });
const todos = new Router({ prefix: '/todos', tags: ['todos'], offload: true });
/** What every signed-in route names: the connection and the user. */
const signedIn = { db: getDb, user: currentUser };

users.post('/users', { body: SignUp, deps: { db: getDb }, status: 201, response: { 201: User, 409: Detail } }, async ({ body, deps }) => {
  const user = deps.db.insertUser.get({ username: body.username, ...(await hashPassword(body.password)) });
  if (user === undefined) throw new HTTPException(409, 'Username already registered');
  return user;
});

// OAuth2's password flow: the form (username, password) in, a bearer token out.
users.post('/token', { ...oauth2PasswordForm, deps: { db: getDb }, response: { 200: Token, 401: Detail } }, async ({ body, deps, background }) => {
  const user = deps.db.credentials.get(body.username);
  const matches = await passwordMatches(body.password, user);
  if (!matches || user === undefined) {
    background.add(recordAudit, deps.db, user?.id ?? null, 'login_failed');
    // Returned, not thrown: a thrown HTTPException drops the request's background tasks (as in
    // FastAPI, since the work they follow did not happen), and here the task is the point.
    return json({ detail: 'Incorrect username or password' }, { status: 401, headers: { 'www-authenticate': 'Bearer' } });
  }
  const token = randomBytes(32).toString('base64url');
  deps.db.insertToken.run({ hash: tokenHash(token), userId: user.id, ttl: TOKEN_TTL });
  background.add(recordAudit, deps.db, user.id, 'login');
  background.add(purgeExpiredTokens, deps.db);
  return { access_token: token, token_type: 'bearer' as const, expires_in: TOKEN_TTL };
});

users.get('/users/me', { deps: signedIn, response: { 200: User } }, ({ deps }) => deps.user);

// The signed-in user's own trail, newest first.
users.get('/audit', { deps: signedIn, response: { 200: t.Array(AuditEntry) } }, ({ deps }) => deps.db.auditOf.all(deps.user.id));

todos.get(
  '/',
  {
    deps: signedIn,
    query: t.Object({
      done: t.Optional(t.Boolean()),
      limit: t.Integer({ minimum: 1, maximum: 100, default: 20 }),
      offset: t.Integer({ minimum: 0, default: 0 }),
    }),
    response: { 200: t.Array(Todo) },
  },
  ({ deps, query }) => deps.db.selectPage.all({ userId: deps.user.id, done: bit(query.done), limit: query.limit, offset: query.offset }).map(toTodo),
);

todos.get('/:id', { deps: signedIn, params: TodoId, response: { 200: Todo, 404: Detail } }, ({ deps, params }) =>
  found(deps.db.selectTodo.get({ userId: deps.user.id, id: params.id })),
);

todos.post('/', { deps: signedIn, body: TodoIn, status: 201, response: { 201: Todo } }, ({ deps, body, background }) => {
  const todo = toTodo(deps.db.insertTodo.get({ userId: deps.user.id, title: body.title, done: Number(body.done) })!); // RETURNING: the new row
  background.add(recordAudit, deps.db, deps.user.id, 'todo_created', todo.id);
  return todo;
});

todos.patch('/:id', { deps: signedIn, params: TodoId, body: TodoPatch, response: { 200: Todo, 404: Detail } }, ({ deps, params, body, background }) => {
  const todo = found(deps.db.updateTodo.get({ userId: deps.user.id, id: params.id, title: body.title ?? null, done: bit(body.done) }));
  background.add(recordAudit, deps.db, deps.user.id, 'todo_updated', todo.id);
  return todo;
});

todos.delete('/:id', { deps: signedIn, params: TodoId, status: 204, response: { 404: Detail } }, ({ deps, params, background }) => {
  if (deps.db.deleteTodo.run({ userId: deps.user.id, id: params.id }).changes === 0) throw new HTTPException(404, 'Todo not found');
  background.add(recordAudit, deps.db, deps.user.id, 'todo_deleted', params.id);
  return noContent();
});

app.include(users);
app.include(todos);
