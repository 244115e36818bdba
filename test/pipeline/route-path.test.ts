// What the route tree gets of a path, and the check of its matches (src/pipeline/route-path.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routePattern } from '../../src/pipeline/route-path.js';

test('a path without parameters, or with an unnamed wildcard alone, needs no check', () => {
  assert.deepEqual(routePattern('/items'), { treePath: '/items', adapt: null });
  assert.deepEqual(routePattern('/files/*'), { treePath: '/files/*', adapt: null });
});

test('one-segment parameters: a match with an empty one is refused, others pass as they are', () => {
  const { treePath, adapt } = routePattern('/users/:id/posts/:post(^\\d+)');
  assert.equal(treePath, '/users/:id/posts/:post(^\\d+)');
  const params = { id: '7', post: '3' };
  assert.equal(adapt!(params), params);
  assert.equal(adapt!({ id: '', post: '3' }), null);
  assert.equal(routePattern('/items/:id').adapt!({ id: '' }), null);
});

test('a named wildcard is registered as "*" and renamed in each match; it may be empty', () => {
  const { treePath, adapt } = routePattern('/users/:id/files/*file_path');
  assert.equal(treePath, '/users/:id/files/*');
  assert.deepEqual(adapt!({ id: '1', '*': 'a/b.txt' }), { id: '1', file_path: 'a/b.txt' });
  assert.deepEqual(adapt!({ id: '1', '*': '' }), { id: '1', file_path: '' });
  assert.equal(adapt!({ id: '', '*': 'a' }), null);
  assert.deepEqual(routePattern('/files/*path').adapt!({ '*': '/x' }), { path: '/x' });
});

test('a wildcard that does not end the path, two wildcards, or a repeated name are refused', () => {
  for (const path of ['/files/*/x', '/files/*name/x', '/a/*/*', '/files/*9name']) {
    assert.throws(() => routePattern(path), { code: 'LW_ERR_INVALID_ROUTE', message: /does not end it/ }, path);
  }
  assert.throws(() => routePattern('/a/:name/*name'), { code: 'LW_ERR_INVALID_ROUTE', message: /names two parameters "name"/ });
  // A "*" inside a parameter's regex is not a wildcard.
  assert.equal(routePattern('/a/:x(^a*$)').treePath, '/a/:x(^a*$)');
});
