// OAuth2's password flow, as FastAPI's tutorial builds it: oauth2PasswordBearer gives the bearer
// token string (missing or another scheme → 401 "Not authenticated", `WWW-Authenticate: Bearer`),
// and the token route reads OAuth2PasswordRequestForm as a form (RFC 6749 §4.3.2): JSON is not read
// (an empty form: 422, each field missing, as FastAPI), username missing → 422, scope defaults to ''.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, dependency, oauth2PasswordBearer, oauth2PasswordForm } from '../../src/index.js';

const oauth2 = oauth2PasswordBearer({ tokenUrl: '/token', scopes: { 'items:read': 'Read items' } });
const optionalOauth2 = oauth2PasswordBearer({ tokenUrl: '/token', autoError: false, schemeName: 'OptionalOAuth2' });

const USERS: Record<string, { password: string; disabled: boolean }> = {
  alice: { password: 'wonderland', disabled: false },
  mallory: { password: 'evil', disabled: true },
};
/** Tokens issued by /token: token → username. */
const issued = new Map<string, string>();

const currentUser = dependency({ deps: { token: oauth2 } }, ({ deps }) => {
  const username = issued.get(deps.token);
  if (username === undefined) throw new HTTPException(401, 'Could not validate credentials', { 'www-authenticate': 'Bearer' });
  return { username, disabled: USERS[username]!.disabled };
});
const activeUser = dependency({ deps: { user: currentUser } }, ({ deps }) => {
  // Authenticated, but not allowed: 403, the documented way to say so.
  if (deps.user.disabled) throw new HTTPException(403, 'Not enough permissions');
  return deps.user;
});

const app = new App({ logger: false });
const forms: unknown[] = [];
app.post('/token', oauth2PasswordForm, ({ body }) => {
  forms.push(body);
  const user = USERS[body.username];
  if (user === undefined || user.password !== body.password) throw new HTTPException(400, 'Incorrect username or password');
  const access_token = `token-${body.username}-${issued.size}`;
  issued.set(access_token, body.username);
  return { access_token, token_type: 'bearer' };
});
app.get('/token-string', { deps: { token: oauth2 } }, ({ deps }) => ({ token: deps.token }));
app.get('/maybe', { deps: { token: optionalOauth2 } }, ({ deps }) => ({ token: deps.token }));
app.get('/users/me', { deps: { user: activeUser } }, ({ deps }) => deps.user);

after(() => app.close());

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const postForm = (fields: Record<string, string>) => app.inject({ method: 'POST', url: '/token', headers: FORM, body: new URLSearchParams(fields).toString() });

function assertUnauthorized(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, detail = 'Not authenticated'): void {
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { detail });
  assert.equal(res.headers['www-authenticate'], 'Bearer');
}

describe('oauth2PasswordBearer', () => {
  test('missing, empty or another scheme → 401 Not authenticated, WWW-Authenticate: Bearer', async () => {
    assertUnauthorized(await app.inject('/token-string'));
    for (const authorization of ['Bearer', 'Basic dXNlcjpwYXNz', 'Token abc']) {
      assertUnauthorized(await app.inject({ url: '/token-string', headers: { authorization } }));
    }
  });

  test('the bearer token reaches the handler as a string', async () => {
    const res = await app.inject({ url: '/token-string', headers: { authorization: 'Bearer eyJhbGciOi.x.y' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { token: 'eyJhbGciOi.x.y' });
    assert.deepEqual((await app.inject({ url: '/token-string', headers: { authorization: 'BEARER t' } })).json(), { token: 't' });
  });

  test('autoError: false → null instead of 401', async () => {
    assert.deepEqual((await app.inject('/maybe')).json(), { token: null });
    assert.deepEqual((await app.inject({ url: '/maybe', headers: { authorization: 'Basic abc' } })).json(), { token: null });
    assert.deepEqual((await app.inject({ url: '/maybe', headers: { authorization: 'Bearer t' } })).json(), { token: 't' });
  });
});

describe('the token route (oauth2PasswordForm)', () => {
  test('accepts the form: username, password, scope defaulting to \'\', grant_type password', async () => {
    forms.length = 0;
    const res = await postForm({ username: 'alice', password: 'wonderland' });
    assert.equal(res.statusCode, 200);
    const token = res.json();
    assert.equal(token.token_type, 'bearer');
    assert.match(token.access_token, /^token-alice-/);
    assert.deepEqual(forms[0], { username: 'alice', password: 'wonderland', scope: '' });

    const full = await postForm({ grant_type: 'password', username: 'alice', password: 'wonderland', scope: 'items:read me', client_id: 'cli', client_secret: 's' });
    assert.equal(full.statusCode, 200);
    assert.deepEqual(forms[1], { grant_type: 'password', username: 'alice', password: 'wonderland', scope: 'items:read me', client_id: 'cli', client_secret: 's' });
  });

  test('does not read a JSON body: an empty form to it, so username and password are missing (FastAPI)', async () => {
    const handled = forms.length;
    const res = await app.inject({ method: 'POST', url: '/token', body: { username: 'alice', password: 'wonderland' } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual((res.json().detail as { loc: unknown[]; input: unknown }[]).map((issue) => [issue.loc, issue.input]), [
      [['body', 'username'], null],
      [['body', 'password'], null],
    ]);
    assert.equal(forms.length, handled);
  });

  test('422 when username (or password) is missing; grant_type other than "password" → 422', async () => {
    const noUser = await postForm({ password: 'wonderland' });
    assert.equal(noUser.statusCode, 422);
    const issues = noUser.json().detail as { type: string; loc: unknown[] }[];
    assert.deepEqual(issues.map((issue) => [issue.type, issue.loc]), [['missing', ['body', 'username']]]);

    const noPassword = await postForm({ username: 'alice' });
    assert.equal(noPassword.statusCode, 422);
    assert.deepEqual((noPassword.json().detail as { loc: unknown[] }[]).map((issue) => issue.loc), [['body', 'password']]);

    // An empty form is a form without fields: each required one is missing, as in FastAPI.
    const nothing = await postForm({});
    assert.equal(nothing.statusCode, 422);
    assert.deepEqual((nothing.json().detail as { loc: unknown[] }[]).map((issue) => issue.loc), [['body', 'username'], ['body', 'password']]);

    const wrongGrant = await postForm({ grant_type: 'client_credentials', username: 'alice', password: 'wonderland' });
    assert.equal(wrongGrant.statusCode, 422);
    assert.deepEqual((wrongGrant.json().detail as { loc: unknown[] }[]).map((issue) => issue.loc), [['body', 'grant_type']]);
  });

  test('the whole flow: wrong password → 400; token → /users/me; unknown token → 401; disabled user → 403', async () => {
    const wrong = await postForm({ username: 'alice', password: 'nope' });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(wrong.json(), { detail: 'Incorrect username or password' });

    const { access_token } = (await postForm({ username: 'alice', password: 'wonderland' })).json();
    const me = await app.inject({ url: '/users/me', headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json(), { username: 'alice', disabled: false });

    assertUnauthorized(await app.inject({ url: '/users/me', headers: { authorization: 'Bearer forged' } }), 'Could not validate credentials');
    assertUnauthorized(await app.inject('/users/me'));

    const disabled = (await postForm({ username: 'mallory', password: 'evil' })).json().access_token;
    const forbidden = await app.inject({ url: '/users/me', headers: { authorization: `Bearer ${disabled}` } });
    assert.equal(forbidden.statusCode, 403);
    assert.deepEqual(forbidden.json(), { detail: 'Not enough permissions' });
  });

  test('over a real socket, as a browser or curl sends the form', async () => {
    const { url } = await app.listen({ port: 0, handleSignals: false });
    const res = await fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'alice', password: 'wonderland' }), signal: AbortSignal.timeout(5_000) });
    assert.equal(res.status, 200);
    const { access_token } = (await res.json()) as { access_token: string };
    const me = await fetch(`${url}/users/me`, { headers: { authorization: `Bearer ${access_token}` }, signal: AbortSignal.timeout(5_000) });
    assert.deepEqual(await me.json(), { username: 'alice', disabled: false });
  });
});
