// A `params` schema with a key the path does not have stops startup, naming the route, the key
// and the path's parameters; a path parameter `params` leaves out stays a string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router, t } from '../../src/index.js';
import { assertStartupRefused } from '../support/refused-startup.js';

// The type check (test/types/path-params.test.ts) is the App's; these go around it, as a JavaScript app would.
type Loose = App<false, any> & { get(path: string, options: object, handler: () => unknown): unknown; ws(path: string, options: object, handler: () => unknown): unknown };
const loose = (app: App): Loose => app as unknown as Loose;

test('a params key the path lacks stops startup, naming the route, the key and the path parameters', async () => {
  const app = new App({ logger: false });
  loose(app).get('/notes/:id', { params: t.Object({ noteId: t.Integer() }) }, () => ({}));
  await assertStartupRefused(
    app,
    'LW_ERR_INVALID_ROUTE: GET /notes/:id: params declares "noteId", which the path does not have (its parameters: "id"). Rename the key or the path parameter so they match.',
  );
});

test('several keys, and a path without parameters', async () => {
  const app = new App({ logger: false });
  loose(app).get('/orgs/:org/repos/:repo', { params: t.Object({ org: t.String(), owner: t.String(), name: t.String() }) }, () => ({}));
  await assertStartupRefused(
    app,
    'LW_ERR_INVALID_ROUTE: GET /orgs/:org/repos/:repo: params declares "owner", "name", which the path does not have (its parameters: "org", "repo"). Rename the keys or the path parameters so they match.',
  );
  const bare = new App({ logger: false });
  loose(bare).get('/notes', { params: t.Object({ id: t.Integer() }) }, () => ({}));
  await assertStartupRefused(
    bare,
    'LW_ERR_INVALID_ROUTE: GET /notes: params declares "id", which the path does not have (the path has no parameters). Add it to the path (":id"), or move it to query if it is a query parameter.',
  );
});

test('a Router route is checked on its full path: a prefix parameter counts, a missing one is named with the prefix', async () => {
  const app = new App({ logger: false });
  const notes = new Router({ prefix: '/users/:userId/notes' });
  notes.get('/:id', { params: t.Object({ userId: t.Integer(), id: t.Integer() }) }, ({ params }) => params);
  app.include(notes);
  const res = await app.inject('/users/3/notes/4');
  assert.deepEqual(res.json(), { userId: 3, id: 4 });

  const wrong = new App({ logger: false });
  const other = new Router({ prefix: '/users' });
  other.get('/:id/notes', { params: t.Object({ userId: t.Integer() }) }, () => ({}));
  wrong.include(other, { prefix: '/v1' });
  await assertStartupRefused(
    wrong,
    'LW_ERR_INVALID_ROUTE: GET /v1/users/:id/notes: params declares "userId", which the path does not have (its parameters: "id"). Rename the key or the path parameter so they match.',
  );
});

test('named and unnamed wildcards, and regex parameters, are read by their names', async () => {
  const app = new App({ logger: false });
  app.get('/files/*file_path', { params: t.Object({ file_path: t.String() }) }, ({ params }) => params);
  app.get('/ids/:id(^\\d+)', { params: t.Object({ id: t.Integer() }) }, ({ params }) => params);
  app.get('/raw/*', { params: t.Object({ '*': t.String() }) }, ({ params }) => params);
  assert.deepEqual((await app.inject('/files/a/b.txt')).json(), { file_path: 'a/b.txt' });
  assert.deepEqual((await app.inject('/ids/12')).json(), { id: 12 });
  assert.deepEqual((await app.inject('/raw/x/y')).json(), { '*': 'x/y' });

  const unnamed = new App({ logger: false });
  loose(unnamed).get('/files/*', { params: t.Object({ file_path: t.String() }) }, () => ({}));
  await assertStartupRefused(
    unnamed,
    'LW_ERR_INVALID_ROUTE: GET /files/*: params declares "file_path", which the path does not have (its parameters: "*"). Rename the key or the path parameter so they match. To read the wildcard as params.file_path, name it in the path: "*file_path".',
  );
  const regex = new App({ logger: false });
  loose(regex).get('/ids/:id(^\\d+)', { params: t.Object({ itemId: t.Integer() }) }, () => ({}));
  await assertStartupRefused(
    regex,
    'LW_ERR_INVALID_ROUTE: GET /ids/:id(^\\d+): params declares "itemId", which the path does not have (its parameters: "id"). Rename the key or the path parameter so they match.',
  );
});

test('a WebSocket route is checked at startup too, before anything listens', async () => {
  const app = new App({ logger: false });
  const rooms = new Router({ prefix: '/rooms' });
  loose(rooms as unknown as App).ws('/:room', { params: t.Object({ roomId: t.String() }) }, () => undefined);
  app.include(rooms);
  await assertStartupRefused(
    app,
    'LW_ERR_INVALID_ROUTE: WS /rooms/:room: params declares "roomId", which the path does not have (its parameters: "room"). Rename the key or the path parameter so they match.',
  );
});

test('a path parameter params leaves out stays a string, as before', async () => {
  const app = new App({ logger: false });
  app.get('/orgs/:org/repos/:repo', { params: t.Object({ repo: t.Integer() }) }, ({ params }) => params);
  const res = await app.inject('/orgs/acme/repos/7');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { org: 'acme', repo: 7 });
});
