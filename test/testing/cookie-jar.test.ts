// The test client's cookie jar on its own: what Set-Cookie stores, replaces and deletes, and which
// cookies a request path gets back (RFC 6265's storage model, one site).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar } from '../../src/testing/cookie-jar.js';

test('Set-Cookie stores a cookie; the same name and path replaces it', () => {
  const jar = new CookieJar();
  jar.store(['session=abc; Path=/; HttpOnly', 'theme=dark'], '/login');
  assert.deepEqual(jar.toObject(), { session: 'abc', theme: 'dark' });
  jar.store('session=def; Path=/', '/');
  assert.equal(jar.get('session'), 'def');
  assert.equal(jar.size, 2);
  assert.deepEqual(Object.fromEntries(jar), { session: 'def', theme: 'dark' });
});

test('Max-Age=0, a negative Max-Age or an Expires in the past deletes the cookie; Max-Age wins over Expires', () => {
  const jar = new CookieJar();
  jar.store(['a=1', 'b=2', 'c=3', 'd=4'], '/');
  jar.store('a=; Max-Age=0', '/');
  jar.store('b=; Max-Age=-1', '/');
  jar.store('c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT', '/');
  jar.store(`d=5; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT`, '/');
  assert.deepEqual(jar.toObject(), { d: '5' });
});

test('Path: a cookie is sent to its path and below, not to a sibling that shares a prefix', () => {
  const jar = new CookieJar();
  jar.store('admin=1; Path=/admin', '/admin/login');
  jar.store('site=1; Path=/', '/admin/login');
  assert.equal(jar.header('/admin'), 'admin=1; site=1');
  assert.equal(jar.header('/admin/users'), 'admin=1; site=1');
  assert.equal(jar.header('/administrator'), 'site=1');
  assert.equal(jar.header('/'), 'site=1');
});

test('without Path, the default path is the request path’s directory', () => {
  const jar = new CookieJar();
  jar.store('step=2', '/wizard/step1');
  jar.store('top=1', '/login');
  assert.equal(jar.header('/wizard/step2'), 'step=2; top=1');
  assert.equal(jar.header('/other'), 'top=1');
});

test('the same name under two paths: both kept, the longer path first in the header and in get()', () => {
  const jar = new CookieJar();
  jar.store(['id=root; Path=/', 'id=api; Path=/api'], '/');
  assert.equal(jar.header('/api/x'), 'id=api');
  assert.equal(jar.header('/x'), 'id=root');
  assert.equal(jar.get('id'), 'api');
  jar.store('id=; Path=/api; Max-Age=0', '/api');
  assert.equal(jar.get('id'), 'root');
});

test('values are kept as sent, not URL-decoded, to be sent back unchanged', () => {
  const jar = new CookieJar();
  jar.store('note=a%20b%3Bc', '/');
  assert.equal(jar.get('note'), 'a%20b%3Bc');
  assert.equal(jar.header('/'), 'note=a%20b%3Bc');
});

test('set(), delete(), clear() and has() change the jar by hand; a request’s own cookies go on top', () => {
  const jar = new CookieJar();
  jar.set('session', 'by-hand');
  jar.set('scoped', '1', { path: '/api' });
  assert.equal(jar.has('session'), true);
  assert.equal(jar.header('/api', { extra: 'x', session: 'override' }), 'scoped=1; session=override; extra=x');
  jar.delete('session');
  assert.equal(jar.has('session'), false);
  jar.clear();
  assert.equal(jar.size, 0);
  assert.equal(jar.header('/api'), undefined);
});

test('a nameless or malformed Set-Cookie is ignored, as a browser does', () => {
  const jar = new CookieJar();
  jar.store(['=nameless', 'novalue', 'ok=1'], '/');
  assert.deepEqual(jar.toObject(), { ok: '1' });
});

test('Secure, HttpOnly and SameSite cookies are kept and sent, as a browser does for http://localhost', () => {
  const jar = new CookieJar();
  jar.store('session=abc; Path=/; Secure; HttpOnly; SameSite=Strict', '/login');
  assert.equal(jar.header('/'), 'session=abc');
});
