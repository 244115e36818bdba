// The trailing-slash redirect's Location (src/pipeline/trailing-slash.ts), without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slashRedirect } from '../../src/pipeline/trailing-slash.js';

const every = (): boolean => true;

test('toggles the trailing slash, strips every trailing slash, keeps the query', () => {
  assert.equal(slashRedirect('/items', '/items', every), '/items/');
  assert.equal(slashRedirect('/items/', '/items/', every), '/items');
  assert.equal(slashRedirect('/items///?a=1&b', '/items///?a=1&b', every), '/items?a=1&b');
});

test('asks the routes about the toggled path only, and redirects only when one takes it', () => {
  const asked: string[] = [];
  assert.equal(slashRedirect('/a?x=1', '/a?x=1', (path) => (asked.push(path), false)), null);
  assert.deepEqual(asked, ['/a/']);
});

test('no redirect for "/", a path of slashes, or a target that is not a path', () => {
  const never = (): boolean => assert.fail('not asked');
  assert.equal(slashRedirect('/', '/', never), null);
  assert.equal(slashRedirect('/?q', '/?q', never), null);
  assert.equal(slashRedirect('//', '//', never), null);
  assert.equal(slashRedirect('http://other.example/x', 'http://other.example/x', never), null);
  assert.equal(slashRedirect('*', '*', never), null);
});

test('never a Location another host: "//…" and "/\\…"', () => {
  assert.equal(slashRedirect('//evil.example', '//evil.example', every), null);
  assert.equal(slashRedirect('//evil.example/', '//evil.example/', every), null);
  assert.equal(slashRedirect('/\\evil.example', '/\\evil.example', every), null);
  assert.equal(slashRedirect('///evil.example/', '///evil.example/', every), null);
});

test('characters a URL never holds raw are percent-encoded (a browser drops a raw tab: "/\\t/x" would read "//x")', () => {
  assert.equal(slashRedirect('/\t/evil.example', '/\t/evil.example', every), '/%09/evil.example/');
  assert.equal(slashRedirect('/caf\u00e9', '/caf\u00e9', every), '/caf%E9/'); // one latin1 byte, as Node reads the request line
  assert.equal(slashRedirect('/\u20ac', '/\u20ac', every), '/%E2%82%AC/');
  assert.equal(slashRedirect('/a b', '/a b', every), '/a%20b/');
});

test('under a mount: looks up the App\'s own path, sends the client\'s path with the prefix', () => {
  const asked: string[] = [];
  assert.equal(slashRedirect('/items?p=2', '/api/items?p=2', (path) => (asked.push(path), true)), '/api/items/?p=2');
  assert.deepEqual(asked, ['/items/']);
  // The App's own path is not "//…", but the client's is: no redirect either way.
  assert.equal(slashRedirect('/x', '//x', every), null);
});
