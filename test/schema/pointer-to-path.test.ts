import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pointerToPath } from '../../src/schema/validation-errors.js';

describe('pointerToPath', () => {
  test('turns the empty pointer (the whole document) into an empty path', () => {
    assert.deepEqual(pointerToPath(''), []);
  });

  test('splits a pointer into keys and array indices: "/items/0/name" → ["items", 0, "name"]', () => {
    assert.deepEqual(pointerToPath('/items/0/name'), ['items', 0, 'name']);
    assert.deepEqual(pointerToPath('/rows/12/3'), ['rows', 12, 3]);
  });

  test('unescapes ~1 to "/" and ~0 to "~"', () => {
    assert.deepEqual(pointerToPath('/a~1b/c~0d'), ['a/b', 'c~d']);
  });

  test('unescapes ~1 before ~0, so "~01" is "~1" and "~10" is "/0"', () => {
    assert.deepEqual(pointerToPath('/~01'), ['~1']);
    assert.deepEqual(pointerToPath('/~10'), ['/0']);
  });

  test('keeps segments that are not canonical indices as strings: "01", "-1", "1.5", "1e3", ""', () => {
    assert.deepEqual(pointerToPath('/01/-1/1.5/1e3/'), ['01', '-1', '1.5', '1e3', '']);
  });

  test('reads "/" as one empty key', () => {
    assert.deepEqual(pointerToPath('/'), ['']);
  });

  test('inverts RFC 6901 encoding for any path of keys and indices', () => {
    const canonicalIndex = /^(0|[1-9]\d*)$/;
    const segment = fc.oneof(
      fc.nat({ max: 1_000_000 }),
      fc.string({ unit: 'grapheme', maxLength: 10 }).filter((s) => !canonicalIndex.test(s)),
      fc.constantFrom('~', '/', '~1', '~0', '/~', 'a/b~c'),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), (path) => {
        const pointer = path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
        assert.deepEqual(pointerToPath(pointer), path);
      }),
      { numRuns: 200 },
    );
  });
});
