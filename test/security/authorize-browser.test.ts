// Swagger UI's "Authorize" in real headless Chromium (Debian's), against a live app whose GET /me is
// protected by httpBearer: without credentials "Try it out" gets 401; after typing the token into
// the HTTPBearer dialog, the same request carries `Authorization: Bearer <token>` and gets the user.
// Nothing is fetched from any host but this server; every wait is bounded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HTTPException, dependency, httpBearer, oauth2PasswordBearer, oauth2PasswordForm } from '../../src/index.js';
import { closePage, launchChromium, newPage, type Browser, type Page } from '../support/browser.js';
import { serveApp } from '../support/http.js';

const WAIT = 15_000;
const TOKEN = 'secret-token';
const USER = { username: 'alice', email: 'alice@example.com' };

/** The Authorization header of every request the server got for /me (undefined: none sent). */
const seen: (string | undefined)[] = [];
const recordAuthorization = dependency(({ request }) => {
  seen.push(request.headers.authorization);
});
const bearer = httpBearer();
const currentUser = dependency({ deps: { credentials: bearer } }, ({ deps }) => {
  if (deps.credentials.credentials !== TOKEN) throw new HTTPException(401, 'Invalid token', { 'www-authenticate': 'Bearer' });
  return USER;
});

const app = new App({ title: 'Secured', version: '1.0.0', logger: false });
app.get('/me', { deps: { user: currentUser }, dependencies: [recordAuthorization], summary: 'Read me' }, ({ deps }) => deps.user);

// A second app, for OAuth2's password flow: Swagger UI's Authorize posts the form to tokenUrl and
// sends the access token it gets back as a bearer token.
const forms: unknown[] = [];
const oauthSeen: (string | undefined)[] = [];
const oauth2 = oauth2PasswordBearer({ tokenUrl: '/token' });
const oauthUser = dependency({ deps: { token: oauth2 } }, ({ deps, request }) => {
  oauthSeen.push(request.headers.authorization);
  if (deps.token !== 'issued-for-alice') throw new HTTPException(401, 'Invalid token', { 'www-authenticate': 'Bearer' });
  return USER;
});
const oauthApp = new App({ title: 'OAuth2', version: '1.0.0', logger: false });
oauthApp.post('/token', oauth2PasswordForm, ({ body }) => {
  forms.push(body);
  if (body.username !== 'alice' || body.password !== 'wonderland') throw new HTTPException(400, 'Incorrect username or password');
  return { access_token: 'issued-for-alice', token_type: 'bearer' };
});
oauthApp.get('/users/me', { deps: { user: oauthUser } }, ({ deps }) => deps.user);

let base = '';
let oauthBase = '';
let browser: Browser;
before(async () => {
  base = (await serveApp(app)).url;
  oauthBase = (await serveApp(oauthApp)).url;
  browser = await launchChromium(WAIT);
});
after(async () => {
  await browser?.close();
  await app.close();
  await oauthApp.close();
});

interface Watched {
  page: Page;
  requested: string[];
  /** Requests for another host: aborted. */
  outside: string[];
  /** Uncaught page errors. */
  problems: string[];
}

/** A fresh page whose every request is recorded, and aborted unless it is for this server. */
async function openPage(): Promise<Watched> {
  const page = await newPage(browser, { timeout: WAIT });
  const context = page.context();
  const watched: Watched = { page, requested: [], outside: [], problems: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    watched.requested.push(url);
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1') return route.continue();
    watched.outside.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    // /me answers 401 on purpose; any other failure is a problem.
    if (response.status() >= 400 && !['/me', '/users/me'].includes(new URL(response.url()).pathname)) watched.problems.push(`${response.status()} for ${response.url()}`);
  });
  return watched;
}

test('Swagger UI: Execute without credentials → 401; Authorize with the bearer token → 200 and the user', { timeout: 60_000 }, async () => {
  const watched = await openPage();
  const { page } = watched;
  try {
    await page.goto(`${base}/docs`);
    const operation = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/me"]') });
    await operation.waitFor();
    // The operation shows a lock: the document says it needs HTTPBearer.
    await operation.locator('.authorization__btn').waitFor();

    // 1. Before authorizing: the request goes out without Authorization and the server says 401.
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    const before = seen.length;
    await operation.locator('button.execute').click();
    const live = operation.locator('.live-responses-table .response');
    await live.locator('.response-col_status', { hasText: '401' }).waitFor();
    const unauthorized = (await live.locator('.response-col_description pre').first().textContent()) ?? '';
    assert.deepEqual(JSON.parse(unauthorized), { detail: 'Not authenticated' });
    assert.deepEqual(seen.slice(before), [undefined], 'the server got GET /me once, without Authorization');

    // 2. Authorize: the dialog lists the HTTPBearer scheme; type the token, apply, close.
    const authorize = page.locator('.auth-wrapper button.btn.authorize');
    assert.match((await authorize.getAttribute('class')) ?? '', /\bunlocked\b/);
    await authorize.click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    const scheme = dialog.locator('.auth-container', { has: page.locator('h4', { hasText: 'HTTPBearer' }) });
    assert.match((await scheme.locator('h4').textContent()) ?? '', /HTTPBearer\s*\(http, Bearer\)/);
    await scheme.locator('input[aria-label="auth-bearer-value"]').fill(TOKEN);
    await scheme.locator('button.modal-btn.auth.authorize').click();
    // Applied: the dialog now offers Logout for it and hides the value.
    await scheme.locator('button', { hasText: 'Logout' }).waitFor();
    await dialog.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached' });
    assert.match((await authorize.getAttribute('class')) ?? '', /\blocked\b/);

    // 3. Execute again: the request carries the token and the live response is the user.
    await operation.locator('button.btn-clear').click();
    await live.waitFor({ state: 'detached' });
    const beforeAuthorized = seen.length;
    await operation.locator('button.execute').click();
    await live.locator('.response-col_status', { hasText: '200' }).waitFor();
    const body = (await live.locator('.response-col_description pre').first().textContent()) ?? '';
    assert.deepEqual(JSON.parse(body), USER);
    assert.deepEqual(seen.slice(beforeAuthorized), [`Bearer ${TOKEN}`], 'the server got GET /me once, with the bearer token');
    // The curl line Swagger UI shows says so too.
    assert.match((await operation.locator('.curl-command').textContent()) ?? '', /Authorization: Bearer secret-token/);

    // Offline: no request left this server.
    assert.deepEqual(watched.outside, [], 'the page tried to reach another host');
    assert.deepEqual(watched.problems, []);
    for (const url of watched.requested) assert.match(url, /^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/);
  } finally {
    await closePage(page);
  }
});

test('Swagger UI: OAuth2 password flow — Authorize posts the form to tokenUrl, then requests carry the token', { timeout: 60_000 }, async () => {
  const watched = await openPage();
  const { page } = watched;
  try {
    await page.goto(`${oauthBase}/docs`);
    const operation = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/users/me"]') });
    await operation.waitFor();

    await page.locator('.auth-wrapper button.btn.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    const scheme = dialog.locator('.auth-container', { has: page.locator('h4', { hasText: 'OAuth2PasswordBearer' }) });
    await scheme.waitFor();
    await scheme.locator('#oauth_username').fill('alice');
    await scheme.locator('#oauth_password').fill('wonderland');
    const before = forms.length;
    await scheme.locator('button.modal-btn.auth.authorize').click();
    await scheme.locator('button', { hasText: 'Logout' }).waitFor();
    assert.deepEqual(forms.slice(before), [{ grant_type: 'password', username: 'alice', password: 'wonderland', scope: '' }], 'the token route got the form once');
    await dialog.locator('button.btn-done').click();
    await dialog.waitFor({ state: 'detached' });

    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    const seenBefore = oauthSeen.length;
    await operation.locator('button.execute').click();
    const live = operation.locator('.live-responses-table .response');
    await live.locator('.response-col_status', { hasText: '200' }).waitFor();
    assert.deepEqual(JSON.parse((await live.locator('.response-col_description pre').first().textContent()) ?? ''), USER);
    assert.deepEqual(oauthSeen.slice(seenBefore), ['Bearer issued-for-alice']);

    assert.deepEqual(watched.outside, [], 'the page tried to reach another host');
    assert.deepEqual(watched.problems, []);
  } finally {
    await closePage(page);
  }
});
