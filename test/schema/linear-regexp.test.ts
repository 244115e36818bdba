// A schema's `pattern` runs in time linear in the client's string (src/schema/linear-regexp.ts):
// the same answers as JavaScript's RegExp on ordinary patterns, a catastrophic pattern no longer
// holds the loop, and what RE2 cannot run (lookaround, backreferences) stops startup saying so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { App, t } from '../../src/index.js';
import { linearRegExp, toRe2Syntax, UnsupportedPattern } from '../../src/schema/linear-regexp.js';
import { request, serveApp } from '../support/http.js';

/** Patterns as users write them (Pydantic and OpenAPI examples), and each rule where ECMAScript and RE2 differ. */
const PATTERNS = [
  '^[a-z0-9_-]{3,16}$',
  '^\\d{5}(-\\d{4})?$',
  '^[A-Z][a-z]+$',
  '^\\+?[1-9]\\d{1,14}$',
  '^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$',
  '^(a+)+$',
  '(a|aa)*b',
  'ab|cd',
  '^\\s*$',
  '\\S+',
  '[\\s\\S]',
  '[^\\s]x',
  '^.$',
  '^.+$',
  'a.c',
  '\\u00e9',
  '[\\u0041-\\u005A]+',
  '\\uD83D\\uDE00',
  '\\u{1F600}',
  '^\\p{L}+$',
  '\\p{Script=Greek}',
  '\\P{Lu}',
  '[^]',
  '^[]$|x',
  '\\bword\\b',
  '[\\b]',
  '\\w+\\W',
  '(?<year>\\d{4})-\\d\\d',
  '(?:ab){2,}',
  'x*?y',
  '^\\/api\\/v[12]$',
  '\\cJ',
  '\\0',
  '[-.]',
  '\\t\\n\\v\\f\\r',
  '\\x41',
  '^$',
  '[[:digit:]|[x]',
  '[[]a',
];

/** Strings of the characters where the two engines could differ: line terminators, Unicode spaces, astral letters. */
const ALPHABET = ['a', 'b', 'c', 'x', 'y', 'A', 'Z', 'é', 'λ', '😀', '0', '1', '9', '-', '.', '@', '/', '_', ' ', '\t', '\n', '\r', '\v', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u0000', '\b', 'word', 'api', 'v1'];
const strings = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 12 }).map((parts) => parts.join(''));

test('every pattern answers what JavaScript’s RegExp answers, on strings of the characters where the engines differ', () => {
  for (const pattern of PATTERNS) {
    const native = new RegExp(pattern, 'u');
    const linear = linearRegExp(pattern);
    fc.assert(
      fc.property(strings, (input) => linear.test(input) === native.test(input)),
      { numRuns: 400, examples: [[''], ['aaaa'], ['word'], ['/api/v1'], ['2024-12'], ['a\nc'], ['a\u2028c'], ['😀'], ['\n'], ['\u00a0']] },
    );
  }
});

test('lookaround and backreferences are refused, naming the pattern; an invalid pattern fails as JavaScript fails it', () => {
  for (const pattern of ['(?=a)b', '(?!x)y', '(?<=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>']) {
    assert.throws(() => linearRegExp(pattern), (error: unknown) => error instanceof UnsupportedPattern && error.message.includes(JSON.stringify(pattern)), pattern);
  }
  assert.throws(() => linearRegExp('\\p{scx=Greek}'), (error: unknown) => error instanceof UnsupportedPattern && /script extensions/.test(error.message));
  // ECMAScript's modifiers: a syntax error on Node 20, refused where V8 or JavaScriptCore read them.
  assert.throws(() => linearRegExp('(?s:.)'), (error: unknown) => error instanceof SyntaxError || (error instanceof UnsupportedPattern && /modifier/.test(error.message)));
  // What RE2 cannot compile says so, with its names for Unicode properties.
  assert.throws(() => linearRegExp('\\p{Letter}'), (error: unknown) => error instanceof UnsupportedPattern && /cannot be compiled by RE2.*\\p\{L\}/.test(error.message));
  assert.throws(() => linearRegExp('(a'), SyntaxError);
  assert.throws(() => linearRegExp('a{2,1}'), SyntaxError);
});

test('ECMAScript’s own meanings survive the translation: \\s is Unicode’s, . stops at every line terminator', () => {
  assert.equal(linearRegExp('^\\s$').test('\u3000'), true);
  assert.equal(linearRegExp('^\\S$').test('\u00a0'), false);
  assert.equal(linearRegExp('^.$').test('\r'), false);
  assert.equal(linearRegExp('^.$').test('😀'), true);
  assert.match(toRe2Syntax('(?<y>a)'), /^\(\?P<y>/);
});

test('a catastrophic pattern over a real socket: 422 at once for a body field and a query parameter, and the server serves on', async () => {
  const app = new App({ logger: false });
  app.post('/names', { body: t.Object({ name: t.String({ pattern: '^(a+)+$' }) }) }, async ({ body }) => body);
  app.get('/search', { query: t.Object({ q: t.String({ pattern: '^(\\w+\\s?)*$' }) }) }, async ({ query }) => query);
  app.get('/ok', async () => ({ ok: true }));
  const server = await serveApp(app);
  try {
    // V8's backtracking took ~2^40 steps on this body (hours); RE2 reads it once.
    const evil = `${'a'.repeat(40)}!`;
    const named = await request(server.port, '/names', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: evil }) });
    assert.equal(named.status, 422);
    assert.deepEqual(named.json(), {
      detail: [{ type: 'string_pattern_mismatch', loc: ['body', 'name'], msg: "String should match pattern '^(a+)+$'", input: evil, ctx: { pattern: '^(a+)+$' } }],
    });
    // 100,000 characters: still one pass.
    const long = await request(server.port, '/names', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `${'a'.repeat(100_000)}!` }) });
    assert.equal(long.status, 422);
    const query = await request(server.port, `/search?q=${'word%20'.repeat(30)}!`);
    assert.equal(query.status, 422);
    assert.equal(query.json().detail[0].type, 'string_pattern_mismatch');
    // Valid strings still match.
    assert.equal((await request(server.port, '/names', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"aaa"}' })).status, 200);
    assert.equal((await request(server.port, '/search?q=two%20words')).status, 200);
    assert.equal((await request(server.port, '/ok')).status, 200);
  } finally {
    await server.close();
  }
});

test('a maxLength shields a large pattern: a 1 MB string past it gets string_too_long alone, without the pattern read over it', async () => {
  const app = new App({ logger: false });
  // A Unicode class repeated 700 times: RE2's lazy DFA gives up on it, and its NFA reads the string 700 times over.
  app.post('/names', { body: t.Object({ name: t.String({ maxLength: 2000, pattern: '\\p{L}{700}!' }) }) }, async ({ body }) => body);
  const server = await serveApp(app);
  try {
    const long = `${'a'.repeat(699)}!`.repeat(1400);
    const res = await request(server.port, '/names', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: long }), timeout: 10_000 });
    assert.equal(res.status, 422);
    assert.deepEqual(
      res.json().detail.map((issue: { type: string; loc: string[] }) => [issue.type, issue.loc.join('.')]),
      [['string_too_long', 'body.name']],
    );
    const fits = `${'é'.repeat(700)}!`;
    assert.equal((await request(server.port, '/names', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: fits }) })).status, 200);
    const wrong = `${'é'.repeat(700)}?`;
    const mismatch = await request(server.port, '/names', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: wrong }) });
    assert.equal(mismatch.json().detail[0].type, 'string_pattern_mismatch');
  } finally {
    await server.close();
  }
});

test('a route whose pattern uses lookahead stops startup with a message naming the route, the part and the pattern', () => {
  const app = new App({ logger: false });
  app.post('/users', { body: t.Object({ password: t.String({ pattern: '^(?=.*\\d).{8,}$' }) }) }, async () => ({}));
  assert.throws(
    () => app.ready(),
    (error: Error & { code?: string }) =>
      error.code === 'LW_ERR_SCHEMA_INVALID' && /body schema of POST \/users/.test(error.message) && error.message.includes('"^(?=.*\\\\d).{8,}$"') && /lookaround/.test(error.message),
  );
});
