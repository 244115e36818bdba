import { test } from 'node:test';
import assert from 'node:assert/strict';
import { t } from '../../src/index.js';
import { compileNullDefaults, compileStringCoercion } from '../../src/schema/string-coercion.js';

test('compileNullDefaults: null for a schema without a null default, so those validators do nothing more', () => {
  assert.equal(compileNullDefaults(t.Object({ q: t.String({ default: '' }), n: t.Optional(t.Integer()) })), null);
  assert.equal(compileNullDefaults(t.String()), null);
});

test('compileNullDefaults: puts back null for fields the client left out, and only those', () => {
  const restore = compileNullDefaults(t.Object({
    q: t.Union([t.String(), t.Null()], { default: null }),
    n: t.Optional(t.Union([t.Integer(), t.Null()], { default: null })),
    s: t.String({ default: 'x' }),
  }))!;
  // What ajv left after filling the defaults in and coercing them: "" and 0 for the nulls.
  const data: Record<string, unknown> = { q: '', n: 0, s: 'x' };
  restore(data, {});
  assert.deepEqual(data, { q: null, n: null, s: 'x' });
  const sent: Record<string, unknown> = { q: '', n: 3 };
  restore(sent, { q: '', n: '3' });
  assert.deepEqual(sent, { q: '', n: 3 }, 'sent values stay what they were validated to');
});

test('compileStringCoercion: a nullable scalar reads its text as its non-null type (pydantic words for booleans, strict numbers)', () => {
  const prepare = compileStringCoercion(t.Object({
    flag: t.Union([t.Boolean(), t.Null()]),
    n: t.Union([t.Null(), t.Integer()]),
    either: t.Union([t.Integer(), t.String()]),
  }))!;
  const data: Record<string, unknown> = { flag: 'on', n: '0x10', either: '0x10' };
  prepare(data);
  assert.equal(data.flag, 'true');
  assert.notEqual(data.n, '0x10', 'ajv would read "0x10" as 16: it is marked unparseable, as pydantic does not parse it');
  assert.equal(data.either, '0x10', 'a union of two non-null types is left to ajv');
});
