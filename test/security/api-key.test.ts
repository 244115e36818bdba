// apiKeyHeader / apiKeyQuery / apiKeyCookie (FastAPI's APIKeyHeader/Query/Cookie): the key as
// sent, unchecked; missing or empty → 401 "Not authenticated" with `WWW-Authenticate: APIKey`;
// autoError: false → null. Header names match case-insensitively; query and cookie names exactly.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, dependency, apiKeyCookie, apiKeyHeader, apiKeyQuery, t } from '../../src/index.js';

const headerKey = apiKeyHeader({ name: 'X-API-Key' });
const queryKey = apiKeyQuery({ name: 'api_key' });
const cookieKey = apiKeyCookie({ name: 'session' });
const optionalHeader = apiKeyHeader({ name: 'X-API-Key', autoError: false, schemeName: 'OptionalKey' });
const optionalQuery = apiKeyQuery({ name: 'api_key', autoError: false, schemeName: 'OptionalQueryKey' });
const optionalCookie = apiKeyCookie({ name: 'session', autoError: false, schemeName: 'OptionalCookieKey' });

const KEYS: Record<string, { owner: string; canWrite: boolean }> = { 'k-reader': { owner: 'ada', canWrite: false }, 'k-writer': { owner: 'bob', canWrite: true } };
const writer = dependency({ deps: { key: headerKey } }, ({ deps }) => {
  const found = KEYS[deps.key];
  if (found === undefined) throw new HTTPException(401, 'Invalid API key', { 'www-authenticate': 'APIKey' });
  if (!found.canWrite) throw new HTTPException(403, 'Not enough permissions');
  return found.owner;
});

const app = new App({ logger: false });
app.get('/header', { deps: { key: headerKey } }, ({ deps }) => ({ key: deps.key }));
app.get('/query', { deps: { key: queryKey } }, ({ deps }) => ({ key: deps.key }));
app.get('/cookie', { deps: { key: cookieKey } }, ({ deps }) => ({ key: deps.key }));
app.get('/optional', { deps: { header: optionalHeader, query: optionalQuery, cookie: optionalCookie } }, ({ deps }) => deps);
// The route declares its own query, headers and cookies: the keys must still be found next to them.
app.get(
  '/declared',
  {
    query: t.Object({ q: t.Optional(t.String()) }),
    headers: t.Object({ 'x-trace': t.Optional(t.String()) }),
    cookies: t.Object({ theme: t.Optional(t.String()) }),
    deps: { header: headerKey, query: queryKey, cookie: cookieKey },
  },
  ({ deps, query }) => ({ ...deps, q: query.q ?? null }),
);
app.post('/items', { deps: { owner: writer } }, ({ deps }) => ({ createdBy: deps.owner }));

after(() => app.close());

function assertUnauthorized(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, detail = 'Not authenticated'): void {
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { detail });
  assert.equal(res.headers['www-authenticate'], 'APIKey');
}

describe('apiKeyHeader', () => {
  test('missing or empty → 401 Not authenticated, WWW-Authenticate: APIKey', async () => {
    assertUnauthorized(await app.inject('/header'));
    assertUnauthorized(await app.inject({ url: '/header', headers: { 'x-api-key': '' } }));
    // Another header with a similar name is not the key.
    assertUnauthorized(await app.inject({ url: '/header', headers: { 'x-api-keys': 'k1', authorization: 'Bearer k1' } }));
  });

  test('the key reaches the handler, whatever the case of the header name as sent', async () => {
    for (const name of ['X-API-Key', 'x-api-key', 'X-API-KEY', 'x-Api-kEy']) {
      const res = await app.inject({ url: '/header', headers: { [name]: 'k-123' } });
      assert.equal(res.statusCode, 200, name);
      assert.deepEqual(res.json(), { key: 'k-123' });
    }
  });

  test('over a real socket too', async () => {
    const { url } = await app.listen({ port: 0, handleSignals: false });
    const res = await fetch(`${url}/header`, { headers: { 'X-Api-Key': 'k-net' }, signal: AbortSignal.timeout(5_000) });
    assert.deepEqual(await res.json(), { key: 'k-net' });
    const missing = await fetch(`${url}/header`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'APIKey');
  });
});

describe('apiKeyQuery', () => {
  test('missing, empty or differently-cased name → 401', async () => {
    assertUnauthorized(await app.inject('/query'));
    assertUnauthorized(await app.inject('/query?api_key='));
    assertUnauthorized(await app.inject('/query?API_KEY=k1'));
  });

  test('the key reaches the handler, URL-decoded; a repeated parameter gives the first', async () => {
    assert.deepEqual((await app.inject('/query?api_key=k1')).json(), { key: 'k1' });
    assert.deepEqual((await app.inject('/query?x=1&api_key=a%2Fb%20c')).json(), { key: 'a/b c' });
    assert.deepEqual((await app.inject('/query?api_key=first&api_key=second')).json(), { key: 'first' });
  });
});

describe('apiKeyCookie', () => {
  test('missing or empty → 401', async () => {
    assertUnauthorized(await app.inject('/cookie'));
    assertUnauthorized(await app.inject({ url: '/cookie', headers: { cookie: 'other=1' } }));
    assertUnauthorized(await app.inject({ url: '/cookie', headers: { cookie: 'session=' } }));
  });

  test('the key reaches the handler, from among other cookies, URL-decoded', async () => {
    assert.deepEqual((await app.inject({ url: '/cookie', cookies: { session: 's-1' } })).json(), { key: 's-1' });
    assert.deepEqual((await app.inject({ url: '/cookie', headers: { cookie: 'a=1; session=s%3D2; b=3' } })).json(), { key: 's=2' });
  });
});

describe('api keys together', () => {
  test('autoError: false → null for each missing key, the value for each present one', async () => {
    assert.deepEqual((await app.inject('/optional')).json(), { header: null, query: null, cookie: null });
    const res = await app.inject({ url: '/optional?api_key=q', headers: { 'x-api-key': 'h', cookie: 'session=c' } });
    assert.deepEqual(res.json(), { header: 'h', query: 'q', cookie: 'c' });
  });

  test('next to a route\'s own declared query, headers and cookies, every key is still found', async () => {
    const res = await app.inject({ url: '/declared?q=find&api_key=q1', headers: { 'x-api-key': 'h1', 'x-trace': 't', cookie: 'theme=dark; session=c1' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { header: 'h1', query: 'q1', cookie: 'c1', q: 'find' });
    assertUnauthorized(await app.inject({ url: '/declared?q=find', headers: { 'x-api-key': 'h1', cookie: 'session=c1' } }));
  });

  test('a user dependency on a key: unknown → its 401, known but read-only → 403, writer → 200', async () => {
    assertUnauthorized(await app.inject({ method: 'POST', url: '/items', headers: { 'x-api-key': 'k-nobody' } }), 'Invalid API key');
    const forbidden = await app.inject({ method: 'POST', url: '/items', headers: { 'x-api-key': 'k-reader' } });
    assert.equal(forbidden.statusCode, 403);
    assert.deepEqual(forbidden.json(), { detail: 'Not enough permissions' });
    const ok = await app.inject({ method: 'POST', url: '/items', headers: { 'x-api-key': 'k-writer' } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { createdBy: 'bob' });
    assertUnauthorized(await app.inject({ method: 'POST', url: '/items' }));
  });
});
