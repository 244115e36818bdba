// src/schema/body-parts.ts: telling named parts from one schema, the startup checks, the one
// object schema the parts make, and FastAPI's answers around its validation. The answers through
// a whole app are in test/conformance/04-body-parameters.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';
import { LoopwiseError } from '../../src/errors.js';
import { checkBodyParts, compilePartsCheck, isBodyParts, isOmittablePart, partsSchema } from '../../src/schema/body-parts.js';
import { compileValidator } from '../../src/schema/validator.js';
import type { BodyMediaType } from '../../src/index.js';

const Item = t.Object({ name: t.String(), price: t.Number() }, { $id: 'PartsItem' });

describe('isBodyParts', () => {
  test('a TypeBox schema is one body, a plain object of schemas is named parts', () => {
    assert.equal(isBodyParts(Item), false);
    assert.equal(isBodyParts(t.Optional(Item)), false);
    assert.equal(isBodyParts(t.Object({})), false);
    assert.equal(isBodyParts({ item: Item }), true);
    // A part called "type" or "properties" does not make the parts look like a schema.
    assert.equal(isBodyParts({ type: t.String(), properties: t.Object({}) }), true);
  });

  test('a part may be left out when optional or when it has a default', () => {
    assert.equal(isOmittablePart(Item), false);
    assert.equal(isOmittablePart(t.Optional(Item)), true);
    assert.equal(isOmittablePart(t.Integer({ default: 1 })), true);
  });
});

describe('checkBodyParts', () => {
  test('no parts, or a part that is not a schema, is refused with what to write instead', () => {
    assert.throws(() => checkBodyParts({}, 'POST /x'), (error: LoopwiseError) => error.code === 'LW_ERR_INVALID_ROUTE' && /names no parts/.test(error.message));
    const raw = { item: { type: 'object' } } as never;
    assert.throws(
      () => checkBodyParts(raw, 'POST /x'),
      (error: LoopwiseError) => error.code === 'LW_ERR_INVALID_ROUTE' && /part "item" is not a schema; build each part with t/.test(error.message),
    );
  });

  test('at startup: a plain JSON Schema object as the body is refused, not read as parts', async () => {
    const app = new App({ logger: false });
    app.post('/x', { body: { type: 'object', properties: {} } as never }, () => null);
    await assert.rejects(async () => app.ready(), /the body of POST \/x is an object of named parts, but its part "type" is not a schema/);
  });

  test('at startup: named parts with a text or multipart body are refused; JSON and urlencoded forms take them', async () => {
    for (const type of ['text/plain', 'multipart/form-data'] as BodyMediaType[]) {
      const app = new App({ logger: false });
      app.post('/x', { consumes: [type], body: { note: t.String() } }, () => null);
      await assert.rejects(async () => app.ready(), new RegExp(`the body of POST /x is named parts, which a ${type} body cannot carry`));
    }
    const form = new App({ logger: false });
    form.post('/x', { consumes: ['application/x-www-form-urlencoded'], body: { n: t.Integer(), note: t.Optional(t.String()) } }, ({ body }) => body);
    const res = await form.inject({ method: 'POST', url: '/x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'n=3' });
    assert.deepEqual([res.statusCode, res.json()], [200, { n: 3 }]);
    const missing = await form.inject({ method: 'POST', url: '/x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'note=a' });
    assert.deepEqual(missing.json(), { detail: [{ type: 'missing', loc: ['body', 'n'], msg: 'Field required', input: null }] });
  });
});

describe('partsSchema', () => {
  test('one object schema: a required property per required part', () => {
    const schema = partsSchema({ item: Item, note: t.Optional(t.String()), n: t.Integer({ default: 1 }) });
    assert.equal(schema.type, 'object');
    assert.deepEqual(Object.keys(schema.properties), ['item', 'note', 'n']);
    assert.deepEqual(schema.required, ['item', 'n']); // n is filled in by its default before `required` is checked
  });

  test('one named schema in two parts keeps its $id once, so ajv compiles it', async () => {
    const schema = partsSchema({ old: Item, new: Item });
    assert.equal(schema.properties.old!.$id, 'PartsItem');
    assert.equal(schema.properties.new!.$id, undefined);
    const validate = compileValidator(schema, 'body', { coerce: false, route: 'PUT /swap' });
    assert.equal(validate({ old: { name: 'a', price: 1 }, new: { name: 'b', price: 2 } }), null);
    assert.deepEqual(validate({ old: { name: 'a', price: 1 }, new: { name: 'b' } }), [
      { type: 'missing', loc: ['body', 'new', 'price'], msg: 'Field required', input: { name: 'b' } },
    ]);
  });
});

describe('compilePartsCheck', () => {
  const parts = { item: Item, note: t.Optional(t.String()), count: t.Integer({ minimum: 1 }) };
  const validate = compileValidator(partsSchema(parts), 'body', { coerce: false, route: 'POST /parts' });
  const check = compilePartsCheck(parts);
  const missing = (name: string) => ({ type: 'missing', loc: ['body', name], msg: 'Field required', input: null });

  test('a valid body is the value, unchanged, with no issues', () => {
    const body = { item: { name: 'a', price: 1 }, count: 2, extra: true };
    const checked = check(body, validate);
    assert.equal(checked.value, body);
    assert.deepEqual(checked.issues, []);
  });

  test('no body or null: an empty object, each required part missing', () => {
    for (const body of [undefined, null]) {
      const checked = check(body, validate);
      assert.deepEqual(checked.value, {});
      assert.deepEqual(checked.issues, [missing('item'), missing('count')]);
    }
  });

  test('not an object: every part missing, the optional one too, and nothing validated', () => {
    for (const body of [[], [{ item: 1 }], 'text', 0, false]) {
      assert.deepEqual(check(body, validate).issues, [missing('item'), missing('note'), missing('count')]);
    }
  });

  test('a part sent as null counts as not sent', () => {
    const checked = check({ item: { name: 'a', price: 1 }, note: null, count: 1 }, validate);
    assert.deepEqual(checked, { value: { item: { name: 'a', price: 1 }, count: 1 }, issues: [] });
    assert.deepEqual(check({ item: null, count: 1 }, validate).issues, [missing('item')]);
  });

  test('issues in the parts’ order, a missing part quoting null, an inner one its object', () => {
    const issues = check({ count: 0, item: { name: 'a' } }, validate).issues;
    assert.deepEqual(issues, [
      { type: 'missing', loc: ['body', 'item', 'price'], msg: 'Field required', input: { name: 'a' } },
      { type: 'greater_than_equal', loc: ['body', 'count'], msg: 'Input should be greater than or equal to 1', input: 0, ctx: { ge: 1 } },
    ]);
    assert.deepEqual(check({ count: 'x' }, validate).issues, [
      missing('item'),
      { type: 'int_parsing', loc: ['body', 'count'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'x' },
    ]);
  });

  test('too many issues: the limit entry stays last', () => {
    const many = { list: t.Array(t.Integer()), item: Item };
    const limited = compileValidator(partsSchema(many), 'body', { coerce: false, route: 'POST /many', limits: { maxIssues: 3, maxInputLength: 256, maxSteps: 20_000 } });
    const issues = compilePartsCheck(many)({ list: ['a', 'b', 'c', 'd', 'e'] }, limited).issues;
    assert.equal(issues.length, 4);
    assert.equal(issues[3]!.type, 'too_many_errors');
    assert.deepEqual(issues[3]!.loc, ['body']);
  });
});

describe('what a client sends cannot cost more than its declared parts', () => {
  test('a body of many keys: only the parts are looked at, the 422 lists the parts alone', async () => {
    const app = new App({ logger: false });
    app.post('/x', { body: { item: Item, n: t.Integer() } }, () => null);
    const body: Record<string, unknown> = { item: null };
    for (let i = 0; i < 20_000; i++) body[`k${i}`] = null;
    const res = await app.inject({ method: 'POST', url: '/x', body });
    assert.deepEqual(res.json(), {
      detail: [
        { type: 'missing', loc: ['body', 'item'], msg: 'Field required', input: null },
        { type: 'missing', loc: ['body', 'n'], msg: 'Field required', input: null },
      ],
    });
  });

  test('a __proto__ part in the JSON is refused before validation (400), as for any body', async () => {
    const app = new App({ logger: false });
    app.post('/x', { body: { item: Item } }, () => null);
    const res = await app.inject({ method: 'POST', url: '/x', headers: { 'content-type': 'application/json' }, body: '{"__proto__": {"name": "a", "price": 1}}' });
    assert.equal(res.statusCode, 400);
  });
});
