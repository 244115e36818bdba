// Two Apps in one process (two FastAPI tutorial apps in one test run) may each declare their own
// `Item` with the same $id; each must validate by its own. And within one App, `Item` and
// `t.Optional(Item)` are one schema in the OpenAPI document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router, t } from '../../src/index.js';

test('two Apps with different schemas under the same $id each validate by their own', async () => {
  const first = new App({ logger: false });
  first.post('/items/', { body: t.Object({ name: t.String() }, { $id: 'Item' }) }, ({ body }) => body);
  const second = new App({ logger: false });
  second.post('/items/', { body: t.Object({ price: t.Number() }, { $id: 'Item' }) }, ({ body }) => body);

  const post = (app: App, body: unknown) => app.inject({ method: 'POST', url: '/items/', body });
  assert.equal((await post(first, { name: 'Foo' })).statusCode, 200);
  assert.equal((await post(second, { price: 1.5 })).statusCode, 200);
  assert.deepEqual((await post(second, { name: 'Foo' })).json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'price']]);
  assert.deepEqual((await post(first, { price: 1.5 })).json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'name']]);
});

test('Item on one route and t.Optional(Item) on another: one component, both routes served', async () => {
  const Item = t.Object({ name: t.String() }, { $id: 'Item' });
  const app = new App({ logger: false });
  app.post('/required/', { body: Item }, ({ body }) => body);
  app.post('/optional/', { body: t.Optional(Item) }, ({ body }) => body ?? { name: 'none' });
  const document = app.openapi();
  assert.deepEqual(Object.keys(document.components!.schemas!).filter((name) => name === 'Item'), ['Item']);
  assert.equal(document.paths['/required/']!.post!.requestBody!.required, true);
  assert.notEqual(document.paths['/optional/']!.post!.requestBody!.required, true);
  assert.deepEqual((await app.inject({ method: 'POST', url: '/optional/', body: { name: 'x' } })).json(), { name: 'x' });
  assert.equal((await app.inject({ method: 'POST', url: '/required/', body: {} })).statusCode, 422);
});

test('an $id taken by another App also works nested in a body (body_multiple_params: item and user together)', async () => {
  const first = new App({ logger: false });
  first.put('/items/:id', { body: t.Object({ name: t.String() }, { $id: 'Item' }) }, ({ body }) => body);
  assert.equal((await first.inject({ method: 'PUT', url: '/items/1', body: { name: 'Foo' } })).statusCode, 200);

  // The other App's Item is compiled inside its route's body: ajv met `Item` nested, not as the schema's own $id.
  const second = new App({ logger: false });
  const Item = t.Object({ price: t.Number() }, { $id: 'Item' });
  second.put('/items/:id', { body: t.Object({ item: Item, importance: t.Integer() }) }, ({ body }) => body);
  const valid = await second.inject({ method: 'PUT', url: '/items/1', body: { item: { price: 1.5 }, importance: 5 } });
  assert.equal(valid.statusCode, 200, valid.body);
  const invalid = await second.inject({ method: 'PUT', url: '/items/1', body: { item: { name: 'Foo' }, importance: 5 } });
  assert.deepEqual(invalid.json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'item', 'price']]);
  assert.equal((await first.inject({ method: 'PUT', url: '/items/1', body: { price: 1.5 } })).statusCode, 422);
});

test('one schema that gives two different schemas the same $id is still refused, naming it', async () => {
  const app = new App({ logger: false });
  const body = t.Object({ a: t.Object({ x: t.String() }, { $id: 'Twice' }), b: t.Object({ y: t.Number() }, { $id: 'Twice' }) });
  app.post('/both', { body }, ({ body }) => body);
  // Its OpenAPI document names the clash first; without one, the validator does.
  await assert.rejects(() => app.inject({ method: 'POST', url: '/both', body: {} }), /LW_ERR_OPENAPI: two different schemas are named "Twice"/);
  const undocumented = new App({ logger: false, openapi: false });
  undocumented.post('/both', { body }, ({ body }) => body);
  await assert.rejects(() => undocumented.inject({ method: 'POST', url: '/both', body: {} }), /LW_ERR_SCHEMA_INVALID: .*reference "Twice" resolves to more than one schema/);
});

test("a t.Ref finds its own App's schema, not another App's of the same $id", async () => {
  const first = new App({ logger: false });
  first.post('/items', { body: t.Object({ name: t.String() }, { $id: 'Item' }) }, ({ body }) => body);
  assert.equal((await first.inject({ method: 'POST', url: '/items', body: { name: 'Foo' } })).statusCode, 200);

  const second = new App({ logger: false });
  const Item = t.Object({ price: t.Number() }, { $id: 'Item' });
  second.post('/nested', { body: t.Object({ item: Item }) }, ({ body }) => body);
  second.post('/ref', { body: t.Object({ item: t.Ref(Item) }) }, ({ body }) => body);
  const valid = await second.inject({ method: 'POST', url: '/ref', body: { item: { price: 1 } } });
  assert.equal(valid.statusCode, 200, valid.body);
  const invalid = await second.inject({ method: 'POST', url: '/ref', body: { item: { name: 'x' } } });
  assert.equal(invalid.statusCode, 422);
  assert.deepEqual(invalid.json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'item', 'price']]);
});

test('a t.Ref to a schema another route only nests is validated by it (it recursed into itself: a 500 for every request)', async () => {
  const app = new App({ logger: false });
  const Item = t.Object({ price: t.Number() }, { $id: 'Item' });
  app.post('/nested', { body: t.Object({ item: Item }) }, ({ body }) => body);
  app.post('/ref', { body: t.Object({ item: t.Ref(Item) }) }, ({ body }) => body);
  const valid = await app.inject({ method: 'POST', url: '/ref', body: { item: { price: 1 } } });
  assert.equal(valid.statusCode, 200, valid.body);
  const invalid = await app.inject({ method: 'POST', url: '/ref', body: { item: { name: 'x' } } });
  assert.deepEqual(invalid.json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'item', 'price']]);
  assert.equal((await app.inject({ method: 'POST', url: '/nested', body: { item: { price: 2 } } })).statusCode, 200);
});

test('a t.Ref to a schema nested in a named one, or named inside another, is found (both recursed into themselves: a 500)', async () => {
  const app = new App({ logger: false });
  const Tag = t.String({ $id: 'Tag', minLength: 2 });
  const Item = t.Object({ price: t.Number(), tag: t.Optional(Tag) }, { $id: 'Item' });
  app.post('/orders', { body: t.Object({ item: Item }, { $id: 'Order' }) }, ({ body }) => body);
  app.post('/nested', { body: t.Object({ item: Item }) }, ({ body }) => body);
  app.post('/item-ref', { body: t.Object({ other: t.String(), item: t.Ref(Item) }) }, ({ body }) => body);
  app.post('/tag-ref', { body: t.Object({ n: t.Number(), tag: t.Ref(Tag) }) }, ({ body }) => body);
  const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, body });
  assert.equal((await post('/item-ref', { other: 'x', item: { price: 1 } })).statusCode, 200);
  assert.deepEqual((await post('/item-ref', { other: 'x', item: { name: 'x' } })).json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'item', 'price']]);
  assert.equal((await post('/tag-ref', { n: 1, tag: 'ok' })).statusCode, 200);
  assert.equal((await post('/tag-ref', { n: 1, tag: 'x' })).json().detail[0].type, 'string_too_short');
});

test("a property named like a data keyword (default, enum…) still brings its schema's $id", async () => {
  const app = new App({ logger: false, openapi: false });
  const Item = t.Object({ price: t.Number() }, { $id: 'Item' });
  app.post('/d', { body: t.Object({ default: Item }) }, ({ body }) => body);
  app.post('/ref', { body: t.Object({ item: t.Ref(Item) }) }, ({ body }) => body);
  assert.equal((await app.inject({ method: 'POST', url: '/ref', body: { item: { price: 1 } } })).statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: '/ref', body: { item: { name: 1 } } })).statusCode, 422);
});

test("a form route and a channel may refer to the App's named schemas too", async () => {
  const app = new App({ logger: false });
  const Tag = t.String({ $id: 'Tag', minLength: 2 });
  app.post('/json', { body: t.Object({ tag: Tag }) }, ({ body }) => body);
  app.post('/form', { consumes: ['application/x-www-form-urlencoded'], body: t.Object({ tag: t.Ref(Tag) }) }, ({ body }) => body);
  app.post('/upload', { consumes: ['multipart/form-data'], body: t.Object({ tag: t.Ref(Tag) }) }, ({ body }) => body);
  assert.equal((await app.inject({ method: 'POST', url: '/form', form: { tag: 'ok' } })).statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: '/form', form: { tag: 'x' } })).statusCode, 422);
  assert.equal((await app.inject({ method: 'POST', url: '/upload', files: {}, form: { tag: 'x' } })).statusCode, 422);
  const channel = app.channel('tags', { schema: t.Object({ tag: t.Ref(Tag) }) });
  await assert.rejects(() => channel.publish({ tag: 'x' }), /LW_ERR_CHANNEL_MESSAGE/);
  await app.close();
});

test('a named part that is not valid JSON Schema is refused at its place in the route schema', async () => {
  const app = new App({ logger: false, openapi: false });
  app.post('/bad', { body: t.Object({ bad: t.Unsafe({ type: 'strin', $id: 'Bad' }) }) }, ({ body }) => body);
  await assert.rejects(() => app.inject({ method: 'POST', url: '/bad', body: { bad: 'x' } }), /LW_ERR_SCHEMA_INVALID: the body schema of POST \/bad .*data\/properties\/bad\/type must be equal to one of the allowed values/);
});

test('a t.Module import: its other definitions are not checked as routes of their own (a t.Date among them)', async () => {
  const module = t.Module({ User: t.Object({ name: t.String() }), Stamp: t.Date() });
  const app = new App({ logger: false, openapi: false });
  app.post('/users', { body: module.Import('User') }, ({ body }) => body);
  assert.equal((await app.inject({ method: 'POST', url: '/users', body: { name: 'Ada' } })).statusCode, 200);
  assert.equal((await app.inject({ method: 'POST', url: '/users', body: { name: 1 } })).statusCode, 422);
});

test('one body that uses a named schema twice (Item and t.Optional(Item)) starts, and each place gets the issues Item alone would', async () => {
  const Item = t.Object({ name: t.String({ maxLength: 3 }), price: t.Number() }, { $id: 'Item' });
  const app = new App({ logger: false });
  const Order = t.Object({ main: Item, spare: t.Optional(Item) });
  app.post('/orders', { body: Order, response: { 200: Order } }, ({ body }) => body);
  app.post('/single', { body: t.Object({ main: Item }) }, ({ body }) => body);
  app.post('/pair', { body: t.Object({ items: t.Array(Item), first: Item, maybe: t.Union([Item, t.Null()]) }) }, ({ body }) => body);

  const valid = { main: { name: 'a', price: 1 }, spare: { name: 'b', price: 2 } };
  const served = await app.inject({ method: 'POST', url: '/orders', body: valid });
  assert.equal(served.statusCode, 200, served.body);
  assert.deepEqual(served.json(), valid);
  // The repeat is checked as the first is: the same issues, at its own place.
  const alone = (await app.inject({ method: 'POST', url: '/single', body: { main: { name: 'long' } } })).json().detail;
  const repeated = (await app.inject({ method: 'POST', url: '/orders', body: { main: { name: 'a', price: 1 }, spare: { name: 'long' } } })).json().detail;
  assert.deepEqual(
    repeated,
    alone.map((issue: { loc: unknown[] }) => ({ ...issue, loc: ['body', 'spare', ...issue.loc.slice(2)] })),
  );
  const inUnion = await app.inject({ method: 'POST', url: '/pair', body: { items: [], first: { name: 'a', price: 1 }, maybe: { name: 'abcde', price: 1 } } });
  assert.deepEqual(inUnion.json().detail.map((issue: { type: string; loc: unknown }) => [issue.type, issue.loc]), [['string_too_long', ['body', 'maybe', 'name']]]);
  const inList = await app.inject({ method: 'POST', url: '/pair', body: { items: [{ name: 'a', price: 1 }, { name: 'a' }], first: { name: 'a', price: 1 }, maybe: null } });
  assert.deepEqual(inList.json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'items', 1, 'price']]);
  // Still one component in the document, referred to from both places.
  const schema = app.openapi().paths['/orders']!.post!.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown> };
  assert.deepEqual(schema.properties, { main: { $ref: '#/components/schemas/Item' }, spare: { $ref: '#/components/schemas/Item' } });
});

test('a recursive named schema used twice in one body starts and checks both, at any depth', async () => {
  const Tree = t.Recursive((This) => t.Object({ label: t.String(), children: t.Array(This) }), { $id: 'Tree' });
  const app = new App({ logger: false });
  app.post('/forest', { body: t.Object({ left: Tree, right: t.Optional(Tree) }) }, ({ body }) => body);
  const leaf = (label: unknown) => ({ label, children: [] });
  assert.equal((await app.inject({ method: 'POST', url: '/forest', body: { left: leaf('a'), right: { label: 'b', children: [leaf('c')] } } })).statusCode, 200);
  const deep = await app.inject({ method: 'POST', url: '/forest', body: { left: leaf('a'), right: { label: 'b', children: [leaf(7)] } } });
  assert.deepEqual(deep.json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'right', 'children', 0, 'label']]);
});

test('a t.Ref may come before the route that uses the schema, here in an included router, and reach a schema it refers to in turn', async () => {
  const Tag = t.Object({ label: t.String({ format: 'email' }) }, { $id: 'Tag' });
  const Item = t.Object({ name: t.String({ maxLength: 3 }), tag: t.Optional(t.Ref(Tag)) }, { $id: 'Item' });
  const app = new App({ logger: false });
  app.post('/orders', { body: t.Object({ item: t.Ref(Item) }) }, ({ body }) => body);
  const router = new Router();
  router.post('/items', { body: Item }, ({ body }) => body);
  router.post('/tags', { body: Tag }, ({ body }) => body);
  app.include(router);

  // It stopped startup: "can't resolve reference Item from id #".
  const valid = await app.inject({ method: 'POST', url: '/orders', body: { item: { name: 'a', tag: { label: 'a@b.co' } } } });
  assert.equal(valid.statusCode, 200, valid.body);
  const invalid = await app.inject({ method: 'POST', url: '/orders', body: { item: { name: 'abcd', tag: { label: 'nope' } } } });
  assert.deepEqual(invalid.json().detail.map((issue: { type: string; loc: unknown }) => [issue.type, issue.loc]), [
    ['string_too_long', ['body', 'item', 'name']],
    ['value_error', ['body', 'item', 'tag', 'label']],
  ]);
  // The route that uses Item itself answers as before.
  const direct = await app.inject({ method: 'POST', url: '/items', body: { name: 'abcd', tag: { label: 'x' } } });
  assert.deepEqual(direct.json().detail.map((issue: { loc: unknown }) => issue.loc), [['body', 'name'], ['body', 'tag', 'label']]);
});

test('a t.Ref in a response schema serializes by the named schema (and the one it refers to), filtering as the schema itself does', async () => {
  const Tag = t.Object({ label: t.String() }, { $id: 'Tag' });
  const Item = t.Object({ id: t.Integer(), name: t.String(), tag: t.Optional(t.Ref(Tag)) }, { $id: 'Item' });
  const app = new App({ logger: false });
  // Declared before the routes that use Item and Tag themselves, as FastAPI's response_model=list[Item] would be.
  app.get('/items', { response: { 200: t.Array(t.Ref(Item)) } }, () => [{ id: 1, name: 'a', secret: 'x', tag: { label: 'l', hidden: 1 } }]);
  app.get('/items/:id', { response: { 200: Item } }, () => ({ id: 3, name: 'c', secret: 'z' }));
  app.get('/tags', { response: { 200: Tag } }, () => ({ label: 'x' }));
  // A value the schema refuses (its type says so too): a 500, as a schema used whole gives.
  app.get('/broken', { response: { 200: t.Ref(Item) } }, () => ({ name: 'no id' }) as never);
  // It stopped startup: "Cannot resolve ref "Item#". Schema with id "Item" is not found."
  const listed = await app.inject({ url: '/items' });
  assert.equal(listed.statusCode, 200, listed.body);
  assert.deepEqual(listed.json(), [{ id: 1, name: 'a', tag: { label: 'l' } }]);
  assert.deepEqual((await app.inject({ url: '/items/3' })).json(), { id: 3, name: 'c' });
  assert.equal((await app.inject({ url: '/broken' })).statusCode, 500);
});
