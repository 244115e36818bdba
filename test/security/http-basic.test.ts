// httpBasic (FastAPI's HTTPBasic): `Authorization: Basic base64(user:password)` → { username,
// password }, unchecked. No header, another scheme or undecodable credentials → 401 "Not
// authenticated" (current FastAPI, fastapi/security/http.py); the challenge is `Basic` or `Basic realm="…"`.
// autoError: false → null without the Basic scheme, but Basic credentials that do not decode stay a 401.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { timingSafeEqual } from 'node:crypto';
import { App, HTTPException, dependency, httpBasic } from '../../src/index.js';
import { startEdgeCasesApp } from '../support/edge-cases.js';
import { RawConnection, rawGet } from '../support/raw-http.js';

const basic = httpBasic();
const withRealm = httpBasic({ realm: 'Staff "only" \\ area', schemeName: 'StaffBasic' });
const optional = httpBasic({ autoError: false, schemeName: 'OptionalBasic' });

/** The documented way to check them: compare as bytes, in constant time. */
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
const admin = dependency({ deps: { credentials: basic } }, ({ deps }) => {
  const userOk = same(deps.credentials.username, 'stanley');
  const passwordOk = same(deps.credentials.password, 'swordfish');
  if (!(userOk && passwordOk)) throw new HTTPException(401, 'Incorrect username or password', { 'www-authenticate': 'Basic' });
  return deps.credentials.username;
});

const app = new App({ logger: false });
app.get('/credentials', { deps: { credentials: basic } }, ({ deps }) => deps.credentials);
app.get('/staff', { deps: { credentials: withRealm } }, ({ deps }) => deps.credentials);
app.get('/maybe', { deps: { credentials: optional } }, ({ deps }) => ({ credentials: deps.credentials }));
app.get('/admin', { deps: { user: admin } }, ({ deps }) => ({ user: deps.user }));

after(() => app.close());

const encode = (userPass: string): string => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;
const get = (url: string, authorization?: string) => app.inject({ url, headers: authorization === undefined ? {} : { authorization } });

function assertUnauthorized(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, detail: string, challenge = 'Basic'): void {
  assert.equal(res.statusCode, 401);
  assert.deepEqual(res.json(), { detail });
  assert.equal(res.headers['www-authenticate'], challenge);
}

describe('httpBasic', () => {
  test('no header → 401 Not authenticated, WWW-Authenticate: Basic', async () => {
    assertUnauthorized(await get('/credentials'), 'Not authenticated');
  });

  test('another scheme, or "Basic" with nothing after it → 401 Not authenticated', async () => {
    for (const authorization of ['Bearer abc', 'Digest username="x"', 'Basicx abc', 'Basic', 'Basic ']) {
      assertUnauthorized(await get('/credentials', authorization), 'Not authenticated');
    }
  });

  test('credentials that are not base64, or decode without a colon → 401 Not authenticated', async () => {
    const malformed = ['Basic !!!notbase64!!!', 'Basic dXNlcjpw YXNz', `Basic ${Buffer.from('no-colon-here').toString('base64')}`, 'Basic ===='];
    for (const authorization of malformed) {
      assertUnauthorized(await get('/credentials', authorization), 'Not authenticated');
    }
  });

  test('valid credentials reach the handler as { username, password }; the password may hold colons', async () => {
    const cases: [string, { username: string; password: string }][] = [
      ['aladdin:open sesame', { username: 'aladdin', password: 'open sesame' }],
      ['user:pa:ss:word', { username: 'user', password: 'pa:ss:word' }],
      ['user:', { username: 'user', password: '' }],
      [':only-password', { username: '', password: 'only-password' }],
      ['jöhn:pässwörd✓', { username: 'jöhn', password: 'pässwörd✓' }],
    ];
    for (const [userPass, expected] of cases) {
      const res = await get('/credentials', encode(userPass));
      assert.equal(res.statusCode, 200, userPass);
      assert.deepEqual(res.json(), expected);
    }
    // The scheme name is case-insensitive.
    const lower = await get('/credentials', `basic ${Buffer.from('a:b').toString('base64')}`);
    assert.deepEqual(lower.json(), { username: 'a', password: 'b' });
  });

  test('realm: the challenge names it, quoted, with " and \\ escaped', async () => {
    const challenge = 'Basic realm="Staff \\"only\\" \\\\ area"';
    assertUnauthorized(await get('/staff'), 'Not authenticated', challenge);
    assertUnauthorized(await get('/staff', 'Basic %%%'), 'Not authenticated', challenge);
    assert.deepEqual((await get('/staff', encode('x:y'))).json(), { username: 'x', password: 'y' });
  });

  test('autoError: false → null for missing and other-scheme credentials; malformed Basic ones are still 401', async () => {
    for (const authorization of [undefined, 'Bearer abc']) {
      const res = await get('/maybe', authorization);
      assert.equal(res.statusCode, 200, String(authorization));
      assert.deepEqual(res.json(), { credentials: null });
    }
    // FastAPI's HTTPBasic raises for these whatever auto_error says: the client tried Basic and got it wrong.
    for (const authorization of ['Basic !!!', 'Basic', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      assertUnauthorized(await get('/maybe', authorization), 'Not authenticated');
    }
    assert.deepEqual((await get('/maybe', encode('u:p'))).json(), { credentials: { username: 'u', password: 'p' } });
  });

  test('a user dependency compares them: right → the user, wrong → its own 401 with the Basic challenge', async () => {
    const ok = await get('/admin', encode('stanley:swordfish'));
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { user: 'stanley' });
    assertUnauthorized(await get('/admin', encode('stanley:wrong')), 'Incorrect username or password');
    assertUnauthorized(await get('/admin'), 'Not authenticated');
  });

  test('credentials whose bytes are not UTF-8 → 401 Not authenticated, not a password of U+FFFD', async () => {
    // \xff and \xfe would both decode to "\ufffd": two different passwords compared equal.
    for (const bytes of [[0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80]]) {
      const raw = Buffer.concat([Buffer.from('stanley:'), Buffer.from(bytes)]);
      assertUnauthorized(await get('/credentials', `Basic ${raw.toString('base64')}`), 'Not authenticated');
    }
  });
});

test('over a real socket: non-UTF-8 credentials get 401 with the Basic challenge, and the same process serves on', async (t) => {
  const edges = await startEdgeCasesApp();
  t.after(() => edges.kill());
  const pid = await edges.servedPid();
  const connection = await RawConnection.open(edges.port);
  try {
    const credentials = Buffer.concat([Buffer.from('user:'), Buffer.from([0xff, 0xfe])]).toString('base64');
    connection.write(rawGet('/basic', `Authorization: Basic ${credentials}\r\n`));
    const response = await connection.response();
    assert.equal(response?.status, 401);
    assert.equal(response!.headers['www-authenticate'], 'Basic');
    assert.deepEqual(JSON.parse(response!.body), { detail: 'Not authenticated' });
    connection.write(rawGet('/basic', `Authorization: ${encode('jöhn:pässwörd')}\r\n`));
    assert.deepEqual(JSON.parse((await connection.response())!.body), { username: 'jöhn', password: 'pässwörd' });
  } finally {
    connection.destroy();
  }
  assert.equal(await edges.servedPid(), pid);
});
