// Property-based fuzzing of the request pipeline (fast-check, fixed seeds: a failure prints its
// seed and path, and reruns identically): query coercion round-trips typed values and points 422s
// at the right field; headers and cookies likewise; JSON bodies are accepted exactly when an ajv
// compiled here says so, and never answered 500; raw bytes on a real socket always get a
// well-formed HTTP/1.1 answer, never a 5xx, and the server keeps serving. Routing itself is
// fuzzed in test/router/fuzz.test.ts; the fixed cases these generalize are in test/schema and
// test/pipeline/bodies.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { App, InjectResponse } from '../../src/index.js';
import { fuzzApp, Order } from './fixtures/fuzz-app.js';
import { withTimeout } from '../support/with-timeout.js';
import { onBun } from '../support/runtime.js';

const SEED = 0x10f3;

/** Every 422 is FastAPI's: a list of issues, each with type, loc, msg and input. */
function issuesOf(res: InjectResponse, what: string): { type: string; loc: (string | number)[]; msg: string; input: unknown }[] {
  assert.equal(res.statusCode, 422, `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', what);
  const { detail } = res.json();
  assert.ok(Array.isArray(detail) && detail.length > 0, `${what}: ${res.body}`);
  for (const issue of detail) {
    assert.equal(typeof issue.type, 'string', what);
    assert.equal(typeof issue.msg, 'string', what);
    assert.ok(Array.isArray(issue.loc), what);
    assert.ok('input' in issue, what);
  }
  return detail;
}

/** Text that stays itself through the query string, within a code-point limit (ajv counts code points). */
function text(max: number): fc.Arbitrary<string> {
  return fc.string({ unit: 'grapheme', maxLength: max }).filter((s) => [...s].length <= max);
}

function randomCase(word: string, mask: number): string {
  return [...word].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join('');
}

// ── Query coercion ─────────────────────────────────────────────────────────────────────────────

interface SearchValues {
  page?: number;
  limit?: number;
  price?: number;
  active?: boolean;
  tags?: string[];
  ids?: number[];
  sort?: 'asc' | 'desc';
  kind?: 'book' | 'music' | 'film';
  q?: string;
}

const searchValues: fc.Arbitrary<SearchValues> = fc.record(
  {
    page: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    limit: fc.integer({ min: 1, max: 100 }),
    price: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => (x === 0 ? 0 : x)),
    active: fc.boolean(),
    tags: fc.array(text(40), { minLength: 1, maxLength: 4 }),
    ids: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
    sort: fc.constantFrom('asc' as const, 'desc' as const),
    kind: fc.constantFrom('book' as const, 'music' as const, 'film' as const),
    q: text(50),
  },
  { requiredKeys: [] },
);

/** One spelling of each value, as clients write them: signs, zeros, exponents, pydantic's boolean words, "+" for spaces. */
const spelling = fc.record({ zeros: fc.nat(3), plus: fc.boolean(), exponent: fc.boolean(), word: fc.nat(5), mask: fc.nat(31), spaceAsPlus: fc.boolean() });
type Spelling = typeof spelling extends fc.Arbitrary<infer S> ? S : never;

function spellInteger(n: number, s: Spelling): string {
  return `${s.plus ? '%2B' : ''}${'0'.repeat(s.zeros)}${n}`;
}

function spellText(value: string, s: Spelling): string {
  const encoded = encodeURIComponent(value);
  return s.spaceAsPlus ? encoded.replace(/%20/g, '+') : encoded;
}

function spellQuery(values: SearchValues, s: Spelling): [string, string][] {
  const pairs: [string, string][] = [];
  if (values.page !== undefined) pairs.push(['page', spellInteger(values.page, s)]);
  if (values.limit !== undefined) pairs.push(['limit', spellInteger(values.limit, s)]);
  if (values.price !== undefined) pairs.push(['price', encodeURIComponent(s.exponent ? values.price.toExponential() : String(values.price))]);
  if (values.active !== undefined) {
    const words = values.active ? ['true', '1', 'yes', 'y', 'on', 't'] : ['false', '0', 'no', 'n', 'off', 'f'];
    pairs.push(['active', randomCase(words[s.word]!, s.mask)]);
  }
  for (const tag of values.tags ?? []) pairs.push(['tags', spellText(tag, s)]);
  for (const id of values.ids ?? []) pairs.push(['ids', spellInteger(id, s)]);
  if (values.sort !== undefined) pairs.push(['sort', values.sort]);
  if (values.kind !== undefined) pairs.push(['kind', values.kind]);
  if (values.q !== undefined) pairs.push(['q', spellText(values.q, s)]);
  return pairs;
}

/** The keys in a generated order; a repeated key's values keep theirs (they are a list). */
function shuffled(pairs: [string, string][], order: number[]): string {
  const groups = new Map<string, string[]>();
  for (const [key, value] of pairs) groups.set(key, [...(groups.get(key) ?? []), `${key}=${value}`]);
  return [...groups.values()]
    .map((items, i) => ({ items, rank: (order[i % order.length] ?? 0) * 100 + i }))
    .sort((a, b) => a.rank - b.rank)
    .flatMap(({ items }) => items)
    .join('&');
}

function expectedSearch(values: SearchValues): Record<string, unknown> {
  return { page: 1, limit: 10, tags: [], sort: 'asc', ...values };
}

describe('query coercion (GET /search)', () => {
  const app = fuzzApp();

  test('valid values, however spelled and ordered, reach the handler exactly, typed, with defaults filled in', async () => {
    await fc.assert(
      fc.asyncProperty(searchValues, spelling, fc.array(fc.nat(20), { minLength: 1, maxLength: 10 }), async (values, s, order) => {
        const query = shuffled(spellQuery(values, s), order);
        const res = await app.inject(`/search?${query}`);
        assert.equal(res.statusCode, 200, `?${query} → ${res.body}`);
        assert.deepEqual(res.json(), { route: 'search', query: expectedSearch(values) }, `?${query}`);
      }),
      { numRuns: 1_000, seed: SEED },
    );
  });

  // Per field: raw values that must fail, and the index inside a list the failure is at (if any).
  type Breakage = { field: string; pairs: [string, string][]; index?: number };
  const one = (field: string) => (v: string): Breakage => ({ field, pairs: [[field, v]] });
  const tooLong = fc.string({ minLength: 51, maxLength: 80 });
  const breakage: fc.Arbitrary<Breakage> = fc.oneof(
    fc.constantFrom('', 'abc', '1.5', '2.0', '0', '-3', '1e3', '0x10', '%205', 'NaN', 'Infinity', '%D9%A1%D9%A2', '1_000').map(one('page')),
    fc.constantFrom('0', '101', 'x', '-1', '1e2', '10.5').map(one('limit')),
    fc.constantFrom('abc', '1e7', '-1000001', '--1', '', '1%2C5', 'Infinity', '-Infinity', 'NaN', '0x1').map(one('price')),
    fc.constantFrom('maybe', '2', 'tru', '', 'nope', 'yess', '-1').map(one('active')),
    fc.constantFrom('up', 'ASC', '', 'asc%20').map(one('sort')),
    fc.constantFrom('books', 'Book', '', 'film%00').map(one('kind')),
    tooLong.map((v) => one('q')(encodeURIComponent(v))),
    // A list with one bad item among good ones: the issue names the item's index.
    fc
      .tuple(fc.array(fc.nat(1000), { maxLength: 3 }), fc.constantFrom('x', '-1', '1.5', '', '1e2'), fc.array(fc.nat(1000), { maxLength: 1 }))
      .map(([before, bad, rest]) => ({ field: 'ids', index: before.length, pairs: [...before, bad, ...rest].map((v) => ['ids', String(v)] as [string, string]) })),
    fc
      .tuple(fc.array(text(10), { maxLength: 2 }), fc.string({ minLength: 41, maxLength: 60 }))
      .map(([before, bad]) => ({ field: 'tags', index: before.length, pairs: [...before, bad].map((v) => ['tags', encodeURIComponent(v)] as [string, string]) })),
    fc.array(fc.nat(1000), { minLength: 6, maxLength: 9 }).map((ids) => ({ field: 'ids', pairs: ids.map((v) => ['ids', String(v)] as [string, string]) })),
  );

  test("an invalid value is a 422 whose every issue is located at that field (and list item), quoting the client's value", async () => {
    await fc.assert(
      fc.asyncProperty(searchValues, spelling, breakage, fc.array(fc.nat(20), { minLength: 1, maxLength: 10 }), async (values, s, broken, order) => {
        const good = spellQuery(values, s).filter(([k]) => k !== broken.field);
        const query = shuffled([...good, ...broken.pairs], order);
        const issues = issuesOf(await app.inject(`/search?${query}`), `?${query}`);
        for (const issue of issues) {
          assert.deepEqual(issue.loc.slice(0, 2), ['query', broken.field], `?${query}: ${JSON.stringify(issue)}`);
          if (broken.index !== undefined) assert.equal(issue.loc[2], broken.index, `?${query}: ${JSON.stringify(issue)}`);
        }
        if (broken.pairs.length === 1) {
          // A single value is quoted as the client sent it (decoded), not as coerced.
          assert.equal(issues[0]!.input, decodeURIComponent(broken.pairs[0]![1]), `?${query}`);
        }
      }),
      { numRuns: 1_000, seed: SEED + 1 },
    );
  });
});

// ── Headers and cookies ────────────────────────────────────────────────────────────────────────

describe('header and cookie coercion (GET /headers)', () => {
  const app = fuzzApp();
  // Visible ASCII with inner spaces: HTTP trims the ends of a header value.
  const token = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 30 }).filter((v) => v.trim() === v);
  const values = fc.record(
    {
      count: fc.nat(),
      flag: fc.tuple(fc.boolean(), fc.nat(5), fc.nat(31)),
      session: fc.string({ unit: 'grapheme', maxLength: 20 }),
      visits: fc.nat(),
    },
    { requiredKeys: [] },
  );

  test('valid values reach the handler typed; a bad one is a 422 located at its header or cookie', async () => {
    const bad = fc.option(fc.constantFrom('x-count', 'x-flag', 'x-token', 'visits'), { nil: undefined, freq: 2 });
    const outcomes = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(token, values, bad, fc.constantFrom('abc', '-1', '1.5', '', '1e3', 'yes please'), async (tok, v, broken, badValue) => {
        const headers: Record<string, string> = { 'x-token': tok };
        const expectedHeaders: Record<string, unknown> = { 'x-token': tok };
        if (v.count !== undefined) {
          headers['x-count'] = String(v.count);
          expectedHeaders['x-count'] = v.count;
        }
        if (v.flag !== undefined) {
          const [on, word, mask] = v.flag;
          headers['x-flag'] = randomCase((on ? ['true', '1', 'yes', 'y', 'on', 't'] : ['false', '0', 'no', 'n', 'off', 'f'])[word]!, mask);
          expectedHeaders['x-flag'] = on;
        }
        const cookies: string[] = [];
        const expectedCookies: Record<string, unknown> = {};
        if (v.session !== undefined) {
          cookies.push(`session=${encodeURIComponent(v.session)}`);
          expectedCookies.session = v.session;
        }
        if (v.visits !== undefined) {
          cookies.push(`visits=${v.visits}`);
          expectedCookies.visits = v.visits;
        }
        let expectedLoc: (string | number)[] | null = null;
        if (broken === 'x-token') {
          delete headers['x-token'];
          expectedLoc = ['header', 'x-token'];
        } else if (broken === 'visits') {
          const others = cookies.filter((c) => !c.startsWith('visits='));
          cookies.length = 0;
          cookies.push(...others, `visits=${encodeURIComponent(badValue)}`);
          expectedLoc = ['cookie', 'visits'];
        } else if (broken !== undefined) {
          // Each bad value is neither an integer of 0 or more nor one of the boolean words.
          headers[broken] = badValue;
          expectedLoc = ['header', broken];
        }
        if (cookies.length > 0) headers.cookie = cookies.join('; ');
        const what = JSON.stringify(headers);
        const res = await app.inject({ url: '/headers', headers });
        if (expectedLoc === null) {
          outcomes.accepted++;
          assert.equal(res.statusCode, 200, `${what} → ${res.body}`);
          assert.deepEqual(res.json(), { route: 'headers', headers: expectedHeaders, cookies: expectedCookies }, what);
        } else {
          outcomes.refused++;
          for (const issue of issuesOf(res, what)) assert.deepEqual(issue.loc, expectedLoc, `${what}: ${JSON.stringify(issue)}`);
        }
      }),
      { numRuns: 800, seed: SEED + 2 },
    );
    assert.ok(outcomes.accepted > 200 && outcomes.refused > 200, JSON.stringify(outcomes));
  });
});

// ── JSON bodies against an independent ajv ─────────────────────────────────────────────────────

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats = (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);
// The reference: the route's schema, compiled here with the options the contract promises for
// bodies (no coercion, defaults applied), so it says which bodies are valid and what they become.
const reference = addFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false })).compile(Order);

const validOrder = fc.record(
  {
    customer: fc.record({ name: text(30).filter((s) => s.length > 0), email: fc.emailAddress() }),
    lines: fc.array(fc.record({ sku: fc.stringMatching(/^[A-Z]{3}-\d{3}$/), qty: fc.integer({ min: 1, max: 99 }) }), { minLength: 1, maxLength: 5 }),
    payment: fc.oneof(fc.record({ kind: fc.constant('card'), last4: fc.stringMatching(/^\d{4}$/) }), fc.record({ kind: fc.constant('cash') })),
    note: fc.option(text(100), { nil: null }),
    deliverAt: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()),
    ref: fc.uuid(),
    gift: fc.boolean(),
  },
  { requiredKeys: ['customer', 'lines', 'payment'] },
);

const PATHS = ['customer', 'customer.name', 'customer.email', 'lines', 'lines.0', 'lines.0.sku', 'lines.0.qty', 'payment', 'payment.kind', 'payment.last4', 'note', 'deliverAt', 'ref', 'gift', 'extra'];

/** A valid order with one place deleted or replaced by anything: valid or not, the reference decides. */
const mutatedOrder = fc.tuple(validOrder, fc.constantFrom(...PATHS), fc.boolean(), fc.oneof(fc.jsonValue(), fc.constantFrom('', 0, -1, 100, 1.5, '1', 'card', 'ABC-12', '12345', 'not an email', '2024-13-01T00:00:00Z'))).map(([order, path, remove, value]) => {
  const keys = path.split('.');
  let target: any = order;
  for (const key of keys.slice(0, -1)) target = target?.[key];
  if (target !== null && typeof target === 'object') {
    if (remove) delete target[keys.at(-1)!];
    else target[keys.at(-1)!] = value;
  }
  return JSON.stringify(order);
});

/** A valid order with a prototype-poisoning key written into one of its objects. */
const poisonedOrder = fc.tuple(validOrder, fc.constantFrom('"__proto__":{"admin":true},', '"constructor":{"prototype":{"admin":true}},', '"__proto__":null,'), fc.nat()).map(([order, key, at]) => {
  const text = JSON.stringify(order);
  const braces = [...text.matchAll(/\{(?=")/g)].map((m) => m.index!);
  const i = braces[at % braces.length]! + 1;
  return text.slice(0, i) + key + text.slice(i);
});

/** Nesting deeper than any stack: 1 000 to 150 000 levels of arrays or objects, closed or cut off. */
const deep = fc.tuple(fc.integer({ min: 1_000, max: 150_000 }), fc.boolean(), fc.boolean()).map(([depth, arrays, closed]) =>
  arrays ? '['.repeat(depth) + (closed ? ']'.repeat(depth) : '') : '{"a":'.repeat(depth) + (closed ? `1${'}'.repeat(depth)}` : ''),
);

const bodyText = fc.oneof(
  { weight: 6, arbitrary: validOrder.map((o) => JSON.stringify(o)) },
  { weight: 5, arbitrary: mutatedOrder },
  { weight: 2, arbitrary: fc.json() },
  { weight: 2, arbitrary: fc.anything({ withNullPrototype: true, withObjectString: true }).map((a) => JSON.stringify(a) ?? '') },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 30 })) },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"admin":true}}', '{"customer":{"__proto__":{}}}', '{"constructor":{"prototype":{"x":1}}}', '\uFEFF{}', '1e400', '-0', '', ' ', 'null', '[]', '"x"', '{"lines":[{"qty":1e400}]}') },
  { weight: 1, arbitrary: poisonedOrder },
  { weight: 1, arbitrary: deep },
);

/** How deeply JSON text nests (arrays and objects), brackets inside strings not counted. */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

const TOO_DEEP = { detail: 'Bad Request: the JSON body nests deeper than 1000 levels' };

/** secure-json-parse refuses an own "__proto__" key, or "constructor" holding "prototype", anywhere. */
function poisoned(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Object.hasOwn(node, '__proto__')) return true;
    const ctor = (node as Record<string, unknown>).constructor;
    if (Object.hasOwn(node, 'constructor') && ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return true;
    stack.push(...Object.values(node));
  }
  return false;
}

describe('JSON bodies (POST /orders)', () => {
  const app = fuzzApp();

  test('200 with the body (defaults applied) when an independent ajv says valid, or with a body it says valid once converted (lax mode); else 422 at the body (400 for a poisoned or too deep one); never 5xx', async () => {
    const counts = { valid: 0, invalid: 0, converted: 0, malformed: 0, poisoned: 0, deep: 0, untyped: 0 };
    await fc.assert(
      fc.asyncProperty(bodyText, fc.constantFrom('application/json', undefined, 'application/merge-patch+json', 'application/json; charset=utf-8'), async (sent, type) => {
        // What the server reads: the bytes as UTF-8 (a lone surrogate becomes U+FFFD), without a BOM.
        const received = Buffer.from(sent, 'utf8').toString('utf8').replace(/^\uFEFF/, '');
        const res = await app.inject({ method: 'POST', url: '/orders', body: sent, headers: type === undefined ? {} : { 'content-type': type } });
        const what = `${type} ${JSON.stringify(sent.slice(0, 200))}${sent.length > 200 ? `… (${sent.length})` : ''} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        assert.ok(res.statusCode < 500, what);
        // Without Content-Type the body is not JSON (FastAPI 0.132's strict check): never parsed, so never a 400 either.
        if (type === undefined && sent !== '') {
          counts.untyped++;
          assert.equal(res.statusCode, 422, what);
          for (const issue of issuesOf(res, what)) assert.deepEqual(issue.loc, ['body'], what);
          return;
        }
        // Deeper than 1000 levels is refused before parsing, well-formed or not (src/pipeline/json-depth.ts).
        if (nesting(received) > 1000) {
          counts.deep++;
          assert.equal(res.statusCode, 400, what);
          assert.deepEqual(res.json(), TOO_DEEP, what);
          return;
        }
        let parsed: unknown;
        try {
          parsed = sent === '' ? undefined : JSON.parse(received);
        } catch {
          counts.malformed++;
          const [issue] = issuesOf(res, what);
          assert.equal(issue!.type, 'json_invalid', what);
          assert.equal(issue!.loc[0], 'body', what);
          assert.equal(typeof issue!.loc[1], 'number', what);
          return;
        }
        if (poisoned(parsed)) {
          counts.poisoned++;
          assert.equal(res.statusCode, 400, what);
          assert.equal(typeof res.json().detail, 'string', what);
          return;
        }
        if (parsed !== undefined && reference(parsed)) {
          counts.valid++;
          assert.equal(res.statusCode, 200, what);
          assert.deepEqual(res.json(), { route: 'orders', body: JSON.parse(JSON.stringify(parsed)) }, what);
          return;
        }
        // Pydantic's lax mode converted it ("1" for qty, "true" for gift): what the handler got is valid.
        if (res.statusCode === 200) {
          counts.converted++;
          assert.ok(parsed !== undefined && reference(res.json().body), `${what}: the converted body is not valid`);
          return;
        }
        counts.invalid++;
        for (const issue of issuesOf(res, what)) assert.equal(issue.loc[0], 'body', `${what}: ${JSON.stringify(issue)}`);
      }),
      { numRuns: 1_000, seed: SEED + 3 },
    );
    for (const [kind, n] of Object.entries(counts)) assert.ok(n >= (kind === 'converted' ? 1 : 10), `only ${n} ${kind} bodies: ${JSON.stringify(counts)}`);
  });

  test('regression: a body of 100 000 nested arrays (it used to end the process) is a 400; 1000 levels are still read, and quoted in the 422', async () => {
    const post = (body: string) => app.inject({ method: 'POST', url: '/orders', body, headers: { 'content-type': 'application/json' } });
    for (const body of ['['.repeat(100_000) + ']'.repeat(100_000), '['.repeat(100_000)]) {
      const res = await post(body);
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), TOO_DEEP);
    }
    const limit = await post('['.repeat(1000) + ']'.repeat(1000));
    const [issue] = issuesOf(limit, '1000 levels');
    assert.deepEqual([issue!.type, issue!.loc], ['model_attributes_type', ['body']]);
    // Quoted, cut to the 422's input limit (docs/errors.md): the outer levels, then where the cut is.
    assert.match(JSON.stringify(issue!.input), /^\[{100,}"…\(1 more item\)"\]{100,}$/);
    assert.equal(issuesOf(await post('['.repeat(1000)), 'cut off')[0]!.type, 'json_invalid');
  });
});

// ── Raw bytes over a real socket ───────────────────────────────────────────────────────────────

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses one HTTP/1.1 response as the bytes came off the socket, checking what a client relies
 * on: the status line, header syntax, and a body of exactly the length announced (or chunked
 * correctly), with nothing after it.
 */
function parseResponse(raw: Buffer, head: boolean): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no end of headers in ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.1 ([1-5]\d\d) [^\r\n]*$/.exec(statusLine!);
  assert.ok(status !== null, `status line ${JSON.stringify(statusLine)}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    assert.ok(colon > 0 && TOKEN.test(line.slice(0, colon)), `header line ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).toLowerCase();
    assert.ok(!headers.has(name) || name === 'set-cookie', `repeated header ${name}`);
    headers.set(name, line.slice(colon + 1).trim());
  }
  let rest = raw.subarray(end + 4);
  let body: Buffer;
  if (head) {
    body = Buffer.alloc(0);
  } else if (headers.get('transfer-encoding') === 'chunked') {
    const chunks: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      assert.ok(lineEnd > 0 && Number.isInteger(size), 'chunk size line');
      if (size === 0) {
        assert.equal(rest.subarray(lineEnd).toString('latin1'), '\r\n\r\n', 'chunked body end');
        rest = Buffer.alloc(0);
        break;
      }
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      assert.equal(rest.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString('latin1'), '\r\n', 'chunk end');
      rest = rest.subarray(lineEnd + 4 + size);
    }
    body = Buffer.concat(chunks);
  } else if (headers.has('content-length')) {
    const length = Number(headers.get('content-length'));
    assert.equal(rest.length, length, `content-length ${length}, body of ${rest.length} bytes`);
    body = rest;
    rest = Buffer.alloc(0);
  } else {
    body = rest;
    rest = Buffer.alloc(0);
  }
  assert.equal(rest.length, 0, 'bytes after the response');
  return { status: Number(status[1]), headers, body };
}

/** Writes the bytes, half-closes, and collects everything until the server closes. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  const run = new Promise<Buffer>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(parts)));
    socket.on('error', reject);
    socket.end(bytes);
  });
  return withTimeout(run, 10_000, `raw request ${JSON.stringify(bytes.toString('latin1').slice(0, 100))}`);
}

// Built before the server starts: fast-check builds its URL arbitraries once, slowly (seconds).
// Anything but CR and LF, which would end the request line or a header and make a different request.
const noLineBreaks = (s: string) => s.replace(/[\r\n]/g, '');
const rawTarget = fc
  .oneof(
    fc.webPath(),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.tuple(fc.webPath(), fc.webQueryParameters()).map(([p, q]) => `${p}?${q}`),
    fc.array(fc.constantFrom('/', '//', '..', '.', '%', '%zz', '%2F', '%00', '%C3%A9', '%FF', '%E0%A4%A', 'users', 'items', '12', 'files', 'search?', 'page=x&', 'tags=%FF&', '\\', '*', ' ', '\t', '\u00e9', '\u0000', '#'), { maxLength: 12 }).map((p) => `/${p.join('')}`),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.tuple(fc.constantFrom('/users/', '/files/', '/search?q=', '/'), fc.integer({ min: 50, max: 20_000 })).map(([head, n]) => head + 'x'.repeat(n)),
    fc.constantFrom('/', '/health', '/users/me', '/items/12', '/items/12/reviews/x', '/flights/ams-lis', '/files/a/b', '/search?page=2&tags=a&tags=b', '/search?page=x'),
  )
  .map(noLineBreaks);
// Header values: mostly printable (so requests reach the app), sometimes any byte (Node refuses most).
const rawValue = fc
  .oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 3, arbitrary: fc.constantFrom('1', '-1', 'x', '', ' 7 ', 'yes', '%FF', '"q"', '1, 2') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  )
  .map(noLineBreaks);
const rawMethod = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'get');

describe('raw requests over a socket', () => {
  let app: App;
  let port = 0;
  before(async () => {
    // The fuzzing client shares the server's event loop, so any stall is the test's own: no
    // shedding (it is tested in test/guard/shedding.test.ts), or a 503 would be the test's doing.
    app = fuzzApp({ guard: { maxLoopDelay: 0 } });
    ({ port } = await app.listen({ port: 0, handleSignals: false }));
  });
  after(() => withTimeout(app.close(), 10_000, 'close()'));

  test('always get one well-formed HTTP/1.1 answer, 2xx, 4xx or 501, JSON {"detail"} errors without stacks; the server serves on', async () => {
    const seen = new Map<number, number>();
    let answeredByApp = 0;
    await fc.assert(
      fc.asyncProperty(rawMethod, rawTarget, rawValue, rawValue, rawValue, async (method, target, token, count, cookie) => {
        const request =
          `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Token: ${token}\r\nX-Count: ${count}\r\n` +
          `Cookie: session=${cookie}; visits=${count}\r\nConnection: close\r\n\r\n`;
        const raw = await exchange(port, Buffer.from(request, 'utf8'));
        const what = `${JSON.stringify(request)} → ${JSON.stringify(raw.toString('latin1').slice(0, 300))}`;
        // Bun's server drops a request with a method it does not know, without an answer.
        if (onBun && raw.length === 0 && (method === 'BREW' || method === 'get')) return;
        const res = parseResponse(raw, method === 'HEAD');
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        // Bun's server refuses what it cannot parse itself (400, 431, 505…), with a bare answer that closes the connection.
        if (onBun && res.body.length === 0 && res.status >= 400 && res.headers.get('connection') === 'close') return;
        // 501 only for a method Node does not know (BREW, get): src/pipeline/client-error.ts.
        const unknownMethod = method === 'BREW' || method === 'get';
        assert.ok((res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500) || (res.status === 501 && unknownMethod), what);
        const type = res.headers.get('content-type');
        if (res.status === 204) return; // OPTIONS *: no body
        // Node's own refusals (unparseable requests) are answered in FastAPI's shape too, not with a bare 400.
        assert.equal(type, 'application/json; charset=utf-8', what);
        answeredByApp++;
        if (method === 'HEAD') return;
        const body = JSON.parse(res.body.toString('utf8'));
        if (res.status >= 400) assert.ok(typeof body === 'object' && body !== null && 'detail' in body, what);
        assert.doesNotMatch(res.body.toString('utf8'), /\n\s+at |Error:/, what);
      }),
      { numRuns: 300, seed: SEED + 4 },
    );
    // Node's parser refuses many raw requests (bad bytes, unknown methods); enough reached the app.
    assert.ok(answeredByApp >= 100 && (seen.get(200) ?? 0) > 0 && (seen.get(404) ?? 0) > 0, `${answeredByApp} answered by the app: ${JSON.stringify([...seen])}`);
    const normal = parseResponse(await exchange(port, Buffer.from('GET /items/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), false);
    assert.equal(normal.status, 200);
    assert.deepEqual(JSON.parse(normal.body.toString()), { route: 'item', params: { id: 7 } });
  });

  test('regression: 100 000 nested arrays posted over a socket are answered 400, and the process serves on', async () => {
    const body = '['.repeat(100_000) + ']'.repeat(100_000);
    const request = `POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`;
    const res = parseResponse(await exchange(port, Buffer.from(request)), false);
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body.toString()), TOO_DEEP);
    const normal = parseResponse(await exchange(port, Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), false);
    assert.equal(normal.status, 200);
  });
});
