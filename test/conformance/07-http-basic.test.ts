// Cause 7 of issue 21: HTTP Basic and Bearer texts. Current FastAPI (fastapi/security/http.py,
// checked against fastapi 0.142.2) answers every failure of HTTPBasic — no header, another scheme,
// credentials that are not base64, base64 without a colon — with 401 {"detail":"Not authenticated"}
// and `WWW-Authenticate: Basic` (or `Basic realm="…"`), and HTTPBearer given another scheme with
// 401 "Not authenticated", `WWW-Authenticate: Bearer`.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { timingSafeEqual } from 'node:crypto';
import { App, HTTPException, dependency, httpBasic, httpBearer } from '../../src/index.js';

type Answer = { statusCode: number; headers: Record<string, unknown>; json(): unknown };

// docs_src/security/tutorial006: `security = HTTPBasic()`; GET /users/me returns the credentials.
const security = httpBasic();
// docs_src/security/tutorial007: get_current_username compares with secrets.compare_digest.
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
const currentUsername = dependency({ deps: { credentials: security } }, ({ deps }) => {
  const ok = same(deps.credentials.username, 'stanleyjobson') && same(deps.credentials.password, 'swordfish');
  if (!ok) throw new HTTPException(401, 'Incorrect username or password', { 'www-authenticate': 'Basic' });
  return deps.credentials.username;
});
// tests/test_security_http_basic_realm.py: HTTPBasic(realm="simple"); test_security_http_basic_optional.py: auto_error=False.
const withRealm = httpBasic({ realm: 'simple', schemeName: 'RealmBasic' });
const optional = httpBasic({ autoError: false, schemeName: 'OptionalBasic' });
// tests/test_security_http_bearer.py: HTTPBearer(); test_security_http_bearer_optional.py: auto_error=False.
const bearer = httpBearer();
const optionalBearer = httpBearer({ autoError: false, schemeName: 'OptionalBearer' });

const app = new App({ logger: false });
app.get('/users/me', { deps: { credentials: security } }, ({ deps }) => deps.credentials);
app.get('/tutorial007/users/me', { deps: { username: currentUsername } }, ({ deps }) => ({ username: deps.username }));
app.get('/realm/users/me', { deps: { credentials: withRealm } }, ({ deps }) => deps.credentials);
app.get('/optional/users/me', { deps: { credentials: optional } }, ({ deps }) =>
  deps.credentials === null ? { msg: 'Create an account first' } : deps.credentials,
);
app.get('/bearer/users/me', { deps: { credentials: bearer } }, ({ deps }) => deps.credentials);
app.get('/optional-bearer/users/me', { deps: { credentials: optionalBearer } }, ({ deps }) =>
  deps.credentials === null ? { msg: 'Create an account first' } : deps.credentials,
);
after(() => app.close());

const get = (url: string, authorization?: string): Promise<Answer> => app.inject({ url, headers: authorization === undefined ? {} : { authorization } });
const basicOf = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

function assertNotAuthenticated(res: Answer, challenge: string): void {
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { detail: 'Not authenticated' });
  assert.equal(res.headers['www-authenticate'], challenge);
}

describe('HTTP Basic (docs_src/security/tutorial006, tutorial007)', () => {
  // tests/test_tutorial/test_security/test_tutorial006.py test_security_http_basic:
  // auth=("john", "secret") → 200 {"username": "john", "password": "secret"}
  test('valid credentials → 200 with username and password', async () => {
    const res = await get('/users/me', basicOf('john:secret'));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { username: 'john', password: 'secret' });
  });

  // test_tutorial007.py test_security_http_basic_no_credentials:
  // no header → 401 {"detail": "Not authenticated"}, WWW-Authenticate: Basic
  test('no credentials → 401 Not authenticated, WWW-Authenticate: Basic', async () => {
    assertNotAuthenticated(await get('/users/me'), 'Basic');
    assertNotAuthenticated(await get('/tutorial007/users/me'), 'Basic');
  });

  // test_tutorial007.py test_security_http_basic_invalid_credentials:
  // "Basic notabase64token" → 401 {"detail": "Not authenticated"}, WWW-Authenticate: Basic
  test('credentials that are not base64 → 401 Not authenticated', async () => {
    assertNotAuthenticated(await get('/users/me', 'Basic notabase64token'), 'Basic');
    assertNotAuthenticated(await get('/tutorial007/users/me', 'Basic notabase64token'), 'Basic');
  });

  // test_tutorial007.py test_security_http_basic_non_basic_credentials:
  // "Basic " + b64encode(b"johnsecret") (no colon) → 401 {"detail": "Not authenticated"}, WWW-Authenticate: Basic
  test('base64 without a colon → 401 Not authenticated', async () => {
    assertNotAuthenticated(await get('/users/me', basicOf('johnsecret')), 'Basic');
    assertNotAuthenticated(await get('/tutorial007/users/me', basicOf('johnsecret')), 'Basic');
  });

  // test_tutorial007.py test_security_http_basic_invalid_username / _invalid_password:
  // 401 {"detail": "Incorrect username or password"}, WWW-Authenticate: Basic; the right pair → {"username": "stanleyjobson"}
  test('the user dependency: wrong user or password → its own 401; the right pair → 200', async () => {
    for (const pair of ['alice:swordfish', 'stanleyjobson:wrongpassword']) {
      const res = await get('/tutorial007/users/me', basicOf(pair));
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), { detail: 'Incorrect username or password' });
      assert.equal(res.headers['www-authenticate'], 'Basic');
    }
    const ok = await get('/tutorial007/users/me', basicOf('stanleyjobson:swordfish'));
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { username: 'stanleyjobson' });
  });

  // tests/test_security_http_basic_realm.py test_security_http_basic_invalid_credentials /
  // _non_basic_credentials: 401 {"detail": "Not authenticated"}, WWW-Authenticate: Basic realm="simple"
  test('with a realm: the same 401s name it in the challenge', async () => {
    for (const authorization of [undefined, 'Basic notabase64token', basicOf('johnsecret')]) {
      assertNotAuthenticated(await get('/realm/users/me', authorization), 'Basic realm="simple"');
    }
  });

  // tests/test_security_http_basic_optional.py: no credentials → 200 {"msg": "Create an account first"};
  // "Basic notabase64token" and base64 without a colon → 401 {"detail": "Not authenticated"},
  // WWW-Authenticate: Basic (HTTPBasic raises for malformed credentials whatever auto_error says).
  test('autoError: false → null without credentials; malformed Basic credentials are still 401', async () => {
    const none = await get('/optional/users/me');
    assert.equal(none.statusCode, 200);
    assert.deepEqual(none.json(), { msg: 'Create an account first' });
    assertNotAuthenticated(await get('/optional/users/me', 'Basic notabase64token'), 'Basic');
    assertNotAuthenticated(await get('/optional/users/me', basicOf('johnsecret')), 'Basic');
  });
});

describe('HTTP Bearer (tests/test_security_http_bearer.py)', () => {
  // test_security_http_bearer_no_credentials: 401 {"detail": "Not authenticated"}, WWW-Authenticate: Bearer
  // test_security_http_bearer_incorrect_scheme_credentials: "Basic notreally" → 401 {"detail": "Not authenticated"}, WWW-Authenticate: Bearer
  test('no credentials, or another scheme → 401 Not authenticated, WWW-Authenticate: Bearer', async () => {
    assertNotAuthenticated(await get('/bearer/users/me'), 'Bearer');
    assertNotAuthenticated(await get('/bearer/users/me', 'Basic notreally'), 'Bearer');
  });

  // test_security_http_bearer: "Bearer foobar" → 200 {"scheme": "Bearer", "credentials": "foobar"}
  test('a bearer token → 200 with scheme and credentials', async () => {
    const res = await get('/bearer/users/me', 'Bearer foobar');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { scheme: 'Bearer', credentials: 'foobar' });
  });

  // tests/test_security_http_bearer_optional.py test_security_http_bearer_incorrect_scheme_credentials:
  // "Basic notreally" → 200 {"msg": "Create an account first"}
  test('autoError: false → null for another scheme', async () => {
    const res = await get('/optional-bearer/users/me', 'Basic notreally');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { msg: 'Create an account first' });
  });
});
