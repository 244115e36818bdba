// Cause 8 of issue 21: errors inside optional (nullable) objects and arrays, and real unions.
// The apps mirror FastAPI's docs_src/body_nested_models/tutorial004.py (image: Image | None = None)
// and tutorial006.py (images: list[Image] | None = None), ported the loopwise way:
// `T | None = None` is `t.Union([T, t.Null()], { default: null })`.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

const Image = t.Object({ url: t.String(), name: t.String() });

function nestedModelsApp(): App {
  const app = new App({ logger: false });
  const Item = t.Object({
    name: t.String(),
    description: t.Union([t.String(), t.Null()], { default: null }),
    price: t.Number(),
    tax: t.Union([t.Number(), t.Null()], { default: null }),
    tags: t.Array(t.String(), { default: [] }),
    image: t.Union([Image, t.Null()], { default: null }),
    images: t.Union([t.Array(Image), t.Null()], { default: null }),
  });
  app.put('/items/:item_id', { params: t.Object({ item_id: t.Integer() }), body: Item }, ({ params, body }) => ({ item_id: params.item_id, item: body }));
  app.post('/union', { body: t.Object({ x: t.Union([t.Integer(), t.String()]), y: t.Optional(t.Union([t.Integer(), t.String(), t.Null()])) }) }, ({ body }) => body);
  return app;
}

async function put(body: unknown): Promise<{ status: number; json: any }> {
  const res = await nestedModelsApp().inject({ method: 'PUT', url: '/items/1', body });
  return { status: res.statusCode, json: res.json() };
}

describe('08: errors inside a nullable object or array', () => {
  // Pydantic v2 (pydantic-core src/validators/nullable.rs): `Image | None` is a nullable
  // validator around Image; a non-null input gets Image's own errors, at Image's place, and the
  // None branch adds none. Issue 21, cause 8: FastAPI answers `missing` at ["body","image","name"].
  test('a nullable object missing a field: missing at ["body","image","name"], no union_error beside it', async () => {
    const { status, json } = await put({ name: 'Foo', price: 1, image: { url: 'http://example.com/baz.jpg' } });
    assert.equal(status, 422);
    assert.deepEqual(json, {
      detail: [{ type: 'missing', loc: ['body', 'image', 'name'], msg: 'Field required', input: { url: 'http://example.com/baz.jpg' } }],
    });
  });

  // Same source: `list[Image] | None` given an object is list's own `list_type` at ["body","images"].
  test('a nullable list sent as an object: list_type at ["body","images"]', async () => {
    const image = { url: 'http://example.com/baz.jpg', name: 'The Foo live' };
    const { status, json } = await put({ name: 'Foo', price: 1, images: image });
    assert.equal(status, 422);
    assert.deepEqual(json, { detail: [{ type: 'list_type', loc: ['body', 'images'], msg: 'Input should be a valid list', input: image }] });
  });

  // An item of the nullable list: the error is at the item's place, as Pydantic gives it.
  test('an item of a nullable list missing a field: missing at ["body","images",1,"name"]', async () => {
    const { status, json } = await put({ name: 'Foo', price: 1, images: [{ url: 'a', name: 'b' }, { url: 'c' }] });
    assert.equal(status, 422);
    assert.deepEqual(json, { detail: [{ type: 'missing', loc: ['body', 'images', 1, 'name'], msg: 'Field required', input: { url: 'c' } }] });
  });

  // tests/test_tutorial/test_body_nested_models/test_tutorial004.py (test_put_all): null and
  // valid values pass.
  test('null and a valid image pass', async () => {
    assert.equal((await put({ name: 'Foo', price: 1, image: null, images: null })).status, 200);
    const ok = await put({ name: 'Foo', price: 1, image: { url: 'u', name: 'n' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json.item.image, { url: 'u', name: 'n' });
  });

  // A nullable scalar: `float | None` given a word is float's own error (Pydantic's nullable).
  test('a nullable number given a word: float_type at ["body","tax"]', async () => {
    const { json } = await put({ name: 'Foo', price: 1, tax: [] });
    assert.deepEqual(json, { detail: [{ type: 'float_type', loc: ['body', 'tax'], msg: 'Input should be a valid number', input: [] }] });
  });
});

describe('08: a real union keeps pydantic smart-union shape', () => {
  // Pydantic v2 smart union (pydantic-core src/validators/union.rs): when no member matches, every
  // member's errors are listed, each loc tagged with the member's name: `int | str` given a list
  // is int_type at ["body","x","int"] and string_type at ["body","x","str"].
  test('int | str given a list: one entry per branch, loc tagged "int" and "str"', async () => {
    const res = await nestedModelsApp().inject({ method: 'POST', url: '/union', body: { x: [1] } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_type', loc: ['body', 'x', 'int'], msg: 'Input should be a valid integer', input: [1] },
        { type: 'string_type', loc: ['body', 'x', 'str'], msg: 'Input should be a valid string', input: [1] },
      ],
    });
  });

  // `int | str | None` is nullable(int | str) in Pydantic: the None member is not listed.
  test('int | str | None given an object: the null branch is not listed', async () => {
    const res = await nestedModelsApp().inject({ method: 'POST', url: '/union', body: { x: 1, y: {} } });
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'int_type', loc: ['body', 'y', 'int'], msg: 'Input should be a valid integer', input: {} },
        { type: 'string_type', loc: ['body', 'y', 'str'], msg: 'Input should be a valid string', input: {} },
      ],
    });
  });

  test('each branch is named as pydantic names it: list[int], a titled object, literal', async () => {
    const app = new App({ logger: false });
    const Pet = t.Object({ name: t.String() }, { title: 'Pet' });
    app.post('/u', { body: t.Object({ v: t.Union([t.Array(t.Integer()), Pet, t.Literal('none')]) }) }, ({ body }) => body);
    const res = await app.inject({ method: 'POST', url: '/u', body: { v: 5 } });
    assert.deepEqual(
      res.json().detail.map((d: { loc: unknown[] }) => d.loc),
      [
        ['body', 'v', 'list[int]'],
        ['body', 'v', 'Pet'],
        ['body', 'v', "literal['none']"],
      ],
    );
  });
});
