import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedInput, boundedKey } from '../../src/schema/bounded-input.js';

const quote = (value: unknown, max = 40): unknown => boundedInput(value, max, new Map());

test('an input whose JSON fits is quoted as it is: the same value, not a copy', () => {
  const small = { name: 'a', tags: ['x', 'y'], n: 1, ok: true, none: null };
  assert.equal(quote(small, 200), small);
  assert.equal(quote('x'.repeat(40)), 'x'.repeat(40));
  assert.equal(quote(12345), 12345);
});

test('a long string keeps its start and says how much is cut', () => {
  assert.equal(quote('x'.repeat(1000)), `${'x'.repeat(40)}…(960 more characters)`);
  assert.equal(quote('x'.repeat(41)), `${'x'.repeat(40)}…(1 more character)`);
});

test('arrays and objects keep their first entries, then one entry saying how many more', () => {
  assert.deepEqual(quote(Array(1000).fill(1), 20), [1, 1, 1, 1, 1, 1, 1, 1, 1, '…(991 more items)']);
  const wide: Record<string, number> = {};
  for (let i = 0; i < 100; i++) wide[`k${i}`] = i;
  assert.deepEqual(quote(wide, 20), { k0: 0, k1: 1, '…': '(98 more keys)' });
  assert.deepEqual(quote({ padding: 'x'.repeat(1000) }, 30), { padding: `${'x'.repeat(15)}…(985 more characters)` });
  assert.deepEqual(quote({ ['k'.repeat(100)]: 1 }, 30), { [`${'k'.repeat(24)}…(76 more characters)`]: 1 });
});

test('a key __proto__ stays a key of the copy; a surrogate pair is never split', () => {
  const parsed = JSON.parse(`{"__proto__":{"admin":true},"more":"${'x'.repeat(100)}"}`) as object;
  const copy = quote(parsed) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.deepEqual(Object.keys(copy), ['__proto__', 'more']);
  assert.equal((copy as { admin?: unknown }).admin, undefined);
  assert.equal(quote('😀'.repeat(30), 5), `${'😀'.repeat(2)}…(56 more characters)`);
});

test('one object quoted by many issues is cut once', () => {
  const memo = new Map<object, unknown>();
  const body = { padding: 'x'.repeat(10_000) };
  assert.equal(boundedInput(body, 40, memo), boundedInput(body, 40, memo));
});

test('loc keys are cut like strings; indexes are kept', () => {
  assert.equal(boundedKey('k'.repeat(50), 10), `${'k'.repeat(10)}…(40 more characters)`);
  assert.equal(boundedKey(123456, 2), 123456);
});
