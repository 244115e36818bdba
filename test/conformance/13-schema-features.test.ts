// Cause 13 of issue 21 (the schema parts): a deduplicating set, a custom validator on a field,
// an enum documented as `enum`.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

describe('13d: a deduplicating set (docs_src/body_nested_models/tutorial003.py: tags: set[str] = set())', () => {
  function setApp(): App {
    const app = new App({ logger: false });
    const Item = t.Object(
      {
        name: t.String(),
        description: t.Union([t.String(), t.Null()], { default: null }),
        price: t.Number(),
        tax: t.Union([t.Number(), t.Null()], { default: null }),
        tags: t.Set(t.String(), { default: [] }),
      },
      { $id: 'Item' },
    );
    app.put('/items/:item_id', { params: t.Object({ item_id: t.Integer() }), body: Item }, ({ params, body }) => ({ item_id: params.item_id, item: body }));
    return app;
  }

  // tests/test_tutorial/test_body_nested_models/test_tutorial001_tutorial002_tutorial003.py
  // test_put_all (tutorial003): tags ["foo", "bar", "foo"] come back as ["foo", "bar"] (any order).
  test('tags sent twice come back once', async () => {
    const res = await setApp().inject({
      method: 'PUT',
      url: '/items/123',
      body: { name: 'Foo', description: 'A very nice Item', price: 35.4, tax: 3.2, tags: ['foo', 'bar', 'foo'] },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { item_id: 123, item: { name: 'Foo', description: 'A very nice Item', price: 35.4, tax: 3.2, tags: ['foo', 'bar'] } });
  });

  // Same file, test_openapi_schema: SET_OF_STR_SCHEMA = {"type": "array", "items": {"type":
  // "string"}, "uniqueItems": True}, with "default": [] (FastAPI adds "title": "Tags").
  test('documented with uniqueItems: true', () => {
    const doc = setApp().openapi() as any;
    assert.deepEqual(doc.components.schemas.Item.properties.tags, { type: 'array', items: { type: 'string' }, uniqueItems: true, default: [] });
  });

  test('a set of objects drops equal objects whatever their key order, in one pass', async () => {
    const app = new App({ logger: false });
    app.post('/points', { body: t.Set(t.Object({ x: t.Integer(), y: t.Integer() })) }, ({ body }) => body);
    const many = Array.from({ length: 20_000 }, (_, i) => (i % 2 === 0 ? { x: i % 7, y: 1 } : { y: 1, x: i % 7 }));
    const res = await app.inject({ method: 'POST', url: '/points', body: many });
    // The first of equal items stays, in order: x = 0, 1, …, 6 are first seen at items 0 to 6.
    assert.deepEqual(res.json(), [0, 1, 2, 3, 4, 5, 6].map((x) => ({ x, y: 1 })));
  });

  test('a plain array with uniqueItems still refuses repeats', async () => {
    const app = new App({ logger: false });
    app.post('/unique', { body: t.Array(t.String(), { uniqueItems: true }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/unique', body: ['a', 'a'] });
    assert.equal(res.statusCode, 422);
  });
});

describe('13e: a custom validator (docs_src/query_params_str_validations/tutorial015_an_py310.py)', () => {
  function checkValidId(id: string): string {
    if (!id.startsWith('isbn-') && !id.startsWith('imdb-')) throw new Error('Invalid ID format, it must start with "isbn-" or "imdb-"');
    return id;
  }
  const data: Record<string, string> = { 'isbn-9781529046137': "The Hitchhiker's Guide to the Galaxy" };
  function refineApp(): App {
    const app = new App({ logger: false });
    app.get('/items', { query: t.Object({ id: t.Optional(t.Refine(t.String(), checkValidId)) }) }, ({ query }) => {
      const id: string | undefined = query.id;
      return id === undefined ? { id: null, name: null } : { id, name: data[id] ?? null };
    });
    return app;
  }

  // tests/test_tutorial/test_query_params_str_validations/test_tutorial015.py test_get_invalid_item:
  // /items?id=wtf-yes → 422 [{"type": "value_error", "loc": ["query", "id"], "msg": 'Value error,
  // Invalid ID format, it must start with "isbn-" or "imdb-"', "input": "wtf-yes", "ctx": {"error": {}}}]
  test('a value the function refuses: value_error "Value error, <message>", ctx {"error": {}}', async () => {
    const res = await refineApp().inject({ url: '/items?id=wtf-yes' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'value_error', loc: ['query', 'id'], msg: 'Value error, Invalid ID format, it must start with "isbn-" or "imdb-"', input: 'wtf-yes', ctx: { error: {} } },
      ],
    });
  });

  // Same file, test_get_item / test_get_item_does_not_exist: valid ids reach the handler.
  test('a valid id reaches the handler; none at all skips the function', async () => {
    const app = refineApp();
    assert.deepEqual((await app.inject({ url: '/items?id=isbn-9781529046137' })).json(), { id: 'isbn-9781529046137', name: "The Hitchhiker's Guide to the Galaxy" });
    assert.deepEqual((await app.inject({ url: '/items?id=isbn-nope' })).json(), { id: 'isbn-nope', name: null });
    assert.deepEqual((await app.inject({ url: '/items' })).json(), { id: null, name: null });
  });

  test('the returned value replaces the input, typed as the function returns it', async () => {
    const app = new App({ logger: false });
    const Csv = t.Refine(t.String(), (text) => text.split(','));
    app.post('/csv', { body: t.Object({ names: Csv, n: t.Refine(t.Integer(), (n) => { if (n % 2) throw new Error('must be even'); }) }) }, ({ body }) => {
      const names: string[] = body.names;
      const n: number = body.n;
      return { names, n };
    });
    assert.deepEqual((await app.inject({ method: 'POST', url: '/csv', body: { names: 'a,b', n: 2 } })).json(), { names: ['a', 'b'], n: 2 });
    const bad = await app.inject({ method: 'POST', url: '/csv', body: { names: 'a', n: 3 } });
    assert.deepEqual(bad.json().detail, [{ type: 'value_error', loc: ['body', 'n'], msg: 'Value error, must be even', input: 3, ctx: { error: {} } }]);
  });

  test('runs once per value, and reports beside the other parts\' errors', async () => {
    let calls = 0;
    const app = new App({ logger: false });
    const Tag = t.Refine(t.String(), (tag) => {
      calls++;
      if (tag === 'bad') throw new Error('no bad tags');
      return tag.toUpperCase();
    });
    app.post('/tags', { body: t.Object({ tags: t.Array(Tag), count: t.Integer() }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/tags', body: { tags: ['a', 'bad', 'c'], count: 'x' } });
    assert.equal(calls, 3);
    assert.deepEqual(
      res.json().detail.map((d: { type: string; loc: unknown[] }) => [d.type, d.loc]),
      [
        ['int_parsing', ['body', 'count']],
        ['value_error', ['body', 'tags', 1]],
      ],
    );
    calls = 0;
    assert.deepEqual((await app.inject({ method: 'POST', url: '/tags', body: { tags: ['a', 'b'], count: 1 } })).json(), { tags: ['A', 'B'], count: 1 });
    assert.equal(calls, 2);
  });

  test('odd throws never crash the process: null, a TypeError (its text kept from the client), a Promise, a throwing getter', async () => {
    const app = new App({ logger: false });
    const hostile = {
      get message(): string {
        throw new Error('getter');
      },
    };
    app.post('/odd', {
      body: t.Object({
        a: t.Refine(t.String(), () => {
          throw null;
        }),
        b: t.Refine(t.String(), (s) => (s as unknown as { x: { y: string } }).x.y),
        c: t.Refine(t.String(), async () => {
          throw new Error('late');
        }),
        d: t.Refine(t.String(), () => {
          throw Object.setPrototypeOf(hostile, Error.prototype);
        }),
      }),
    }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/odd', body: { a: 'x', b: 'y', c: 'z', d: 'w' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(
      res.json().detail.map((d: { msg: string }) => d.msg),
      [
        'Value error, the value was refused',
        'Value error, the check failed (TypeError)',
        "Value error, the check returned a Promise: t.Refine's function must be synchronous",
        'Value error, the value was refused',
      ],
    );
  });

  test('inside a union of several shapes: refused at startup with the reason', () => {
    const app = new App({ logger: false });
    app.post('/u', { body: t.Union([t.Refine(t.String(), (s) => s), t.Integer()]) }, () => 'never');
    assert.throws(() => app.ready(), { code: 'LW_ERR_SCHEMA_INVALID', message: /union of several shapes/ });
  });
});

describe('13f: an enum documented as enum (docs_src/path_params/tutorial005.py)', () => {
  enum ModelName {
    alexnet = 'alexnet',
    resnet = 'resnet',
    lenet = 'lenet',
  }
  function enumApp(): App {
    const app = new App({ logger: false });
    const Model = t.Enum(ModelName, { $id: 'ModelName', title: 'ModelName' });
    app.get('/models/:model_name', { params: t.Object({ model_name: Model }) }, ({ params }) => ({ model_name: params.model_name }));
    app.get('/sizes', { query: t.Object({ order_by: t.Union([t.Literal('created_at'), t.Literal('updated_at')], { default: 'created_at' }) }) }, ({ query }) => query);
    return app;
  }

  // tests/test_tutorial/test_path_params/test_tutorial005.py test_get_enums_invalid:
  // /models/foo → 422 [{"type": "enum", "loc": ["path", "model_name"], "msg": "Input should be
  // 'alexnet', 'resnet' or 'lenet'", "input": "foo", "ctx": {"expected": "'alexnet', 'resnet' or 'lenet'"}}]
  test('a value outside the enum: type enum, every value listed', async () => {
    const res = await enumApp().inject({ url: '/models/foo' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        {
          type: 'enum',
          loc: ['path', 'model_name'],
          msg: "Input should be 'alexnet', 'resnet' or 'lenet'",
          input: 'foo',
          ctx: { expected: "'alexnet', 'resnet' or 'lenet'" },
        },
      ],
    });
  });

  // Same file, test_openapi_schema: the parameter is {"$ref": "#/components/schemas/ModelName"},
  // and ModelName is {"enum": ["alexnet", "resnet", "lenet"], "title": "ModelName", "type": "string"}.
  test('documented as {"enum": [...], "title": "ModelName", "type": "string"}', () => {
    const doc = enumApp().openapi() as any;
    assert.deepEqual(doc.paths['/models/{model_name}'].get.parameters[0].schema, { $ref: '#/components/schemas/ModelName' });
    assert.deepEqual(doc.components.schemas.ModelName, { enum: ['alexnet', 'resnet', 'lenet'], title: 'ModelName', type: 'string' });
  });

  // tests/test_tutorial/test_query_param_models/test_tutorial001.py: Literal["created_at",
  // "updated_at"] is documented {"enum": [...], "type": "string", "default": "created_at"}, and a
  // wrong value is literal_error "Input should be 'created_at' or 'updated_at'".
  test('a union of literals: documented as enum, refused with literal_error', async () => {
    const app = enumApp();
    const doc = app.openapi() as any;
    assert.deepEqual(doc.paths['/sizes'].get.parameters[0].schema, { enum: ['created_at', 'updated_at'], type: 'string', default: 'created_at' });
    const res = await app.inject({ url: '/sizes?order_by=name' });
    assert.deepEqual(res.json().detail[0], {
      type: 'literal_error',
      loc: ['query', 'order_by'],
      msg: "Input should be 'created_at' or 'updated_at'",
      input: 'name',
      ctx: { expected: "'created_at' or 'updated_at'" },
    });
  });
});
