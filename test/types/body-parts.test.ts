// Compile-time checks of a named-parts body's handler type (`body: { item: Item, user: User }`):
// `npm run typecheck` fails if an inference is wrong or an `@ts-expect-error` line compiles; the
// runtime assertions prove the values match the types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

const Item = t.Object({ name: t.String(), price: t.Number() });
const User = t.Object({ username: t.String() });

test('each part typed from its schema; optional parts optional, parts with a default present', async () => {
  const app = new App({ logger: false });
  app.put(
    '/items/:id',
    { body: { item: Item, user: t.Optional(User), importance: t.Integer(), tags: t.Array(t.String(), { default: [] }) } },
    ({ body }) => {
      expectType<typeof body, { item: { name: string; price: number }; user?: { username: string }; importance: number; tags: string[] }>(true);
      expectType<typeof body.item.price, number>(true);
      // Checked by tsc only, never run.
      const wrong = () => {
        // @ts-expect-error: user may be absent
        void body.user.username;
        // @ts-expect-error: no such part
        void body.name;
      };
      void wrong;
      body.importance += 1; // the handler's own object: writable
      return { importance: body.importance, tags: body.tags, user: body.user ?? null };
    },
  );
  const res = await app.inject({ method: 'PUT', url: '/items/1', body: { item: { name: 'Pen', price: 1 }, importance: 2 } });
  assert.deepEqual(res.json(), { importance: 3, tags: [], user: null });
});

test('one named part: the embedded model under its name', () => {
  const app = new App({ logger: false });
  app.put('/items/:id', { body: { item: Item } }, ({ body }) => {
    expectType<typeof body, { item: { name: string; price: number } }>(true);
    return body.item;
  });
  assert.equal(app.routes().length, 1);
});

test('a part must be a schema', () => {
  const app = new App({ logger: false });
  // @ts-expect-error: a part is a TypeBox schema, not a value
  app.put('/items/:id', { body: { item: 'Item' } }, () => null);
  assert.equal(app.routes().length, 1);
});
