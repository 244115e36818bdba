import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nestsDeeperThan } from '../../src/pipeline/json-depth.js';

/** The nesting depth of a parsed JSON value, the slow obvious way. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((deepest, child) => Math.max(deepest, depthOf(child)), 0);
}

// Strings with quotes, backslashes and brackets, short and long (over 32 bytes they are skipped with indexOf).
const text = fc.oneof(fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', ' ', 'é') , maxLength: 80 }), fc.string({ minLength: 30, maxLength: 90 }));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(text, tie('value'), { maxKeys: 4 }),
})).value;

test('nestsDeeperThan agrees with the parsed depth, strings with brackets, quotes and escapes included', () => {
  fc.assert(
    fc.property(json, fc.integer({ min: 0, max: 6 }), (value, max) => {
      const raw = Buffer.from(JSON.stringify(value));
      // At max bytes or fewer the answer is "no" without a scan: it must be right there too.
      assert.equal(nestsDeeperThan(raw, max), depthOf(value) > max, JSON.stringify(value));
      // Cut off (not well-formed): the depth reached so far counts.
      if (depthOf(value) > max) assert.equal(nestsDeeperThan(raw.subarray(0, raw.length - 1), max), true, `cut ${JSON.stringify(value)}`);
    }),
    { numRuns: 2000 },
  );
});

test('100 000 opening brackets are over the limit; 1000 levels are not', () => {
  assert.equal(nestsDeeperThan(Buffer.from('['.repeat(100_000)), 1000), true);
  assert.equal(nestsDeeperThan(Buffer.from('['.repeat(1001)), 1000), true, 'cut off just past the limit');
  assert.equal(nestsDeeperThan(Buffer.from('['.repeat(1000)), 1000), false);
  assert.equal(nestsDeeperThan(Buffer.from(`${'['.repeat(1000)}${']'.repeat(1000)}`), 1000), false);
  assert.equal(nestsDeeperThan(Buffer.from(`${'[1,'.repeat(1001)}${']'.repeat(1001)}`), 1000), true);
  // Brackets inside a string do not count.
  assert.equal(nestsDeeperThan(Buffer.from(JSON.stringify({ s: '['.repeat(5000) })), 1000), false);
});
