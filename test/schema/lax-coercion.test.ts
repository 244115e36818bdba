import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { t } from '../../src/index.js';
import { compileLaxCoercion } from '../../src/schema/lax-coercion.js';
import { NOT_CONVERTED, laxBoolean, laxInteger, laxNumber } from '../../src/schema/lax-scalars.js';
import { compileJsonBodyValidator } from '../../src/schema/validator.js';

describe('lax scalars (pydantic-core shared.rs)', () => {
  test('integers: trimmed, one sign, leading zeros, ".0…", single underscores; nothing else', () => {
    for (const [text, value] of [['3', 3], [' 3\n', 3], ['+3', 3], ['-3', -3], ['007', 7], ['3.000', 3], ['1_000', 1000], ['0_0', 0]] as const) assert.equal(laxInteger(text), value, text);
    for (const text of ['', ' ', '3.', '3.5', '.0', '1e3', '0x10', '+-1', '--1', '_1', '1_', '1__0', 'inf', '1 000', '١']) assert.equal(laxInteger(text), NOT_CONVERTED, text);
    assert.equal(laxInteger('9'.repeat(4301)), NOT_CONVERTED);
    assert.equal(laxInteger('9'.repeat(400)), Number.MAX_VALUE);
  });

  test('numbers: Rust\'s float grammar, trimmed; underscores; inf and nan parse', () => {
    for (const [text, value] of [['50.5', 50.5], [' 1e3 ', 1000], ['1.', 1], ['.5', 0.5], ['-1E-2', -0.01], ['1_000.5', 1000.5]] as const) assert.equal(laxNumber(text), value, text);
    assert.equal(laxNumber('inf'), Infinity);
    assert.ok(Number.isNaN(laxNumber('NaN')));
    for (const text of ['', '.', 'e3', '1e', '0x10', '1,5', 'twenty', ' 1_0']) assert.equal(laxNumber(text), NOT_CONVERTED, text);
  });

  test('booleans: the words in any case, "0"/"1", the numbers 0 and 1', () => {
    assert.equal(laxBoolean('TRUE'), true);
    assert.equal(laxBoolean('Off'), false);
    assert.equal(laxBoolean(1), true);
    for (const value of ['maybe', ' true', 2, 0.5, null, 'truex']) assert.equal(laxBoolean(value), NOT_CONVERTED, String(value));
  });
});

describe('lax coercion walk', () => {
  test('a union converts toward the branch a value fits first; a value that fits one as is stays', () => {
    const coerce = compileLaxCoercion(t.Object({ a: t.Union([t.String(), t.Integer()]), b: t.Union([t.Integer(), t.Boolean()]), c: t.Union([t.Boolean(), t.Integer()]) }));
    assert.deepEqual(coerce({ a: '3', b: 'true', c: '1' }), { a: '3', b: true, c: true });
  });

  test('objects in a union follow the branch their literal field and required keys pick', () => {
    const Card = t.Object({ kind: t.Literal('card'), last4: t.Integer() });
    const Cash = t.Object({ kind: t.Literal('cash'), amount: t.Number() });
    const coerce = compileLaxCoercion(t.Object({ pay: t.Union([Card, Cash]) }));
    assert.deepEqual(coerce({ pay: { kind: 'cash', amount: '2.5' } }), { pay: { kind: 'cash', amount: 2.5 } });
    assert.deepEqual(coerce({ pay: { kind: 'card', last4: '1234' } }), { pay: { kind: 'card', last4: 1234 } });
  });

  test('allOf, recursive schemas and $ref are followed', () => {
    const Node = t.Recursive((Self) => t.Object({ n: t.Integer(), children: t.Optional(t.Array(Self)) }));
    const coerce = compileLaxCoercion(t.Intersect([t.Object({ tree: Node }), t.Object({ x: t.Number() })]));
    assert.deepEqual(coerce({ tree: { n: '1', children: [{ n: '2', children: [] }] }, x: '1.5' }), { tree: { n: 1, children: [{ n: 2, children: [] }] }, x: 1.5 });
  });

  test('a schema that refers to itself without descending ends (no stack overflow, value left as is)', () => {
    const loop = { $id: 'L', anyOf: [{ $ref: 'L' }, { $ref: 'L' }], allOf: [{ $ref: 'L' }] };
    const coerce = compileLaxCoercion(loop);
    assert.equal(coerce('3'), '3');
    assert.deepEqual(coerce({ a: ['1'] }), { a: ['1'] });
  });

  test('the work is linear in the body: nested allOf members walk each object once per schema node', () => {
    // 12 levels of allOf [X, X] would be 2^12 walks of the same value without the per-node memo.
    let schema: unknown = t.Object({ v: t.Integer() });
    for (let i = 0; i < 12; i++) schema = { allOf: [schema, schema], type: 'object', properties: { next: schema } };
    const coerce = compileLaxCoercion(schema);
    let body: Record<string, unknown> = { v: '1' };
    for (let i = 0; i < 12; i++) body = { next: body, v: '1' };
    const started = process.cpuUsage();
    coerce(body);
    const { user } = process.cpuUsage(started);
    assert.ok(user < 2_000_000, `${user} µs`); // 2 s of CPU: generous on a busy host; the exponential walk would take far longer
    assert.equal((body as { v: unknown }).v, 1);
  });

  test('1000 levels of nesting (the JSON depth limit) coerce without overflowing the stack', () => {
    const Node = t.Recursive((Self) => t.Object({ n: t.Integer(), c: t.Optional(Self) }));
    let body: Record<string, unknown> = { n: '0' };
    for (let i = 0; i < 999; i++) body = { n: String(i), c: body };
    compileLaxCoercion(Node)(body);
    assert.equal(body.n, 998);
  });

  test('never throws, and what it accepts an exact validator accepts', () => {
    const Schema = t.Object({
      i: t.Optional(t.Integer()),
      f: t.Optional(t.Union([t.Number(), t.Null()])),
      b: t.Optional(t.Array(t.Boolean())),
      o: t.Optional(t.Record(t.String(), t.Union([t.Object({ k: t.Literal('a'), n: t.Integer() }), t.Object({ k: t.Literal('b'), s: t.String() })]))),
    });
    const validate = compileJsonBodyValidator(Schema, { route: 'test', reread: (text: string) => JSON.parse(text) });
    const exact = compileJsonBodyValidator(Schema, { route: 'test', strict: true, reread: (text: string) => JSON.parse(text) });
    const scalar = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('1', '1.5', 'true', 'no', ' 2 ', 'inf', '1_0', 0, 1, 2, 0.5, 'a', 'b'));
    const body = fc.record({ i: scalar, f: scalar, b: fc.oneof(fc.array(scalar), scalar), o: fc.oneof(fc.dictionary(fc.string(), fc.record({ k: scalar, n: scalar, s: scalar }, { requiredKeys: [] })), scalar) }, { requiredKeys: [] });
    fc.assert(
      fc.property(body, (value) => {
        const text = JSON.stringify(value);
        const outcome = validate(JSON.parse(text), text);
        if (outcome === null) return; // valid as sent
        if (outcome.issues.length === 0) assert.equal(exact(JSON.parse(JSON.stringify(outcome.value)), '{}'), null, `${text} → ${JSON.stringify(outcome.value)}`);
        else for (const issue of outcome.issues) assert.equal(issue.loc[0], 'body');
      }),
      { numRuns: 2000, seed: 21 },
    );
  });
});

describe('compileJsonBodyValidator', () => {
  test('a valid body is validated once, not read again, and handed over as it is', () => {
    let reads = 0;
    const validate = compileJsonBodyValidator(t.Object({ n: t.Number() }), { route: 'test', reread: () => reads++ });
    assert.equal(validate({ n: 1 }, null), null);
    const converted = validate({ n: '2' }, null);
    assert.deepEqual(converted, { value: { n: 2 }, issues: [] });
    assert.equal(reads, 0);
    assert.equal(validate({ n: 'x' }, null)!.issues.length, 1);
    assert.equal(reads, 1);
  });
});
