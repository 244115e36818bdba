// httpBearer (FastAPI's HTTPBearer): the token from `Authorization: Bearer …`, unchecked; a user
// dependency built on it decides who may pass. Missing → 401 "Not authenticated", another scheme →
// 401 "Not authenticated" too (current FastAPI), both with `WWW-Authenticate: Bearer`; autoError: false → null.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, dependency, httpBearer } from '../../src/index.js';
import { app as offloaded } from './fixtures/offloaded-bearer-app.js';
import { withTimeout } from '../support/with-timeout.js';

const JSON_TYPE = 'application/json; charset=utf-8';

const bearer = httpBearer();
const optionalBearer = httpBearer({ autoError: false });
const currentUser = dependency({ deps: { token: bearer } }, ({ deps }) => {
  if (deps.token.credentials === 'admin-token') return { name: 'root', admin: true };
  if (deps.token.credentials === 'user-token') return { name: 'ada', admin: false };
  throw new HTTPException(401, 'Invalid token', { 'www-authenticate': 'Bearer' });
});
const currentAdmin = dependency({ deps: { user: currentUser } }, ({ deps }) => {
  if (!deps.user.admin) throw new HTTPException(403, 'Not enough permissions');
  return deps.user;
});

const app = new App({ logger: false });
app.get('/credentials', { deps: { credentials: bearer } }, ({ deps }) => deps.credentials);
app.get('/maybe', { deps: { credentials: optionalBearer } }, ({ deps }) => ({ credentials: deps.credentials }));
app.get('/me', { deps: { user: currentUser } }, ({ deps }) => deps.user);
app.get('/admin', { deps: { admin: currentAdmin } }, ({ deps }) => ({ hello: deps.admin.name }));

after(async () => {
  await app.close();
  await withTimeout(offloaded.close(), 10_000, 'offloaded app close()');
});

function assertUnauthorized(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, detail: string): void {
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { detail });
  assert.equal(res.headers['www-authenticate'], 'Bearer');
  assert.equal(res.headers['content-type'], JSON_TYPE);
}

describe('httpBearer', () => {
  test('no Authorization header → 401 Not authenticated, WWW-Authenticate: Bearer', async () => {
    assertUnauthorized(await app.inject('/credentials'), 'Not authenticated');
  });

  test('"Bearer" with no token, or an empty header → 401 Not authenticated', async () => {
    for (const authorization of ['Bearer', 'Bearer ', '', '   ']) {
      assertUnauthorized(await app.inject({ url: '/credentials', headers: { authorization } }), 'Not authenticated');
    }
  });

  test('another scheme → 401 Not authenticated, WWW-Authenticate: Bearer', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Token abc', 'Bearerx abc']) {
      assertUnauthorized(await app.inject({ url: '/credentials', headers: { authorization } }), 'Not authenticated');
    }
  });

  test('a bearer token reaches the handler as { scheme, credentials }, the scheme as sent (case-insensitive)', async () => {
    const res = await app.inject({ url: '/credentials', headers: { authorization: 'Bearer abc.def-ghi' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { scheme: 'Bearer', credentials: 'abc.def-ghi' });
    assert.equal(res.headers['www-authenticate'], undefined);
    const lower = await app.inject({ url: '/credentials', headers: { authorization: 'bearer xyz' } });
    assert.deepEqual(lower.json(), { scheme: 'bearer', credentials: 'xyz' });
  });

  test('autoError: false → the dependency yields null instead of answering 401', async () => {
    assert.deepEqual((await app.inject('/maybe')).json(), { credentials: null });
    const wrongScheme = await app.inject({ url: '/maybe', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(wrongScheme.statusCode, 200);
    assert.deepEqual(wrongScheme.json(), { credentials: null });
    const good = await app.inject({ url: '/maybe', headers: { authorization: 'Bearer t1' } });
    assert.deepEqual(good.json(), { credentials: { scheme: 'Bearer', credentials: 't1' } });
  });

  test('a user dependency on it: valid token → the user; unknown token → its own 401; valid but not allowed → 403', async () => {
    const me = await app.inject({ url: '/me', headers: { authorization: 'Bearer user-token' } });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json(), { name: 'ada', admin: false });

    assertUnauthorized(await app.inject({ url: '/me', headers: { authorization: 'Bearer forged' } }), 'Invalid token');
    assertUnauthorized(await app.inject('/me'), 'Not authenticated');

    const forbidden = await app.inject({ url: '/admin', headers: { authorization: 'Bearer user-token' } });
    assert.equal(forbidden.statusCode, 403);
    assert.deepEqual(forbidden.json(), { detail: 'Not enough permissions' });
    assert.equal(forbidden.headers['www-authenticate'], undefined);

    const admin = await app.inject({ url: '/admin', headers: { authorization: 'Bearer admin-token' } });
    assert.equal(admin.statusCode, 200);
    assert.deepEqual(admin.json(), { hello: 'root' });
  });

  test('over a real socket: the 401 challenge and the 200 arrive as with inject', async () => {
    const { url } = await app.listen({ port: 0, handleSignals: false });
    const missing = await fetch(`${url}/me`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(await missing.json(), { detail: 'Not authenticated' });
    const ok = await fetch(`${url}/me`, { headers: { authorization: 'Bearer user-token' }, signal: AbortSignal.timeout(5_000) });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { name: 'ada', admin: false });
  });

  test('on an offloaded route (dependencies run on a worker thread): 401 + challenge, 403, 200', async () => {
    const missing = await withTimeout(offloaded.inject('/me'), 10_000, 'first offloaded request');
    assertUnauthorized(missing, 'Not authenticated');
    const wrongScheme = await offloaded.inject({ url: '/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assertUnauthorized(wrongScheme, 'Not authenticated');
    const forbidden = await offloaded.inject({ url: '/me', headers: { authorization: 'Bearer nope' } });
    assert.equal(forbidden.statusCode, 403);
    assert.deepEqual(forbidden.json(), { detail: 'Not enough permissions' });
    const ok = await offloaded.inject({ url: '/me', headers: { authorization: 'Bearer secret-token' } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json().user, { name: 'ada' });
    assert.notEqual(ok.json().threadId, 0, 'the handler ran on a worker thread');
  });
});
