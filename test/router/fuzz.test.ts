// Property-based fuzzing of routing (fast-check, fixed seeds: a failure prints its seed and path,
// and reruns identically). Arbitrary URLs against an app with a spread of routes never get a 5xx
// and always get FastAPI's error shape; generated route tables route generated paths exactly as a
// small reference model (static before regex before plain parameter before wildcard, with
// backtracking) says. test/router/path-matching-properties.test.ts covers one fixed route's
// parameter decoding; the raw-socket fuzzing (bytes the in-process client would normalize first)
// is in test/pipeline/fuzz.test.ts.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { App, type InjectResponse } from '../../src/index.js';
import { fuzzApp } from '../pipeline/fixtures/fuzz-app.js';

const SEED = 0x10f2;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** Every error answer is JSON `{"detail": …}`, carries no stack trace, and 405 names what is allowed. */
function assertErrorShape(res: InjectResponse, method: string, what: string): void {
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', what);
  if (method === 'HEAD') return;
  const body = res.json();
  assert.ok(body !== null && typeof body === 'object' && 'detail' in body, `${what}: ${res.body}`);
  assert.doesNotMatch(res.body, /\n\s+at |Error:/, what);
  if (res.statusCode === 405) assert.match(String(res.headers.allow), /^[A-Z]+(, [A-Z]+)*$/, what);
}

describe('arbitrary URLs against an app with a spread of routes', () => {
  // Pieces that hit the routes and the parser's edges: route names, digits, dot segments, slashes,
  // valid and broken percent-encoding, non-UTF-8 bytes, reserved characters, unicode.
  const piece = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('users', 'me', 'items', '42', '007', 'reviews', 'flights', 'ams-lis', '-', 'files', 'a', 'b', 'c', 'search', 'headers', 'orders', 'health') },
    { weight: 3, arbitrary: fc.constantFrom('/', '//', '.', '..', '%', '%2', '%zz', '%2F', '%2f', '%00', '%C3%A9', '%FF', '%E0%A4%A', '%ED%A0%80', '%25', '?', '&', '=', '#', ';', ':', '*', '+', '~', '(', ')', '\\', '"', '<', '>', ' ', '\t') },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    { weight: 1, arbitrary: fc.webSegment() },
    { weight: 1, arbitrary: fc.webQueryParameters().map((q) => `?${q}`) },
  );
  const long = fc.tuple(fc.constantFrom('/users/', '/files/', '/items/', '/', '/search?q='), fc.integer({ min: 90, max: 5_000 }), fc.constantFrom('x', '9', '%41', 'é'));
  // light-my-request resolves the URL against http://localhost first: a leading "//" would become
  // a host. Those, and every byte it would normalize, are sent raw in test/pipeline/fuzz.test.ts.
  const url = fc
    .oneof(
      { weight: 5, arbitrary: fc.array(piece, { maxLength: 16 }).map((parts) => `/${parts.join('')}`) },
      { weight: 1, arbitrary: long.map(([head, n, unit]) => head + unit.repeat(n)) },
      { weight: 1, arbitrary: fc.tuple(fc.webPath(), fc.option(fc.webQueryParameters())).map(([path, q]) => `/${path}${q === null ? '' : `?${q}`}`) },
    )
    .filter((u) => !/^\/[/\\]/.test(u));

  test('never answer 5xx; every error is JSON {"detail": …} without a stack; the app serves normally afterwards', async () => {
    const app = fuzzApp();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(url, fc.constantFrom(...METHODS), async (u, method) => {
        const res = await app.inject({ url: u, method });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        const what = `${method} ${JSON.stringify(u)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
        assert.ok([200, 307, 400, 404, 405, 414, 422].includes(res.statusCode), what);
        // The trailing-slash redirect: a path on this host, never "//host" or "/\host".
        if (res.statusCode === 307) assert.match(String(res.headers.location), /^\/(?![/\\])[\x21-\x7e]*$/, what);
        else if (res.statusCode >= 400) assertErrorShape(res, method, what);
        else if (method !== 'HEAD') assert.equal(typeof res.json().route, 'string', what);
      }),
      { numRuns: 1_000, seed: SEED },
    );
    // The generator reached the routes, not only the 404 handler.
    for (const status of [200, 307, 400, 404, 405, 414]) assert.ok((seen.get(status) ?? 0) > 0, `no ${status} among ${JSON.stringify([...seen])}`);
    const after = await app.inject('/items/12');
    assert.equal(after.statusCode, 200);
    assert.deepEqual(after.json(), { route: 'item', params: { id: 12 } });
  });

  test('/flights/:from-:to splits at the last "-" and decodes both parts exactly', async () => {
    const app = fuzzApp();
    // Non-empty; `to` without "-" (the split is at the last one); short of the 100-character limit.
    const text = fc
      .oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.constantFrom('-', 'a-', '-b', 'x--y', 'ams-lis', '%', '+', ' '))
      .filter((s) => !s.includes('/') && s !== '.' && s !== '..');
    await fc.assert(
      fc.asyncProperty(text, text.filter((s) => !s.includes('-')), async (from, to) => {
        const res = await app.inject(`/flights/${encodeURIComponent(from)}-${encodeURIComponent(to)}`);
        assert.equal(res.statusCode, 200, `${from}-${to}: ${res.body}`);
        assert.deepEqual(res.json(), { route: 'flight', params: { from, to } });
      }),
      { numRuns: 500, seed: SEED + 1 },
    );
  });
});

// ── Generated route tables against a reference model ──────────────────────────────────────────

type Segment = { kind: 'static'; value: string } | { kind: 'param' } | { kind: 'digits' } | { kind: 'wildcard' };
type Route = Segment[];

const STATICS = ['a', 'b', 'c', 'ab'];
const segment: fc.Arbitrary<Segment> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...STATICS).map((value) => ({ kind: 'static' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'param' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'digits' as const }) },
);
const route: fc.Arbitrary<Route> = fc
  .tuple(fc.array(segment, { maxLength: 4 }), fc.boolean(), fc.nat(4))
  .map(([segments, wildcard, chance]) => (wildcard && chance === 0 ? [...segments, { kind: 'wildcard' as const }] : segments));

/** find-my-way's syntax, parameters named by position (so two routes differing only in names are one). */
function pattern(route: Route): string {
  let n = 0;
  const parts = route.map((s) =>
    s.kind === 'static' ? s.value : s.kind === 'param' ? `:p${n++}` : s.kind === 'digits' ? `:p${n++}(^\\d+)` : '*',
  );
  return `/${parts.join('/')}`;
}

const table = fc.uniqueArray(route, { minLength: 1, maxLength: 8, selector: pattern });

interface Expected {
  index: number;
  params: Record<string, string>;
}

/**
 * The reference: at each segment try a static child, then a digits-only parameter, then any
 * parameter, then a wildcard (the rest, one segment at least, which may be empty), backtracking on
 * failure. Segments are matched decoded, as the router decodes parameters. The tree (find-my-way)
 * gives a parameter an empty segment; the dispatcher then refuses that match, as Starlette never
 * matches one (a 404), with no second try at another route.
 */
function model(routes: Route[], segments: string[]): Expected | null {
  const decoded = segments.map((s) => decodeURIComponent(s));
  function walk(depth: number, candidates: number[], values: string[]): Expected | null {
    if (depth === segments.length) {
      const done = candidates.find((i) => routes[i]!.length === depth);
      return done === undefined ? null : { index: done, params: named(values) };
    }
    const at = (i: number) => routes[i]![depth];
    const value = decoded[depth]!;
    const tries: [Segment['kind'], (s: Segment) => boolean][] = [
      ['static', (s) => s.kind === 'static' && s.value === segments[depth]],
      ['digits', (s) => s.kind === 'digits' && /^\d+$/.test(value)],
      ['param', (s) => s.kind === 'param'],
    ];
    for (const [kind, fits] of tries) {
      const next = candidates.filter((i) => at(i) !== undefined && fits(at(i)!));
      if (next.length === 0) continue;
      const found = walk(depth + 1, next, kind === 'static' ? values : [...values, value]);
      if (found !== null) return found;
    }
    const wildcard = candidates.find((i) => at(i)?.kind === 'wildcard');
    if (wildcard === undefined) return null;
    return { index: wildcard, params: { ...named(values), '*': decoded.slice(depth).join('/') } };
  }
  const found = walk(0, routes.map((_, i) => i), []);
  if (found === null) return null;
  return Object.entries(found.params).some(([key, value]) => key !== '*' && value === '') ? null : found;
}

function named(values: string[]): Record<string, string> {
  return Object.fromEntries(values.map((v, i) => [`p${i}`, v]));
}

// Path segments: the static names (to collide with them), digits, any short text, encoded, and
// now and then an empty one ("/users/", "/a//b"), which no parameter takes (as in Starlette).
// The first is never empty (so "/" and "//…" are not generated): "/" itself is covered by
// test/router/path-matching.test.ts.
const value = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...STATICS, 'x', 'abc', '1', '42', '007', '0') },
  { weight: 8, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((s) => s !== '.' && s !== '..').map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.constant('') },
);

/** A path made for one route of the table (its statics kept, its parameters filled), or a random one. */
function pathFor(routes: Route[]): fc.Arbitrary<string[]> {
  const random = fc.array(value, { minLength: 1, maxLength: 5 });
  const fill = (s: Segment): fc.Arbitrary<string[]> => {
    switch (s.kind) {
      case 'static':
        return fc.constant([s.value]);
      case 'digits':
        return fc.oneof(fc.nat({ max: 99_999 }).map(String), value).map((v) => [v]);
      case 'param':
        return value.map((v) => [v]);
      case 'wildcard':
        return fc.array(value, { minLength: 1, maxLength: 3 });
    }
  };
  const forRoute = fc
    .integer({ min: 0, max: routes.length - 1 })
    .chain((i) => fc.tuple(...routes[i]!.map(fill)).map((parts) => parts.flat()));
  return fc.oneof(forRoute, random).filter((segments) => segments.length > 0 && segments[0] !== '');
}

describe('generated route tables', () => {
  test('each path reaches the handler the model picks, with its parameters decoded; the rest are 404 {"detail":"Not Found"}', async () => {
    let matched = 0;
    let missed = 0;
    const scenario = table.chain((routes) => fc.tuple(fc.constant(routes), fc.array(pathFor(routes), { minLength: 1, maxLength: 8 })));
    await fc.assert(
      fc.asyncProperty(scenario, async ([routes, paths]) => {
        // Matching alone: the trailing-slash redirect has its own tests (test/conformance/01-trailing-slashes.test.ts).
        const app = new App({ logger: false, openapi: false, redirectSlashes: false });
        routes.forEach((r, index) => app.get(pattern(r), ({ params }) => ({ index, params })));
        for (const segments of paths) {
          const url = `/${segments.join('/')}`;
          const expected = model(routes, segments);
          const res = await app.inject(url);
          const what = `${url} in [${routes.map(pattern).join(' ')}] → ${res.statusCode} ${res.body}`;
          if (expected === null) {
            missed++;
            assert.equal(res.statusCode, 404, what);
            assert.equal(res.body, '{"detail":"Not Found"}', what);
          } else {
            matched++;
            assert.equal(res.statusCode, 200, what);
            assert.deepEqual(res.json(), expected, what);
          }
        }
      }),
      { numRuns: 1_000, seed: SEED + 2 },
    );
    // Both sides of the property were exercised, and not marginally.
    assert.ok(matched > 1_000 && missed > 300, `matched ${matched}, missed ${missed}`);
  });
});
