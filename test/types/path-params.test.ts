// Compile-time checks: an App route whose `params` names a key its path lacks does not compile
// (`npm test` runs tsc first); handler inference is unchanged. The startup check behind it, for
// every route (Routers, WebSocket, JavaScript apps): test/pipeline/path-params-check.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router, t } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

test('a params key the path lacks is a compile error at the App route call', () => {
  const app = new App({ logger: false });
  // @ts-expect-error: params declares "noteId", which the path /notes/:id does not have
  app.get('/notes/:id', { params: t.Object({ noteId: t.Integer() }) }, () => ({}));
  // @ts-expect-error: one wrong key among right ones is enough
  app.post('/orgs/:org/repos/:repo', { params: t.Object({ org: t.String(), name: t.String() }) }, () => ({}));
  // @ts-expect-error: a path without parameters
  app.delete('/notes', { params: t.Object({ id: t.Integer() }) }, () => ({}));
  // @ts-expect-error: an unnamed wildcard is params['*'], not params.file_path
  app.get('/files/*', { params: t.Object({ file_path: t.String() }) }, () => ({}));
  // @ts-expect-error: route() is checked as the method shortcuts are
  app.route(['GET', 'PUT'], '/ids/:id', { params: t.Object({ itemId: t.Integer() }) }, () => ({}));
});

test('matching params compile, and the handler keeps its inferred params', async () => {
  const app = new App({ logger: false });
  app.get('/notes/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => {
    expectType<typeof params, { id: number }>(true);
    return params;
  });
  app.get('/files/*file_path', { params: t.Object({ file_path: t.String() }) }, ({ params }) => {
    expectType<typeof params, { file_path: string }>(true);
    return params;
  });
  app.get('/ids/:id(^\\d+)', { params: t.Object({ id: t.Integer() }), query: t.Object({ q: t.Optional(t.String()) }) }, ({ params, query }) => {
    expectType<typeof params, { id: number }>(true);
    expectType<typeof query, { q?: string }>(true);
    return params;
  });
  app.get('/range/:from-:to', { params: t.Object({ from: t.Integer(), to: t.Integer() }) }, ({ params }) => params);
  app.get('/docs/:file.:ext', ({ params }) => {
    expectType<typeof params, { file: string; ext: string }>(true);
    return params;
  });
  // A parameter params leaves out is fine (it stays a string at run time).
  app.get('/orgs/:org/repos/:repo', { params: t.Object({ repo: t.Integer() }) }, ({ params }) => params);
  // A path that is not a literal type cannot be read: not checked.
  const dynamic: string = '/dyn/:id';
  app.get(dynamic, { params: t.Object({ id: t.String() }) }, ({ params }) => params);
  assert.deepEqual((await app.inject('/notes/4')).json(), { id: 4 });
});

test('a Router route is not checked in the types: a prefix, given now or at include(), may bring the parameter', async () => {
  const notes = new Router();
  notes.get('/:id', { params: t.Object({ userId: t.Integer(), id: t.Integer() }) }, ({ params }) => {
    expectType<typeof params, { userId: number; id: number }>(true);
    return params;
  });
  const app = new App({ logger: false });
  app.include(notes, { prefix: '/users/:userId/notes' });
  assert.deepEqual((await app.inject('/users/1/notes/2')).json(), { userId: 1, id: 2 });
});
