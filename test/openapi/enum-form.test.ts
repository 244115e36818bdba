import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantsAsEnum } from '../../src/openapi/enum-form.js';

test('a union of constants of one type becomes enum with the type; other keys stay', () => {
  assert.deepEqual(constantsAsEnum({ anyOf: [{ const: 'a', type: 'string' }, { const: 'b', type: 'string' }], title: 'T' }), { title: 'T', enum: ['a', 'b'], type: 'string' });
});

test('mixed types: enum without a type (Pydantic writes none)', () => {
  assert.deepEqual(constantsAsEnum({ anyOf: [{ const: 1, type: 'number' }, { const: 'a', type: 'string' }] }), { enum: [1, 'a'] });
});

test('anything else is left as it is: a non-constant branch, a described constant, no anyOf', () => {
  const mixed = { anyOf: [{ const: 'a', type: 'string' }, { type: 'null' }] };
  assert.equal(constantsAsEnum(mixed), mixed);
  const described = { anyOf: [{ const: 'a', type: 'string', description: 'A' }] };
  assert.equal(constantsAsEnum(described), described);
  const plain = { type: 'string' };
  assert.equal(constantsAsEnum(plain), plain);
});
