// Which paths Bun's own router may match in find-my-way's place (src/pipeline/exact-routes.ts).
// Leaving a path out only costs speed; taking one that the two routers could read differently
// would answer a request with another route, so each rule below has a case that must be left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactPaths } from '../../src/pipeline/exact-routes.js';

const taken = (paths: string[]): string[] => exactPaths(paths).map((entry) => entry.path);

test('static paths of plain characters are taken, each once; escapes, dot segments and odd characters are not', () => {
  assert.deepEqual(taken(['/json', '/json', '/', '/items/', "/a+b-c.d_e~f!$&'(=@"]), ['/json', '/', '/items/']);
  assert.deepEqual(taken(['/a%20b', '/a/./b', '/a/../b', '/..', '/a;b', '/a b', '/é']), []);
  assert.deepEqual(
    exactPaths(['/json']).map(({ isStatic, spellsStatic }) => ({ isStatic, spellsStatic })),
    [{ isStatic: true, spellsStatic: null }],
  );
});

test('paths with whole-segment :name parameters are taken when nothing else could win over them', () => {
  assert.deepEqual(taken(['/users/:id', '/users/:id/posts/:post_id', '/json']), ['/json', '/users/:id', '/users/:id/posts/:post_id']);
  // The same path under two methods is one path.
  assert.deepEqual(taken(['/users/:id', '/users/:id']), ['/users/:id']);
});

test('a wildcard, a regex, several parameters in one segment or an empty segment anywhere: no path with parameters is taken', () => {
  for (const odd of ['/files/*', '/x/:id(^\\d+)', '/x/:from-:to', '/x//:id', '/x/:id/', '/x/::id', '/a/./b', '/x/../:id']) {
    assert.deepEqual(taken(['/users/:id', '/json', odd]), ['/json'], odd);
  }
});

test('two paths with parameters that one request could match are both left to find-my-way', () => {
  assert.deepEqual(taken(['/users/:id', '/users/:uid']), []);
  assert.deepEqual(taken(['/a/:x/c', '/a/b/:y', '/z/:q']), ['/z/:q']);
  // Different lengths, or a static segment that differs: no request matches both.
  assert.deepEqual(taken(['/a/:x', '/a/:x/:y', '/b/:x/c', '/b/:x/d']), ['/a/:x', '/a/:x/:y', '/b/:x/c', '/b/:x/d']);
});

test('a path with parameters that static paths overlap says when decoded params spell one of them', () => {
  const [, , items] = exactPaths(['/items/me', '/other', '/items/:id']);
  assert.equal(items!.path, '/items/:id');
  assert.equal(items!.spellsStatic!({ id: 'me' }), true, '/items/m%65 is /items/me to find-my-way');
  assert.equal(items!.spellsStatic!({ id: 'you' }), false);
  const [, nested] = exactPaths(['/a/b/c', '/a/:x/c']);
  assert.equal(nested!.spellsStatic!({ x: 'b' }), true);
  assert.equal(nested!.spellsStatic!({ x: 'q' }), false);
  assert.equal(exactPaths(['/json', '/users/:id'])[1]!.spellsStatic, null, 'no static path of that shape');
});
