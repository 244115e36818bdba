// Cause 4 of issue 21: several body parameters. FastAPI nests the body by parameter name when a
// route has more than one body parameter (or one with `Body(embed=True)`); loopwise declares the
// same as named parts, `body: { item: Item, user: User }`. Every expected answer below is quoted
// from FastAPI's tests/test_tutorial/test_body_multiple_params/ (current FastAPI, Pydantic v2) or
// from fastapi/dependencies/utils.py (request_body_to_args, _validate_value_with_model_field); the
// apps mirror docs_src/body_multiple_params/tutorial001–005 (the _py310 / _an_py310 variants).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t, type TSchema } from '../../src/index.js';

// class Item(BaseModel): name: str; description: str | None = None; price: float; tax: float | None = None
const Item = t.Object(
  {
    name: t.String(),
    description: t.Union([t.String(), t.Null()], { default: null }),
    price: t.Number(),
    tax: t.Union([t.Number(), t.Null()], { default: null }),
  },
  { $id: 'Item' },
);
// class User(BaseModel): username: str; full_name: str | None = None
const User = t.Object({ username: t.String(), full_name: t.Union([t.String(), t.Null()], { default: null }) }, { $id: 'User' });

// The same models without defaults, for the answers that quote a part as sent: filling defaults
// in before the error is built is cause 2 of issue 21 (its own suite), not this one's.
const ItemAsSent = t.Object({ name: t.String(), description: t.Optional(t.String()), price: t.Number(), tax: t.Optional(t.Number()) });
const UserAsSent = t.Object({ username: t.String(), full_name: t.Optional(t.String()) });

const OPERATION_ID = 'update_item_items__item_id__put'; // FastAPI's own, so the component's name can be compared
const itemId = t.Object({ item_id: t.Integer() });

const MISSING = (...loc: string[]) => ({ type: 'missing', loc: ['body', ...loc], msg: 'Field required', input: null });

/** FastAPI's test client: `json=None` sends no body and no Content-Type. */
async function put(app: App, url: string, body?: unknown) {
  const res = await app.inject(body === undefined ? { method: 'PUT', url } : { method: 'PUT', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.statusCode, json: res.json() as unknown };
}

// docs_src/body_multiple_params/tutorial002_py310.py: update_item(item_id: int, item: Item, user: User)
function tutorial002(item: TSchema = Item, user: TSchema = User): App {
  const app = new App({ logger: false });
  app.put('/items/:item_id', { operationId: OPERATION_ID, params: itemId, body: { item, user } }, ({ params, body }) => ({
    item_id: params.item_id,
    item: body.item,
    user: body.user,
  }));
  return app;
}

// docs_src/body_multiple_params/tutorial004_an_py310.py: item: Item, user: User,
// importance: Annotated[int, Body(gt=0)], q: str | None = None
function tutorial004(item: TSchema = Item): App {
  const app = new App({ logger: false });
  app.put(
    '/items/:item_id',
    {
      operationId: OPERATION_ID,
      params: itemId,
      query: t.Object({ q: t.Optional(t.String()) }),
      body: { item, user: User, importance: t.Integer({ exclusiveMinimum: 0 }) },
    },
    ({ params, query, body }) => ({ item_id: params.item_id, ...body, ...(query.q === undefined ? {} : { q: query.q }) }),
  );
  return app;
}

// docs_src/body_multiple_params/tutorial005_py310.py: item: Item = Body(embed=True)
function tutorial005(item: TSchema = Item): App {
  const app = new App({ logger: false });
  app.put('/items/:item_id', { operationId: OPERATION_ID, params: itemId, body: { item } }, ({ params, body }) => ({ item_id: params.item_id, item: body.item }));
  return app;
}

describe('two model parameters (tutorial002)', () => {
  const app002 = tutorial002();
  // test_tutorial002.py test_post_all: 200 {"item_id": 5, "item": {...}, "user": {"username": "johndoe", "full_name": "John Doe"}}
  test('both parts sent: 200, each part as sent', async () => {
    const item = { name: 'Foo', price: 50.5, description: 'Some Foo', tax: 0.1 };
    const user = { username: 'johndoe', full_name: 'John Doe' };
    assert.deepEqual(await put(app002, '/items/5', { item, user }), { status: 200, json: { item_id: 5, item, user } });
  });

  // test_post_required: 200, defaults filled in: "description": None, "tax": None, "full_name": None
  test('only the required fields: 200 with the defaults', async () => {
    assert.deepEqual(await put(app002, '/items/5', { item: { name: 'Foo', price: 50.5 }, user: { username: 'johndoe' } }), {
      status: 200,
      json: { item_id: 5, item: { name: 'Foo', price: 50.5, description: null, tax: null }, user: { username: 'johndoe', full_name: null } },
    });
  });

  // test_post_no_body: 422 [{missing, ["body","item"], input None}, {missing, ["body","user"], input None}]
  test('no body: each part missing, input null', async () => {
    assert.deepEqual(await put(app002, '/items/5'), { status: 422, json: { detail: [MISSING('item'), MISSING('user')] } });
  });

  // test_post_no_item: 422 [{missing, ["body","item"], input None}]
  test('no item: only it is missing', async () => {
    assert.deepEqual(await put(app002, '/items/5', { user: { username: 'johndoe' } }), { status: 422, json: { detail: [MISSING('item')] } });
  });

  // test_post_no_user: 422 [{missing, ["body","user"], input None}]
  test('no user: only it is missing', async () => {
    assert.deepEqual(await put(app002, '/items/5', { item: { name: 'Foo', price: 50.5 } }), { status: 422, json: { detail: [MISSING('user')] } });
  });

  // test_post_missing_required_field_in_item: 422 [{"input": {"name": "Foo"}, "loc": ["body","item","price"], "msg": "Field required", "type": "missing"}]
  test('a field missing inside a part: its loc under the part, the part quoted as sent', async () => {
    const res = await put(tutorial002(ItemAsSent, UserAsSent), '/items/5', { item: { name: 'Foo' }, user: { username: 'johndoe' } });
    assert.deepEqual(res, { status: 422, json: { detail: [{ type: 'missing', loc: ['body', 'item', 'price'], msg: 'Field required', input: { name: 'Foo' } }] } });
  });

  // test_post_missing_required_field_in_user: 422 [{"input": {"full_name": "John Doe"}, "loc": ["body","user","username"], ...}]
  test('a field missing inside the other part', async () => {
    const res = await put(tutorial002(ItemAsSent, UserAsSent), '/items/5', { item: { name: 'Foo', price: 50.5 }, user: { full_name: 'John Doe' } });
    assert.deepEqual(res, {
      status: 422,
      json: { detail: [{ type: 'missing', loc: ['body', 'user', 'username'], msg: 'Field required', input: { full_name: 'John Doe' } }] },
    });
  });

  // test_post_id_foo: 422 [{"type": "int_parsing", "loc": ["path","item_id"], "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "foo"}]
  test('a bad path parameter beside a valid body', async () => {
    const res = await put(app002, '/items/foo', { item: { name: 'Foo', price: 50.5 }, user: { username: 'johndoe' } });
    assert.deepEqual(res, {
      status: 422,
      json: { detail: [{ type: 'int_parsing', loc: ['path', 'item_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'foo' }] },
    });
  });

  // test_openapi_schema: requestBody {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Body_update_item_items__item_id__put"}}}, "required": True};
  // the component {"title": "Body_update_item_items__item_id__put", "type": "object", "required": ["item", "user"],
  //   "properties": {"item": {"$ref": "#/components/schemas/Item"}, "user": {"$ref": "#/components/schemas/User"}}}
  test('OpenAPI: one Body_<operationId> component, its parts by reference', () => {
    const document = app002.openapi();
    assert.deepEqual(document.paths['/items/{item_id}']!.put!.requestBody, {
      required: true,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/Body_${OPERATION_ID}` } } },
    });
    assert.deepEqual(document.components!.schemas![`Body_${OPERATION_ID}`], {
      title: `Body_${OPERATION_ID}`,
      type: 'object',
      properties: { item: { $ref: '#/components/schemas/Item' }, user: { $ref: '#/components/schemas/User' } },
      required: ['item', 'user'],
    });
  });
});

describe('a singular value in the body too (tutorial003, tutorial004)', () => {
  const app004 = tutorial004();
  const valid = { importance: 2, item: { name: 'Foo', price: 50.5 }, user: { username: 'Dave' } };
  const answer = { item_id: 5, importance: 2, item: { name: 'Foo', price: 50.5, description: null, tax: null }, user: { username: 'Dave', full_name: null } };

  // test_tutorial004.py test_put_all: 200 {..., "q": "somequery"}; test_put_only_required: the same without q
  test('all parts, with and without the query: 200', async () => {
    assert.deepEqual(await put(app004, '/items/5?q=somequery', valid), { status: 200, json: { ...answer, q: 'somequery' } });
    assert.deepEqual(await put(app004, '/items/5', valid), { status: 200, json: answer });
  });

  // test_put_missing_body: 422, missing at ["body","item"], ["body","user"], ["body","importance"], each input None
  test('no body: the three parts missing, in their order', async () => {
    assert.deepEqual(await put(app004, '/items/5'), { status: 422, json: { detail: [MISSING('item'), MISSING('user'), MISSING('importance')] } });
  });

  // test_put_empty_body (json={}): the same three
  test('an empty object: the same three', async () => {
    assert.deepEqual(await put(app004, '/items/5', {}), { status: 422, json: { detail: [MISSING('item'), MISSING('user'), MISSING('importance')] } });
  });

  // test_tutorial003_an_py310.py test_post_body_empty_list (json=[]): the same three. A body that
  // is not an object has no keys: request_body_to_args reports each field missing ("If the
  // received body is a list, not a dict"), and so for a string or a number (no `.get` either).
  test('a list, a string, a number, true: every part missing', async () => {
    for (const body of [[], 'item', 5, true]) {
      assert.deepEqual(await put(app004, '/items/5', body), { status: 422, json: { detail: [MISSING('item'), MISSING('user'), MISSING('importance')] } }, JSON.stringify(body));
    }
  });

  // test_put_invalid_importance: 422 [{"loc": ["body","importance"], "msg": "Input should be greater than 0", "type": "greater_than", "input": 0, "ctx": {"gt": 0}}]
  test('a part that is a single value: its constraint error at ["body", name]', async () => {
    assert.deepEqual(await put(app004, '/items/5', { ...valid, importance: 0 }), {
      status: 422,
      json: { detail: [{ type: 'greater_than', loc: ['body', 'importance'], msg: 'Input should be greater than 0', input: 0, ctx: { gt: 0 } }] },
    });
  });

  // request_body_to_args validates the fields in declaration order, each field's errors together:
  // item's inner error comes before user's missing entry (ajv would report `required` first).
  test('several errors: in the order the parts are declared', async () => {
    const res = await put(tutorial004(ItemAsSent), '/items/5', { importance: 'high', item: { name: 'Foo' } });
    assert.deepEqual(res.json, {
      detail: [
        { type: 'missing', loc: ['body', 'item', 'price'], msg: 'Field required', input: { name: 'Foo' } },
        MISSING('user'),
        { type: 'int_parsing', loc: ['body', 'importance'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'high' },
      ],
    });
  });

  // _validate_value_with_model_field: `if value is None: if field.required: return missing` — a
  // part sent as JSON null is a missing part.
  test('a required part sent as null: missing, input null', async () => {
    assert.deepEqual(await put(app004, '/items/5', { ...valid, user: null }), { status: 422, json: { detail: [MISSING('user')] } });
  });

  // test_tutorial004.py test_openapi_schema: the component's properties
  //   "importance": {"title": "Importance", "type": "integer", "exclusiveMinimum": 0.0}, "required": ["item", "user", "importance"]
  // (loopwise writes no generated titles, here or anywhere: a documented difference.)
  test('OpenAPI: a single-value part is documented inline', () => {
    const schemas = app004.openapi().components!.schemas!;
    assert.deepEqual(schemas[`Body_${OPERATION_ID}`], {
      title: `Body_${OPERATION_ID}`,
      type: 'object',
      properties: {
        item: { $ref: '#/components/schemas/Item' },
        user: { $ref: '#/components/schemas/User' },
        importance: { type: 'integer', exclusiveMinimum: 0 },
      },
      required: ['item', 'user', 'importance'],
    });
  });
});

describe('Body(embed=True) on a single model (tutorial005): one named part', () => {
  const app005 = tutorial005();
  // test_tutorial005.py test_post_all: 200 {"item_id": 5, "item": {..., "description": "Some Foo", "tax": 0.1}}
  test('the model under its name: 200', async () => {
    const item = { name: 'Foo', price: 50.5, description: 'Some Foo', tax: 0.1 };
    assert.deepEqual(await put(app005, '/items/5', { item }), { status: 200, json: { item_id: 5, item } });
  });

  // test_post_required: 200, "description": None, "tax": None
  test('only the required fields: 200 with the defaults', async () => {
    assert.deepEqual(await put(app005, '/items/5', { item: { name: 'Foo', price: 50.5 } }), {
      status: 200,
      json: { item_id: 5, item: { name: 'Foo', price: 50.5, description: null, tax: null } },
    });
  });

  // test_post_no_body: 422 [{"input": None, "loc": ["body","item"], "msg": "Field required", "type": "missing"}]
  test('no body: the part missing', async () => {
    assert.deepEqual(await put(app005, '/items/5'), { status: 422, json: { detail: [MISSING('item')] } });
  });

  // test_post_like_not_embeded: the model's fields at the top ({"name": "Foo", "price": 50.5}) → the same one error
  test('the model not nested under its name: the part missing', async () => {
    assert.deepEqual(await put(app005, '/items/5', { name: 'Foo', price: 50.5 }), { status: 422, json: { detail: [MISSING('item')] } });
  });

  // test_post_missing_required_field_in_item: {"input": {"name": "Foo"}, "loc": ["body","item","price"], ...}; extra keys ("user") ignored
  test('a field missing inside the part; another key is ignored', async () => {
    const res = await put(tutorial005(ItemAsSent), '/items/5', { item: { name: 'Foo' }, user: { username: 'johndoe' } });
    assert.deepEqual(res, { status: 422, json: { detail: [{ type: 'missing', loc: ['body', 'item', 'price'], msg: 'Field required', input: { name: 'Foo' } }] } });
  });

  // test_openapi_schema: "Body_update_item_items__item_id__put": {"properties": {"item": {"$ref": "#/components/schemas/Item"}},
  //   "required": ["item"], "title": "Body_update_item_items__item_id__put", "type": "object"}; requestBody "required": True
  test('OpenAPI: Body_<operationId> with the one part', () => {
    const document = app005.openapi();
    assert.equal(document.paths['/items/{item_id}']!.put!.requestBody!.required, true);
    assert.deepEqual(document.components!.schemas![`Body_${OPERATION_ID}`], {
      title: `Body_${OPERATION_ID}`,
      type: 'object',
      properties: { item: { $ref: '#/components/schemas/Item' } },
      required: ['item'],
    });
  });
});

describe('optional parts and defaults', () => {
  // item: Item | None = None, importance: int = Body(1): _validate_value_with_model_field returns
  // the field's default when the value is None (absent or null), and no error.
  function app(): App {
    const built = new App({ logger: false });
    built.put('/items/:item_id', { params: itemId, body: { item: t.Optional(Item), importance: t.Integer({ default: 1 }) } }, ({ body }) => ({
      has_item: body.item !== undefined,
      importance: body.importance,
    }));
    return built;
  }
  const shared = app();

  test('absent, null, or no body at all: the defaults, 200', async () => {
    for (const body of [undefined, {}, { item: null, importance: null }]) {
      assert.deepEqual(await put(shared, '/items/5', body), { status: 200, json: { has_item: false, importance: 1 } }, JSON.stringify(body));
    }
    assert.deepEqual(await put(shared, '/items/5', { item: { name: 'Foo', price: 1 }, importance: 3 }), { status: 200, json: { has_item: true, importance: 3 } });
  });

  // request_body_to_args: a body that is a list appends a missing error for every field, before
  // looking at whether it is required.
  test('a list body: every part missing, the optional ones too', async () => {
    assert.deepEqual(await put(shared, '/items/5', [1]), { status: 422, json: { detail: [MISSING('item'), MISSING('importance')] } });
  });

  // FastAPI's body: required only when a body field is (get_body_field: any(f.required ...)).
  test('OpenAPI: no part required, so the body is not', () => {
    const document = shared.openapi();
    const operationId = document.paths['/items/{item_id}']!.put!.operationId;
    assert.equal(document.paths['/items/{item_id}']!.put!.requestBody!.required, false);
    assert.deepEqual(document.components!.schemas![`Body_${operationId}`], {
      title: `Body_${operationId}`,
      type: 'object',
      properties: { item: { $ref: '#/components/schemas/Item' }, importance: { type: 'integer', default: 1 } },
    });
  });
});

describe('one schema for the whole body keeps its answers (tutorial001 and Pydantic)', () => {
  // docs_src/body_multiple_params/tutorial001_an_py310.py: item_id: Path(ge=0, le=1000), q: str | None = None, item: Item | None = None
  function tutorial001(): App {
    // Item's fields without its $id: a second schema object named "Item" (t.Optional copies it)
    // is refused by the one ajv instance all routes share, a limit of its own (not this cause's).
    const OptionalItem = t.Optional(t.Object(Item.properties));
    const app = new App({ logger: false });
    app.put(
      '/items/:item_id',
      { params: t.Object({ item_id: t.Integer({ minimum: 0, maximum: 1000 }) }), query: t.Object({ q: t.Optional(t.String()) }), body: OptionalItem },
      ({ params, query, body }) => ({ item_id: params.item_id, ...(query.q === undefined ? {} : { q: query.q }), ...(body === undefined ? {} : { item: body }) }),
    );
    return app;
  }
  const app001 = tutorial001();

  // test_tutorial001: ("/items/5?q=bar", {"name": "Foo", "price": 50.5}) → 200 {"item_id": 5, "item": {..., "description": None, "tax": None}, "q": "bar"};
  // ("/items/5?q=bar", None) → {"item_id": 5, "q": "bar"}; ("/items/5", None) → {"item_id": 5}
  test('the model at the top of the body, optional', async () => {
    assert.deepEqual(await put(app001, '/items/5?q=bar', { name: 'Foo', price: 50.5 }), {
      status: 200,
      json: { item_id: 5, item: { name: 'Foo', price: 50.5, description: null, tax: null }, q: 'bar' },
    });
    assert.deepEqual(await put(app001, '/items/5?q=bar'), { status: 200, json: { item_id: 5, q: 'bar' } });
    assert.deepEqual(await put(app001, '/items/5'), { status: 200, json: { item_id: 5 } });
  });

  // Pydantic's own missing field: the input is the object the field is missing from (a single,
  // not embedded, body is validated whole: request_body_to_args' single_not_embedded_field).
  test('a missing field quotes the containing object; a list is not an object', async () => {
    const app = new App({ logger: false });
    app.post('/items', { body: ItemAsSent }, ({ body }) => body);
    const missing = await app.inject({ method: 'POST', url: '/items', body: { name: 'Foo' } });
    assert.deepEqual(missing.json(), { detail: [{ type: 'missing', loc: ['body', 'price'], msg: 'Field required', input: { name: 'Foo' } }] });
    const list = await app.inject({ method: 'POST', url: '/items', body: [] });
    assert.deepEqual(list.json(), { detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: [] }] });
  });
});
