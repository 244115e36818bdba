// What the OpenAPI document says about each route: paths, parameters, bodies, responses, the 422
// schema, operation ids, named schemas, tags, hidden routes; and the errors that stop startup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError, Router, t } from '../../src/index.js';
import { app } from './fixtures/every-feature.js';

const document = app.openapi();
const operation = (path: string, method: string) => {
  const found = (document.paths[path] as Record<string, Record<string, unknown>> | undefined)?.[method];
  assert.ok(found, `no ${method} ${path} in ${Object.keys(document.paths).join(', ')}`);
  return found as Record<string, any>;
};
const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

test('the document is OpenAPI 3.1 with the app title, version, description, servers, contact and license', () => {
  assert.equal(document.openapi, '3.1.0');
  assert.deepEqual(document.info, {
    title: 'Every Feature',
    version: '2.1.0',
    description: 'A test app: **every** OpenAPI feature loopwise documents.',
    contact: { name: 'Shop team', email: 'shop@example.com' },
    license: { name: 'MIT', identifier: 'MIT' },
  });
  assert.deepEqual(document.servers, [{ url: '/', description: 'This server' }]);
});

test('paths use {param} syntax, including regex, multi-parameter and wildcard segments; hidden routes are left out', () => {
  assert.deepEqual(Object.keys(document.paths).sort(), [
    '/',
    '/files/{name}',
    '/items',
    '/items/{id}',
    '/range/{from}-{to}',
    '/static/{wildcard}',
    '/users/{userId}',
    '/version',
  ]);
  assert.deepEqual(Object.keys(document.paths['/items/{id}']!).sort(), ['delete', 'get', 'put']);
  assert.deepEqual(operation('/files/{name}', 'get').parameters, [{ name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]+$' } }]);
  assert.deepEqual(
    operation('/range/{from}-{to}', 'get').parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema]),
    [
      ['from', { type: 'integer' }],
      ['to', { type: 'integer' }],
    ],
  );
  assert.deepEqual(operation('/static/{wildcard}', 'get').parameters, [{ name: 'wildcard', in: 'path', required: true, schema: { type: 'string' } }]);
  assert.ok(!JSON.stringify(document).includes('/internal') && !JSON.stringify(document).includes('/admin'));
});

test('path, query, header and cookie parameters carry their schemas, required flags, defaults and descriptions', () => {
  assert.deepEqual(operation('/items/{id}', 'get').parameters, [
    { name: 'id', in: 'path', required: true, schema: { minimum: 1, description: 'The item id.', type: 'integer' }, description: 'The item id.' },
    { name: 'x-request-id', in: 'header', required: false, schema: { format: 'uuid', type: 'string' } },
    { name: 'session', in: 'cookie', required: false, schema: { type: 'string' } },
  ]);
  assert.deepEqual(operation('/items', 'get').parameters, [
    {
      name: 'limit',
      in: 'query',
      // A default makes a parameter optional to send; the schema says what the server assumes.
      required: false,
      schema: { default: 10, minimum: 1, maximum: 100, description: 'How many items to return.', type: 'integer' },
      description: 'How many items to return.',
    },
    { name: 'q', in: 'query', required: false, schema: { description: 'Text the name contains.', type: 'string' }, description: 'Text the name contains.' },
    { name: 'tag', in: 'query', required: false, schema: { type: 'array', items: { type: 'string' } } },
  ]);
});

test('request bodies are listed per content type; an optional body is not required', () => {
  assert.deepEqual(operation('/items', 'post').requestBody, {
    required: true,
    content: { ...json(ref('ItemIn')), 'application/x-www-form-urlencoded': { schema: ref('ItemIn') } },
  });
  assert.deepEqual(operation('/items/{id}', 'put').requestBody, {
    required: false,
    content: json({ type: 'object', required: ['price'], properties: { price: { type: 'number' } } }),
  });
});

test('every declared response is documented per status with its schema; validating routes add the 422 schema, others do not', () => {
  const validationError = { description: 'Validation Error', content: json(ref('HTTPValidationError')) };
  assert.deepEqual(operation('/items/{id}', 'get').responses, {
    200: { description: 'An item for sale.', content: json(ref('Item')) },
    404: { description: 'The item does not exist.', content: json(ref('HTTPError')) },
    422: validationError,
  });
  assert.deepEqual(operation('/items', 'post').responses, { 201: { description: 'An item for sale.', content: json(ref('Item')) }, 422: validationError });
  // 204 has no body; a route that declares no schema still documents its status.
  assert.deepEqual(operation('/items/{id}', 'delete').responses, { 204: { description: 'Successful Response' }, 422: validationError });
  assert.deepEqual(operation('/', 'get').responses, { 200: { description: 'Successful Response', content: json({}) } });
  assert.deepEqual(operation('/files/{name}', 'get').responses[422], undefined, 'a path regex is the router’s check, not validation');
  assert.deepEqual(document.components?.schemas?.HTTPValidationError, {
    title: 'HTTPValidationError',
    type: 'object',
    required: ['detail'],
    properties: { detail: { title: 'Detail', type: 'array', items: ref('ValidationError') } },
  });
  assert.deepEqual((document.components?.schemas?.ValidationError as { required: string[] }).required, ['loc', 'msg', 'type']);
});

test('named schemas ($id) are written once under components and referenced everywhere else', () => {
  assert.deepEqual(Object.keys(document.components?.schemas ?? {}), ['HTTPError', 'HTTPValidationError', 'Item', 'ItemIn', 'User', 'ValidationError']);
  const item = document.components!.schemas!.Item as { properties: Record<string, unknown>; description: string };
  assert.deepEqual(Object.keys(item.properties), ['id', 'name', 'price', 'tags']);
  assert.equal(item.description, 'An item for sale.');
  assert.ok(!('$id' in item), 'an $id inside a component would change how its own $refs resolve');
  // "Assigned by the server." is Item's id description: it appears once, in the component.
  assert.equal(JSON.stringify(document).split('Assigned by the server.').length - 1, 1);
  assert.deepEqual(operation('/items', 'get').responses[200].content, json({ type: 'array', items: ref('Item') }));
});

test('a property with a default is optional to send: a named schema used both ways gets a -Input form, as in FastAPI', () => {
  // ItemIn is only sent: one component, in its input form (tags has a default).
  assert.deepEqual((document.components!.schemas!.ItemIn as { required: string[] }).required, ['name', 'price']);
  const local = new App({ logger: false });
  const Note = t.Object({ text: t.String(), pinned: t.Boolean({ default: false }) }, { $id: 'Note' });
  local.post('/notes', { body: Note, response: { 200: Note } }, async ({ body }) => body);
  local.get('/notes', { response: { 200: t.Array(Note) } }, async () => []);
  const doc = local.openapi();
  assert.deepEqual((doc.components!.schemas!.Note as { required: string[] }).required, ['text', 'pinned']);
  assert.deepEqual((doc.components!.schemas!['Note-Input'] as { required: string[] }).required, ['text']);
  assert.deepEqual(doc.paths['/notes']!.post!.requestBody!.content['application/json']!.schema, ref('Note-Input'));
  assert.deepEqual(doc.paths['/notes']!.post!.responses[200]!.content!['application/json']!.schema, ref('Note'));
  assert.deepEqual(doc.paths['/notes']!.get!.responses[200]!.content!['application/json']!.schema, { type: 'array', items: ref('Note') });
});

test('examples are kept: in schemas, as JSON Schema 2020-12 `examples`', () => {
  const item = document.components!.schemas!.Item as { properties: Record<string, { examples?: unknown[] }> };
  assert.deepEqual(item.properties.name!.examples, ['Hammer']);
  assert.deepEqual((document.components!.schemas!.ItemIn as { examples: unknown[] }).examples, [{ name: 'Hammer', price: 9.5, tags: ['tools'] }]);
});

test('operationIds are unique and stable (from method and path), overridable; summaries come from the handler name or the route', () => {
  const ids = Object.values(document.paths).flatMap((item) => Object.values(item).map((op) => op!.operationId));
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(operation('/items/{id}', 'get').operationId, 'getItemsById');
  assert.equal(operation('/items', 'post').operationId, 'createItem');
  assert.equal(operation('/static/{wildcard}', 'get').operationId, 'getStaticByWildcard');
  assert.equal(operation('/', 'get').operationId, 'getRoot');
  assert.equal(operation('/items', 'get').summary, 'List Items'); // from `async function listItems`
  assert.equal(operation('/items/{id}', 'get').summary, 'Read one item');
  assert.equal(operation('/items/{id}', 'get').description, 'Returns the item with this id, or 404.');
  assert.equal(operation('/users/{userId}', 'get').summary, 'Get Users By UserId');

  // Stable: adding a route elsewhere changes no other route's id.
  const before = new App({ logger: false });
  before.get('/b/:id', async () => 1);
  const after = new App({ logger: false });
  after.get('/a', async () => 1);
  after.get('/b/:id', async () => 1);
  assert.equal(before.openapi().paths['/b/{id}']!.get!.operationId, after.openapi().paths['/b/{id}']!.get!.operationId);

  // Two paths that make the same words get distinct ids, the later one numbered.
  const clash = new App({ logger: false });
  clash.get('/a-b', async () => 1);
  clash.get('/a_b', async () => 1);
  assert.deepEqual([clash.openapi().paths['/a-b']!.get!.operationId, clash.openapi().paths['/a_b']!.get!.operationId], ['getAB', 'getAB2']);
});

test('tags (with the app’s descriptions first), deprecated, router prefixes and tags, and extra operation fields', () => {
  assert.deepEqual(document.tags, [
    { name: 'items', description: 'Things for sale.' },
    { name: 'files', description: 'Files by name.' },
    { name: 'users' },
  ]);
  assert.deepEqual(operation('/users/{userId}', 'get').tags, ['users']);
  assert.equal(operation('/items/{id}', 'delete').deprecated, true);
  assert.equal(operation('/items/{id}', 'get').deprecated, undefined);
  assert.equal(operation('/version', 'get')['x-internal-owner'], 'platform');
  // Every operation says outright that it needs no credentials.
  assert.deepEqual(operation('/', 'get').security, []);
});

test('TypeBox kinds with no JSON form are documented as what goes over the wire; t.Ref points at the component', () => {
  const local = new App({ logger: false });
  const Tag = t.Object({ label: t.String() }, { $id: 'schemas/Tag.json' });
  local.post('/tags', { body: Tag }, async () => 1);
  local.get('/when', { query: t.Object({ tag: t.Ref(Tag) }), response: { 200: t.Object({ at: t.Date(), raw: t.Uint8Array() }) } }, async () => ({ at: new Date(), raw: new Uint8Array() }));
  const doc = local.openapi();
  assert.deepEqual(doc.paths['/when']!.get!.parameters![0]!.schema, ref('Tag'));
  assert.deepEqual(doc.paths['/when']!.get!.responses[200]!.content!['application/json']!.schema, {
    type: 'object',
    required: ['at', 'raw'],
    properties: { at: { type: 'string', format: 'date-time' }, raw: { type: 'string', format: 'binary' } },
  });
  assert.deepEqual(Object.keys(doc.components!.schemas!), ['HTTPValidationError', 'Tag', 'ValidationError']);
});

test('a recursive named schema refers to itself', () => {
  const local = new App({ logger: false });
  const Node = t.Recursive((This) => t.Object({ name: t.String(), children: t.Array(This) }), { $id: 'TreeNode' });
  local.get('/tree', { response: { 200: Node } }, async () => ({ name: 'root', children: [] }));
  assert.deepEqual(local.openapi().components!.schemas!.TreeNode, {
    type: 'object',
    required: ['name', 'children'],
    properties: { name: { type: 'string' }, children: { type: 'array', items: ref('TreeNode') } },
  });
});

test('mistakes in the document stop startup with a message naming both places', () => {
  const duplicateId = new App({ logger: false });
  duplicateId.get('/a', { operationId: 'same' }, async () => 1);
  duplicateId.get('/b', { operationId: 'same' }, async () => 1);
  assert.throws(() => duplicateId.ready(), (error: LoopwiseError) => {
    assert.equal(error.code, 'LW_ERR_OPENAPI');
    assert.equal(error.message, 'LW_ERR_OPENAPI: GET /a and GET /b both have operationId "same"; operationIds must be unique.');
    return true;
  });

  const twoItems = new App({ logger: false });
  twoItems.get('/a', { response: { 200: t.Object({ a: t.String() }, { $id: 'Thing' }) } }, async () => ({ a: '' }));
  twoItems.get('/b', { query: t.Object({ q: t.String() }), response: { 200: t.Object({ b: t.Number() }, { $id: 'Thing' }) } }, async () => ({ b: 1 }));
  assert.throws(() => twoItems.openapi(), {
    code: 'LW_ERR_OPENAPI',
    message: 'LW_ERR_OPENAPI: two different schemas are named "Thing" ($id "Thing"): one in the 200 response of GET /a, another in the 200 response of GET /b. Give them different $id values, or share one schema object.',
  });

  const dangling = new App({ logger: false });
  dangling.get('/a', { query: t.Object({ x: t.Ref('Missing') }) }, async () => 1);
  assert.throws(() => dangling.openapi(), { code: 'LW_ERR_OPENAPI', message: /the query parameter "x" of GET \/a refers to the schema "Missing"/ });
});

test('openapi options: custom paths, no pages, or nothing at all; bad paths are refused', async () => {
  const custom = new App({ logger: false, openapi: { path: '/api/schema.json', docs: '/api/docs', redoc: false } });
  custom.get('/x', async () => 1);
  assert.equal((await custom.inject('/api/schema.json')).json<{ openapi: string }>().openapi, '3.1.0');
  assert.equal((await custom.inject('/openapi.json')).statusCode, 404);
  assert.equal((await custom.inject('/api/docs')).statusCode, 200);
  assert.equal((await custom.inject('/redoc')).statusCode, 404);

  const none = new App({ logger: false, openapi: false });
  none.get('/x', async () => 1);
  for (const path of ['/openapi.json', '/docs', '/redoc']) assert.equal((await none.inject(path)).statusCode, 404, path);
  assert.equal(none.openapi().paths['/x']!.get!.operationId, 'getX', 'the document itself is still there for code');

  assert.throws(() => new App({ logger: false, openapi: { docs: 'docs' } }), { code: 'LW_ERR_INVALID_OPTION', message: /openapi\.docs must be a path such as "\/docs"/ });
});

test('GET /openapi.json serves the document as JSON, and reflects changes made to app.openapi() before the first request', async () => {
  const local = new App({ logger: false, title: 'Served' });
  const items = new Router({ prefix: '/items', tags: ['items'] });
  items.get('/', async () => []);
  local.include(items);
  local.ready();
  local.openapi().info['x-logo' as 'summary'] = 'logo.png';
  const response = await local.inject('/openapi.json');
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
  const served = response.json<{ info: Record<string, unknown>; paths: Record<string, unknown> }>();
  assert.equal(served.info.title, 'Served');
  assert.equal(served.info['x-logo'], 'logo.png');
  assert.deepEqual(Object.keys(served.paths), ['/items/']);
});
