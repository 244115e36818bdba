// Cause 5 of issue 21: JSON bodies are converted as Pydantic v2's lax mode converts them (its
// conversion table, https://docs.pydantic.dev/latest/concepts/conversion_table/), and `strict: true`
// (a route, Router or App) is Pydantic's strict mode. Messages are pydantic-core's
// (src/errors/types.rs; the parsing rules in src/input/shared.rs and src/input/input_json.rs).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Router, t } from '../../src/index.js';

const Item = t.Object({
  name: t.String(),
  description: t.Optional(t.Union([t.String(), t.Null()], { default: null })),
  price: t.Number(),
  tax: t.Optional(t.Union([t.Number(), t.Null()], { default: null })),
});
// One field per target type, for the conversion table's rows.
const Fields = t.Object({
  i: t.Optional(t.Integer()),
  f: t.Optional(t.Number()),
  b: t.Optional(t.Boolean()),
  s: t.Optional(t.String()),
  maybe: t.Optional(t.Union([t.Integer(), t.Null()])),
  one: t.Optional(t.Literal(1)),
  ids: t.Optional(t.Array(t.Integer())),
  weights: t.Optional(t.Record(t.String(), t.Number())),
});

function post(app: App, url: string, body: unknown) {
  return app.inject({ method: 'POST', url, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

function issue(type: string, loc: (string | number)[], msg: string, input: unknown) {
  return { type, loc, msg, input };
}

const INT_PARSING = 'Input should be a valid integer, unable to parse string as an integer';
const FLOAT_PARSING = 'Input should be a valid number, unable to parse string as a number';
const BOOL_PARSING = 'Input should be a valid boolean, unable to interpret input';

describe('05 lax conversion of JSON bodies (the default)', () => {
  // docs_src/body/tutorial001.py
  const app = new App({ logger: false });
  app.post('/items/', { body: Item }, ({ body }) => body);
  app.post('/fields', { body: Fields }, ({ body }) => body);
  app.post('/number', { body: t.Number() }, ({ body }) => ({ body }));

  // tests/test_tutorial/test_body/test_tutorial001.py::test_post_with_str_float, _description, _description_tax:
  // 200 {"name":"Foo","price":50.5,"description":null,"tax":null} (and with the description / tax 0.3)
  test('"50.5" for a float is 50.5', async () => {
    for (const [sent, expected] of [
      [{ name: 'Foo', price: '50.5' }, { name: 'Foo', price: 50.5, description: null, tax: null }],
      [{ name: 'Foo', price: '50.5', description: 'Some Foo' }, { name: 'Foo', price: 50.5, description: 'Some Foo', tax: null }],
      [{ name: 'Foo', price: '50.5', description: 'Some Foo', tax: 0.3 }, { name: 'Foo', price: 50.5, description: 'Some Foo', tax: 0.3 }],
    ] as const) {
      const res = await post(app, '/items/', sent);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), expected);
    }
  });

  // tests/test_tutorial/test_body/test_tutorial001.py::test_post_with_only_name_price:
  // 422 {"detail":[{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"twenty"}]}
  test('"twenty" for a float is float_parsing', async () => {
    const res = await post(app, '/items/', { name: 'Foo', price: 'twenty' });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [issue('float_parsing', ['body', 'price'], FLOAT_PARSING, 'twenty')] });
  });

  // Conversion table, int rows with JSON input: str (pydantic-core str_as_int: trimmed, a sign, leading
  // zeros, ".0…" and single underscores allowed), bool, float with no fractional part.
  test('integers from strings, booleans and integral floats', async () => {
    for (const [sent, expected] of [['3', 3], [' -3 ', -3], ['+003', 3], ['3.00', 3], ['1_000', 1000], [true, 1], [false, 0], [3.0, 3]] as const) {
      const res = await post(app, '/fields', { i: sent });
      assert.deepEqual([res.statusCode, res.json()], [200, { i: expected }], JSON.stringify(sent));
    }
  });

  // pydantic-core: float_as_int → int_from_float "Input should be a valid integer, got a number with a fractional part";
  // str_as_int → int_parsing; anything else int_type "Input should be a valid integer".
  test('integers refused with Pydantic\'s messages', async () => {
    const res = await post(app, '/fields', { i: 3.5 });
    assert.deepEqual(res.json(), { detail: [issue('int_from_float', ['body', 'i'], 'Input should be a valid integer, got a number with a fractional part', 3.5)] });
    for (const sent of ['3.5', 'abc', '1e3', '', '1__0']) {
      const refused = await post(app, '/fields', { i: sent });
      assert.deepEqual(refused.json(), { detail: [issue('int_parsing', ['body', 'i'], INT_PARSING, sent)] }, sent);
    }
    const list = await post(app, '/fields', { i: [1] });
    assert.deepEqual(list.json(), { detail: [issue('int_type', ['body', 'i'], 'Input should be a valid integer', [1])] });
  });

  // Conversion table, float rows with JSON input: str, bool. A string that parses never says "unable to parse".
  test('numbers from strings and booleans', async () => {
    for (const [sent, expected] of [['50.5', 50.5], [' 1e3 ', 1000], ['.5', 0.5], ['-2', -2], ['1_000.5', 1000.5], [true, 1]] as const) {
      const res = await post(app, '/fields', { f: sent });
      assert.deepEqual([res.statusCode, res.json()], [200, { f: expected }], JSON.stringify(sent));
    }
    const root = await post(app, '/number', '2.5');
    assert.deepEqual(root.json(), { body: 2.5 });
  });

  // "inf" parses in Pydantic (float allows inf by default); loopwise's numbers are finite, so the answer is
  // pydantic's finite_number "Input should be a finite number", never float_parsing.
  test('"inf" and "1e400" parse, and are refused as not finite', async () => {
    for (const sent of ['inf', '-Infinity', 'nan', '1e400']) {
      const res = await post(app, '/fields', { f: sent });
      assert.deepEqual(res.json(), { detail: [issue('finite_number', ['body', 'f'], 'Input should be a finite number', sent)] }, sent);
    }
  });

  // Conversion table, bool rows with JSON input: str ('0','off','f','false','n','no','1','on','t','true','y','yes', any case), int 0/1, float 0.0/1.0.
  test('booleans from Pydantic\'s words and from 0 and 1', async () => {
    for (const [sent, expected] of [['true', true], ['False', false], ['yes', true], ['OFF', false], ['1', true], ['n', false], [1, true], [0, false]] as const) {
      const res = await post(app, '/fields', { b: sent });
      assert.deepEqual([res.statusCode, res.json()], [200, { b: expected }], JSON.stringify(sent));
    }
  });

  // pydantic-core input_json.rs validate_bool: str_as_bool / int_as_bool fail with bool_parsing; a float with a
  // fractional part (or any other type) with bool_type "Input should be a valid boolean".
  test('booleans refused with Pydantic\'s messages', async () => {
    for (const sent of ['maybe', 2]) {
      const res = await post(app, '/fields', { b: sent });
      assert.deepEqual(res.json(), { detail: [issue('bool_parsing', ['body', 'b'], BOOL_PARSING, sent)] }, String(sent));
    }
    const half = await post(app, '/fields', { b: 0.5 });
    assert.deepEqual(half.json(), { detail: [issue('bool_type', ['body', 'b'], 'Input should be a valid boolean', 0.5)] });
  });

  // Pydantic v2 never converts a number to a string: string_type "Input should be a valid string".
  test('numbers are not strings', async () => {
    const res = await post(app, '/fields', { s: 123 });
    assert.deepEqual(res.json(), { detail: [issue('string_type', ['body', 's'], 'Input should be a valid string', 123)] });
  });

  // Literals match exactly (pydantic-core's literal validator): "1" is not Literal[1].
  test('literals are not converted', async () => {
    const res = await post(app, '/fields', { one: '1' });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().detail[0].loc.join('.'), 'body.one');
  });

  // Optional[int], list[int] and dict[str, float] convert their members; docs_src/body_nested_models/tutorial009.py
  // (weights: dict[int, float]; tests/test_tutorial/test_body_nested_models/test_tutorial009.py::test_post_body:
  // {"1": 2, "2": 3} → 200 {"1": 2.0, "2": 3.0}) relies on the same conversion.
  test('nullable fields, list items and record values are converted too', async () => {
    const res = await post(app, '/fields', { maybe: '7', ids: ['1', 2, '3'], weights: { a: '2.5', b: 3 } });
    assert.deepEqual([res.statusCode, res.json()], [200, { maybe: 7, ids: [1, 2, 3], weights: { a: 2.5, b: 3 } }]);
    const refused = await post(app, '/fields', { ids: ['1', 'x'] });
    assert.deepEqual(refused.json(), { detail: [issue('int_parsing', ['body', 'ids', 1], INT_PARSING, 'x')] });
  });
});

describe('05 strict mode', () => {
  // Pydantic's strict mode (https://docs.pydantic.dev/latest/concepts/strict_mode/): MyModel.model_validate({'x': '123'}, strict=True)
  // → "Input should be a valid integer [type=int_type, input_value='123', input_type=str]"; float_type "Input should be a valid number";
  // bool_type "Input should be a valid boolean".
  test('a strict route converts nothing and says only the type', async () => {
    const app = new App({ logger: false });
    app.post('/fields', { body: Fields, strict: true }, ({ body }) => body);
    const res = await post(app, '/fields', { i: '3', f: '50.5', b: 'true' });
    assert.deepEqual(res.json(), {
      detail: [
        issue('int_type', ['body', 'i'], 'Input should be a valid integer', '3'),
        issue('float_type', ['body', 'f'], 'Input should be a valid number', '50.5'),
        issue('bool_type', ['body', 'b'], 'Input should be a valid boolean', 'true'),
      ],
    });
    // StrictInt refuses a float: int_type (https://docs.pydantic.dev/latest/api/standard_library_types/, "Strictness").
    const float = await post(app, '/fields', { i: 3.5 });
    assert.deepEqual(float.json(), { detail: [issue('int_type', ['body', 'i'], 'Input should be a valid integer', 3.5)] });
    const valid = await post(app, '/fields', { i: 3, f: 50.5, b: true });
    assert.deepEqual([valid.statusCode, valid.json()], [200, { i: 3, f: 50.5, b: true }]);
  });

  test('strict on the App and on a Router applies to their routes; a route\'s own strict: false wins', async () => {
    const app = new App({ logger: false, strict: true });
    app.post('/app', { body: Fields }, ({ body }) => body);
    app.post('/lax', { body: Fields, strict: false }, ({ body }) => body);
    const router = new Router({ strict: true });
    router.post('/router', { body: Fields }, ({ body }) => body);
    const laxApp = new App({ logger: false });
    laxApp.include(router);
    laxApp.post('/default', { body: Fields }, ({ body }) => body);
    assert.equal((await post(app, '/app', { f: '1.5' })).json().detail[0].type, 'float_type');
    assert.deepEqual((await post(app, '/lax', { f: '1.5' })).json(), { f: 1.5 });
    assert.equal((await post(laxApp, '/router', { f: '1.5' })).json().detail[0].type, 'float_type');
    assert.deepEqual((await post(laxApp, '/default', { f: '1.5' })).json(), { f: 1.5 });
  });

  // URL, header and cookie values are strings by nature: FastAPI parses `?limit=10` for an int (docs "Query Parameters",
  // "data conversion"). strict only concerns JSON bodies in loopwise (a deliberate difference: Pydantic's strict mode
  // on a FastAPI query model would refuse every "10" as int_type, as its values arrive as str).
  test('query, path and header strings are parsed on a strict route', async () => {
    const app = new App({ logger: false, strict: true });
    app.get('/items/:id', { params: t.Object({ id: t.Integer() }), query: t.Object({ limit: t.Integer() }), headers: t.Object({ 'x-flag': t.Boolean() }) }, ({ params, query, headers }) => ({ ...params, ...query, flag: headers['x-flag'] }));
    const res = await app.inject({ url: '/items/5?limit=10', headers: { 'x-flag': 'yes' } });
    assert.deepEqual([res.statusCode, res.json()], [200, { id: 5, limit: 10, flag: true }]);
  });
});
