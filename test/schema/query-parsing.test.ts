import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseQuery } from '../../src/pipeline/context.js';

const RUNS = 200;

/** The parsed query as a plain object, so it compares with object literals. */
function plain(raw: string): Record<string, string | string[]> {
  return { ...parseQuery(raw) };
}

describe('parseQuery', () => {
  test('returns an empty object for an empty query string', () => {
    assert.deepEqual(plain(''), {});
  });

  test('reads one key as a string and repeated keys as an array in order', () => {
    assert.deepEqual(plain('q=lamp&tag=a&tag=b&tag=c'), { q: 'lamp', tag: ['a', 'b', 'c'] });
  });

  test('decodes percent-encoding and "+" as a space', () => {
    assert.deepEqual(plain('name=caf%C3%A9&text=a+b&plus=%2B&amp=%26'), { name: 'café', text: 'a b', plus: '+', amp: '&' });
  });

  test('reads a key without "=" and a key with an empty value as empty strings', () => {
    assert.deepEqual(plain('flag&empty='), { flag: '', empty: '' });
  });

  test('refuses a __proto__ key (400), as JSON bodies are refused; constructor and prototype stay ordinary keys', () => {
    for (const raw of ['__proto__=x', 'a=1&__%70roto__=x', '__proto__=a&__proto__=b']) {
      assert.throws(() => parseQuery(raw), { name: 'HTTPException', statusCode: 400, detail: 'Bad Request: the query string has a forbidden __proto__ key' }, raw);
    }
    const parsed = parseQuery('constructor=y&prototype=z');
    assert.notEqual(Object.getPrototypeOf(parsed), Object.prototype);
    assert.deepEqual(Object.entries(parsed), [
      ['constructor', 'y'],
      ['prototype', 'z'],
    ]);
    assert.equal(Object.getPrototypeOf(Object.assign({}, parsed)), Object.prototype);
  });

  test('round-trips any key/value map written with encodeURIComponent, repeated keys as arrays', () => {
    // __proto__ is refused (above); every other key round-trips.
    const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((k) => k !== '__proto__');
    const value = fc.string({ unit: 'grapheme', maxLength: 12 });
    const entries = fc.uniqueArray(fc.tuple(key, fc.array(value, { minLength: 1, maxLength: 4 })), {
      selector: ([k]) => k,
      maxLength: 8,
    });
    fc.assert(
      fc.property(entries, fc.boolean(), (pairs, interleave) => {
        // Write each key's values either together or round-robin across keys: the order of one key's values must hold either way.
        const parts: string[] = [];
        if (interleave) {
          const longest = Math.max(0, ...pairs.map(([, vs]) => vs.length));
          for (let i = 0; i < longest; i++) {
            for (const [k, vs] of pairs) if (i < vs.length) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(vs[i]!)}`);
          }
        } else {
          for (const [k, vs] of pairs) for (const v of vs) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
        }
        // No prototype, as the parser's result.
        const expected: Record<string, string | string[]> = Object.create(null);
        for (const [k, vs] of pairs) expected[k] = vs.length === 1 ? vs[0]! : vs;
        const parsed = parseQuery(parts.join('&'));
        assert.deepEqual(Object.keys(parsed).sort(), Object.keys(expected).sort());
        for (const k of Object.keys(expected)) assert.deepEqual(parsed[k], expected[k], `key ${JSON.stringify(k)}`);
      }),
      { numRuns: RUNS },
    );
  });
});
