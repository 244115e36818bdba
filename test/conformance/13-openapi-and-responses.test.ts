// Cause 13 (what could not be expressed): a query parameter hidden from OpenAPI
// (`Query(include_in_schema=False)` → `includeInSchema: false`), and the response_model_exclude_unset
// / _include / _exclude route options (→ responseExcludeUnset, responseInclude, responseExclude).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, LoopwiseError, t } from '../../src/index.js';

// docs_src/query_params_str_validations/tutorial014.py:
//   @app.get("/items/")
//   async def read_items(hidden_query: Union[str, None] = Query(default=None, include_in_schema=False)):
//       if hidden_query: return {"hidden_query": hidden_query}
//       else: return {"hidden_query": "Not found"}
function tutorial014(): App {
  const app = new App({ logger: false });
  app.get(
    '/items/',
    { query: t.Object({ hidden_query: t.Optional(t.Union([t.String(), t.Null()], { default: null, includeInSchema: false })) }) },
    async function readItems({ query }) {
      return { hidden_query: query.hidden_query ? query.hidden_query : 'Not found' };
    },
  );
  return app;
}

// FastAPI tests/test_tutorial/test_query_params_str_validations/test_tutorial014.py:
//   test_hidden_query: GET /items?hidden_query=somevalue → 200 {"hidden_query": "somevalue"}
//   test_no_hidden_query: GET /items → 200 {"hidden_query": "Not found"}
test('tutorial014: the hidden query parameter still works', async () => {
  const app = tutorial014();
  const given = await app.inject('/items/?hidden_query=somevalue');
  assert.equal(given.statusCode, 200);
  assert.deepEqual(given.json(), { hidden_query: 'somevalue' });
  const absent = await app.inject('/items/');
  assert.equal(absent.statusCode, 200);
  assert.deepEqual(absent.json(), { hidden_query: 'Not found' });
});

// FastAPI tests/test_tutorial/test_query_params_str_validations/test_tutorial014.py, test_openapi_schema:
//   "/items/": {"get": {"summary": "Read Items", "operationId": ..., "responses": {"200": {...},
//   "422": {... HTTPValidationError}}}} — no "parameters" at all.
test('tutorial014: the hidden query parameter is not in /openapi.json; the 422 is still documented', async () => {
  const app = tutorial014();
  const document = (await app.inject('/openapi.json')).json();
  const operation = document.paths['/items/'].get;
  assert.equal(operation.parameters, undefined);
  assert.equal(operation.summary, 'Read Items');
  assert.deepEqual(Object.keys(operation.responses), ['200', '422']);
  assert.deepEqual(operation.responses['422'].content['application/json'].schema, { $ref: '#/components/schemas/HTTPValidationError' });
  assert.ok(!JSON.stringify(document).includes('hidden_query'));
  assert.ok(!JSON.stringify(document).includes('includeInSchema'));
});

// FastAPI validates a hidden parameter as any other (include_in_schema only affects the document).
test('a hidden parameter is validated as usual; a hidden header too; a hidden path parameter is refused', async () => {
  const app = new App({ logger: false });
  app.get(
    '/search',
    { query: t.Object({ q: t.String(), debug: t.Optional(t.Integer({ includeInSchema: false })) }), headers: t.Object({ 'x-trace': t.Optional(t.String({ includeInSchema: false })) }) },
    ({ query, headers }) => ({ q: query.q, debug: query.debug ?? null, trace: headers['x-trace'] ?? null }),
  );
  const bad = await app.inject('/search?q=a&debug=yes');
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.json(), {
    detail: [{ type: 'int_parsing', loc: ['query', 'debug'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'yes' }],
  });
  const ok = await app.inject({ url: '/search?q=a&debug=1', headers: { 'x-trace': 't1' } });
  assert.deepEqual(ok.json(), { q: 'a', debug: 1, trace: 't1' });
  const parameters = (await app.inject('/openapi.json')).json().paths['/search'].get.parameters;
  assert.deepEqual(parameters, [{ name: 'q', in: 'query', required: true, schema: { type: 'string' } }]);

  const wrong = new App({ logger: false });
  wrong.get('/items/:id', { params: t.Object({ id: t.Integer({ includeInSchema: false }) }) }, () => ({}));
  assert.throws(() => wrong.openapi(), (error: unknown) => error instanceof LoopwiseError && /path parameter "id".*includeInSchema/.test(error.message));
});

// docs_src/response_model/tutorial004.py:
//   class Item(BaseModel): name: str; description: Union[str, None] = None; price: float; tax: float = 10.5; tags: List[str] = []
//   @app.get("/items/{item_id}", response_model=Item, response_model_exclude_unset=True)
const Item004 = t.Object(
  {
    name: t.String(),
    description: t.Optional(t.Union([t.String(), t.Null()], { default: null })),
    price: t.Number(),
    tax: t.Number({ default: 10.5 }),
    tags: t.Array(t.String(), { default: [] }),
  },
  { $id: 'Item' },
);
const items004: Record<string, Record<string, unknown>> = {
  foo: { name: 'Foo', price: 50.2 },
  bar: { name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 },
  baz: { name: 'Baz', description: null, price: 50.2, tax: 10.5, tags: [] },
};

function tutorial004(): App {
  const app = new App({ logger: false });
  app.get('/items/:item_id', { response: { 200: Item004 }, responseExcludeUnset: true }, async function readItem({ params }) {
    const item = items004[params.item_id];
    if (item === undefined) throw new HTTPException(404, 'Item not found');
    return item as never;
  });
  return app;
}

// FastAPI tests/test_tutorial/test_response_model/test_tutorial004.py, test_get (parametrized):
//   /items/foo → {"name": "Foo", "price": 50.2}
//   /items/bar → {"name": "Bar", "description": "The bartenders", "price": 62, "tax": 20.2}
//   /items/baz → {"name": "Baz", "description": None, "price": 50.2, "tax": 10.5, "tags": []}
test('tutorial004: response_model_exclude_unset leaves out the fields the value does not have, keeps those set to their default', async () => {
  const app = tutorial004();
  assert.deepEqual((await app.inject('/items/foo')).json(), { name: 'Foo', price: 50.2 });
  assert.deepEqual((await app.inject('/items/bar')).json(), { name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 });
  assert.deepEqual((await app.inject('/items/baz')).json(), { name: 'Baz', description: null, price: 50.2, tax: 10.5, tags: [] });
});

// FastAPI tests/test_tutorial/test_response_model/test_tutorial004.py, test_openapi_schema: the 200
// response is {"$ref": "#/components/schemas/Item"}, with "tax" {"type": "number", "default": 10.5} and
// "tags" {"type": "array", "items": {"type": "string"}, "default": []}: the full model, defaults included.
test('tutorial004: the document still shows the whole model, defaults included', async () => {
  const document = (await tutorial004().inject('/openapi.json')).json();
  assert.deepEqual(document.paths['/items/{item_id}'].get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/Item' });
  const item = document.components.schemas.Item;
  assert.deepEqual(item.properties.tax, { type: 'number', default: 10.5 });
  assert.deepEqual(item.properties.tags, { type: 'array', items: { type: 'string' }, default: [] });
});

// The same model without the option: FastAPI fills the defaults in (the value is validated into the
// model, then dumped), as docs/tutorial/response-model.md shows for "foo" before exclude_unset:
//   {"name": "Foo", "description": null, "price": 50.2, "tax": 10.5, "tags": []}.
test('without responseExcludeUnset the defaults are written, as before', async () => {
  const app = new App({ logger: false });
  app.get('/items/:item_id', { response: { 200: Item004 } }, () => items004.foo as never);
  assert.deepEqual((await app.inject('/items/foo')).json(), { name: 'Foo', description: null, price: 50.2, tax: 10.5, tags: [] });
});

// docs_src/response_model/tutorial005.py:
//   class Item(BaseModel): name: str; description: Optional[str] = None; price: float; tax: float = 10.5
//   @app.get("/items/{item_id}/name", response_model=Item, response_model_include={"name", "description"})
//   @app.get("/items/{item_id}/public", response_model=Item, response_model_exclude={"tax"})
const Item005 = t.Object(
  { name: t.String(), description: t.Optional(t.Union([t.String(), t.Null()], { default: null })), price: t.Number(), tax: t.Number({ default: 10.5 }) },
  { $id: 'Item' },
);
const items005: Record<string, Record<string, unknown>> = {
  foo: { name: 'Foo', price: 50.2 },
  bar: { name: 'Bar', description: 'The Bar fighters', price: 62, tax: 20.2 },
  baz: { name: 'Baz', description: 'There goes my baz', price: 50.2, tax: 10.5 },
};

function tutorial005(): App {
  const app = new App({ logger: false });
  app.get('/items/:item_id/name', { response: { 200: Item005 }, responseInclude: ['name', 'description'] }, async function readItemName({ params }) {
    return items005[params.item_id] as never;
  });
  app.get('/items/:item_id/public', { response: { 200: Item005 }, responseExclude: ['tax'] }, async function readItemPublicData({ params }) {
    return items005[params.item_id] as never;
  });
  return app;
}

// FastAPI tests/test_tutorial/test_response_model/test_tutorial005.py:
//   test_read_item_name: GET /items/bar/name → {"name": "Bar", "description": "The Bar fighters"}
//   test_read_item_public_data: GET /items/bar/public → {"name": "Bar", "description": "The Bar fighters", "price": 62}
test('tutorial005: response_model_include and response_model_exclude pick the fields', async () => {
  const app = tutorial005();
  assert.deepEqual((await app.inject('/items/bar/name')).json(), { name: 'Bar', description: 'The Bar fighters' });
  assert.deepEqual((await app.inject('/items/bar/public')).json(), { name: 'Bar', description: 'The Bar fighters', price: 62 });
  // Pydantic fills the default before picking: "foo" has description None.
  assert.deepEqual((await app.inject('/items/foo/name')).json(), { name: 'Foo', description: null });
});

// FastAPI tests/test_tutorial/test_response_model/test_tutorial005.py, openapi_schema: both operations'
// 200 response is {"$ref": "#/components/schemas/Item"}, the whole model (name, price, description, tax).
test('tutorial005: the document shows the whole model for both routes', async () => {
  const document = (await tutorial005().inject('/openapi.json')).json();
  for (const path of ['/items/{item_id}/name', '/items/{item_id}/public']) {
    assert.deepEqual(document.paths[path].get.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/Item' });
  }
  assert.deepEqual(Object.keys(document.components.schemas.Item.properties).sort(), ['description', 'name', 'price', 'tax']);
});
