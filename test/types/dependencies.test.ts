// Compile-time checks of dependency types. `npm test` runs `tsc --noEmit` first, so a wrong
// inference (or a @ts-expect-error that no longer errs) fails the suite; the runtime assertions
// prove the values match the types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import {
  App,
  BackgroundTasks,
  Reply,
  Router,
  dependency,
  t,
  type AppState,
  type Dependency,
  type RequestSnapshot,
} from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

type User = { id: number; name: string };

test("the handler's deps are typed from what each dependency returns or yields, with no annotation", async () => {
  const syncUser = dependency(() => ({ id: 1, name: 'sync' }));
  const asyncUser = dependency(async () => ({ id: 2, name: 'async' }));
  const generatorUser = dependency(function* () {
    yield { id: 3, name: 'generator' };
  });
  const asyncGeneratorUser = dependency(async function* () {
    yield { id: 4, name: 'async generator' };
  });
  const count = dependency(async () => 42);
  const maybe = dependency((): string | null => null);

  expectType<typeof syncUser, Dependency<User>>(true);
  expectType<typeof asyncUser, Dependency<User>>(true);
  expectType<typeof generatorUser, Dependency<User>>(true);
  expectType<typeof asyncGeneratorUser, Dependency<User>>(true);
  expectType<typeof count, Dependency<number>>(true);

  const app = new App({ logger: false });
  app.get('/users', { deps: { a: syncUser, b: asyncUser, c: generatorUser, d: asyncGeneratorUser, count, maybe } }, ({ deps }) => {
    expectType<typeof deps.a, User>(true);
    expectType<typeof deps.b, User>(true);
    expectType<typeof deps.c, User>(true);
    expectType<typeof deps.d, User>(true);
    expectType<typeof deps.count, number>(true);
    expectType<typeof deps.maybe, string | null>(true);
    // @ts-expect-error: no such dependency on this route
    void deps.missing;
    // @ts-expect-error: a User is not a number
    const wrong: number = deps.a;
    void wrong;
    return [deps.a.name, deps.b.name, deps.c.name, deps.d.name, deps.count, deps.maybe];
  });
  app.get('/none', ({ deps }) => {
    expectType<typeof deps, {}>(true);
    return null;
  });
  const res = await app.inject('/users');
  assert.deepEqual(res.json(), ['sync', 'async', 'generator', 'async generator', 42, null]);
});

test("a dependency's own deps, query, headers and cookies are typed from its options", async () => {
  const db = dependency(() => ({ query: (sql: string) => [sql] }));
  const settings = dependency(async () => ({ pageSize: 20 }));
  const page = dependency(
    {
      deps: { db, settings },
      query: t.Object({ limit: t.Optional(t.Integer()), tag: t.Array(t.String()) }),
      headers: t.Object({ 'x-tenant': t.String() }),
      cookies: t.Object({ session: t.Optional(t.String()) }),
    },
    ({ deps, query, headers, cookies }) => {
      expectType<typeof deps.db, { query: (sql: string) => string[] }>(true);
      expectType<typeof deps.settings, { pageSize: number }>(true);
      expectType<typeof query, { limit?: number; tag: string[] }>(true);
      expectType<typeof headers, { 'x-tenant': string }>(true);
      expectType<typeof cookies, { session?: string }>(true);
      // @ts-expect-error: not declared by this dependency
      void deps.other;
      // @ts-expect-error: not one of its query parameters
      void query.offset;
      return { limit: query.limit ?? deps.settings.pageSize, tenant: headers['x-tenant'], rows: deps.db.query('select 1') };
    },
  );
  // Its value's type; its type also carries what it declared (query, headers…), for the typed client.
  expectType<typeof page extends Dependency<infer T, object> ? T : never, { limit: number; tenant: string; rows: string[] }>(true);

  const app = new App({ logger: false });
  app.get('/page', { deps: { page } }, ({ deps }) => deps.page);
  const res = await app.inject({ url: '/page?tag=a', headers: { 'x-tenant': 'acme' } });
  assert.deepEqual(res.json(), { limit: 20, tenant: 'acme', rows: ['select 1'] });
});

test('undeclared parts keep their raw types; the rest of the context is typed', () => {
  const everything = dependency(({ query, headers, cookies, deps, request, reply, background, state }) => {
    expectType<typeof query, Record<string, string | string[] | undefined>>(true);
    expectType<typeof headers, IncomingHttpHeaders>(true);
    expectType<typeof cookies, Record<string, string | undefined>>(true);
    expectType<typeof deps, {}>(true);
    expectType<typeof request, RequestSnapshot>(true);
    expectType<typeof reply, Reply>(true);
    expectType<typeof background, BackgroundTasks>(true);
    expectType<typeof state, AppState>(true);
    // @ts-expect-error: a dependency never gets the socket (offloaded routes resolve on a worker)
    void request.socket;
    return null;
  });
  expectType<typeof everything, Dependency<null>>(true);
  assert.equal(everything.name, '');
});

test("a handler's state is typed AppState, inline and offloaded", () => {
  const app = new App({ logger: false });
  app.get('/inline', ({ state }) => {
    expectType<typeof state, AppState>(true);
    return null;
  });
  app.get('/offloaded', { offload: true }, ({ state }) => {
    expectType<typeof state, AppState>(true);
    return null;
  });
  assert.equal(app.routes().length, 2);
});

test('misuse does not compile', () => {
  const user = dependency(async () => ({ id: 1, name: 'ada' }));
  const app = new App({ logger: false });

  // @ts-expect-error: a deps value must be a dependency, not a plain function
  assert.throws(() => app.get('/a', { deps: { user: () => 1 } }, () => null));
  // @ts-expect-error: nor a plain value
  assert.throws(() => app.get('/b', { deps: { user: 42 } }, () => null));
  // @ts-expect-error: a dependency's deps are dependencies too
  assert.throws(() => dependency({ deps: { user: async () => 1 } }, () => null));
  // @ts-expect-error: dependencies (for their effect) are dependencies
  assert.throws(() => new Router({ dependencies: [() => undefined] }));
  // @ts-expect-error: a route's dependencies too
  assert.throws(() => app.get('/c', { dependencies: ['user'] }, () => null));
  // @ts-expect-error: dependency() needs a function
  assert.throws(() => dependency({ cache: false }));

  // @ts-expect-error: an option a dependency does not have
  dependency({ body: t.Object({}) }, () => null);

  app.get('/d', { deps: { user } }, ({ deps, background }) => {
    // @ts-expect-error: a property the dependency's value does not have
    void deps.user.email;
    // @ts-expect-error: background.add checks the task's arguments against the function
    background.add((n: number) => n * 2, 'two');
    background.add((n: number, s: string) => `${n}${s}`, 2, 'x'); // right arguments compile
    return deps.user.name;
  });

  // An override must replace a dependency with one of the same value type (or a function of the context).
  const other = dependency(() => 'a string');
  // @ts-expect-error: a Dependency<string> cannot replace a Dependency<{ id; name }>
  app.dependencyOverrides.set(user, other);
  app.dependencyOverrides.delete(user);
  app.dependencyOverrides.set(user, () => ({ id: 2, name: 'fake' }));
  assert.equal(app.dependencyOverrides.size, 1);
});

test("an override gives the original's type of value: returned, awaited or yielded; a fake that drifts does not compile", async () => {
  const currentUser = dependency(async () => ({ id: 1, name: 'real' }));
  const app = new App({ logger: false });
  app.get('/me', { deps: { currentUser } }, ({ deps }) => deps.currentUser);
  app.dependencyOverrides.set(currentUser, () => ({ id: 2, name: 'fake' }));
  app.dependencyOverrides.set(currentUser, async () => ({ id: 3, name: 'async fake' }));
  app.dependencyOverrides.set(currentUser, function* () {
    yield { id: 4, name: 'yielded fake' };
  });
  // @ts-expect-error name must be a string, as the original's is
  app.dependencyOverrides.set(currentUser, () => ({ id: 5, name: 42 }));
  // @ts-expect-error a dependency of another value type
  app.dependencyOverrides.set(currentUser, dependency(() => 'ada'));
  app.dependencyOverrides.set(currentUser, dependency(() => ({ id: 6, name: 'dependency fake' })));
  assert.deepEqual((await app.inject('/me')).json(), { id: 6, name: 'dependency fake' });
});
