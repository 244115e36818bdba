// decodeBody() takes Node's Buffers and, from Bun's server, Bun's own Uint8Arrays (not copied into
// a Buffer first): the two must decode every body alike, errors included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBody, lenientText, type BodyKind } from '../../src/pipeline/parse-body.js';

/** What decodeBody gives, or the error it throws, as comparable data. */
function outcome(raw: Uint8Array, kind: BodyKind): unknown {
  try {
    return { value: decodeBody(raw, kind) };
  } catch (error) {
    const { name, message, statusCode, errors } = error as { name: string; message: string; statusCode?: number; errors?: unknown };
    return { name, message, statusCode, errors };
  }
}

const BOM = [0xef, 0xbb, 0xbf];
const samples: [string, number[]][] = [
  ['JSON', [...Buffer.from('{"name":"Ada","age":36}')]],
  ['JSON after a BOM', [...BOM, ...Buffer.from('{"a":1}')]],
  ['text after a BOM', [...BOM, ...Buffer.from('hi')]],
  ['bytes that are not UTF-8', [...Buffer.from('{"name":"'), 0xff, 0xfe, ...Buffer.from('"}')]],
  ['a lone surrogate, encoded', [...Buffer.from('"'), 0xed, 0xa0, 0x80, ...Buffer.from('"')]],
  ['a truncated sequence', [...Buffer.from('"caf'), 0xc3]],
  ['malformed JSON', [...Buffer.from('{"a":}')]],
  ['a __proto__ key', [...Buffer.from('{"__proto__":{"x":1}}')]],
  ['a form', [...Buffer.from('a=1&b=%C3%A9')]],
  // Over 1,000 bytes, the nesting is scanned on the bytes themselves (json-depth.ts).
  ['JSON nested 1,001 deep', [...Buffer.from('['.repeat(1001) + ']'.repeat(1001))]],
  ['JSON nested 1,000 deep, with strings', [...Buffer.from('['.repeat(999) + '["a\\"[", "' + 'x'.repeat(40) + '"]' + ']'.repeat(999))]],
];

test('a Uint8Array body decodes as the same bytes in a Buffer do, for each kind', () => {
  for (const [what, bytes] of samples) {
    for (const kind of ['json', 'text', 'form'] as const) {
      assert.deepEqual(outcome(new Uint8Array(bytes), kind), outcome(Buffer.from(bytes), kind), `${what} as ${kind}`);
    }
  }
  // The BOM stays in a text body, as Buffer's toString() keeps it; JSON's parser skips it.
  assert.equal(decodeBody(new Uint8Array([...BOM, 0x68, 0x69]), 'text'), '\uFEFFhi');
  assert.deepEqual(decodeBody(new Uint8Array([...BOM, ...Buffer.from('{"a":1}')]), 'json'), { a: 1 });
  assert.match(String((outcome(new Uint8Array([0xff]), 'json') as { message: string }).message), /not valid UTF-8/);
  const deepest = samples.find(([what]) => what.startsWith('JSON nested 1,000'))![1];
  assert.ok(Array.isArray(decodeBody(new Uint8Array(deepest), 'json')), '1,000 levels, a quoted bracket skipped: taken');
  assert.match(String((outcome(new Uint8Array(samples.find(([what]) => what.startsWith('JSON nested 1,001'))![1]), 'json') as { message: string }).message), /nests deeper than 1000 levels/);
});

test('any bytes: the same value or the same error from a Uint8Array and a Buffer; quoted the same when refused unread', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.string({ maxLength: 30 }).map((text) => new Uint8Array(Buffer.from(text))),
    fc.tuple(fc.string({ maxLength: 10 }), fc.uint8Array({ minLength: 1, maxLength: 4 })).map(([text, tail]) => new Uint8Array([...Buffer.from(text), ...tail])),
  );
  fc.assert(
    fc.property(bytes, fc.constantFrom<BodyKind>('json', 'text', 'form'), (raw, kind) => {
      assert.deepEqual(outcome(raw, kind), outcome(Buffer.from(raw), kind));
      assert.equal(lenientText(raw), Buffer.from(raw).toString('utf8'));
    }),
    { numRuns: 2000 },
  );
});
