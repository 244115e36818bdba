// Swagger UI and ReDoc in real headless Chromium (Debian's), served by a live app: the operations
// render, "Try it out" reaches the server and shows its answer, and nothing is fetched from any
// host but this server — under a Content-Security-Policy that allows no inline script.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, HttpResponse, t } from '../../src/index.js';
import { docsPageRoutes } from '../../src/openapi/docs-pages.js';
import { closePage as closeBrowserPage, launchChromium, newPage, type Browser, type Page } from '../support/browser.js';
import { serveApp } from '../support/http.js';
import { twoOperationsDocument } from './fixtures/two-operations.js';

const WAIT = 15_000;

// What the pages need and no more: scripts and styles from this server (styles may be inline,
// as both UIs inject them at runtime), the document fetched from here, ReDoc's search worker from a blob.
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const DOCUMENT = twoOperationsDocument('Shop API');
const OPERATIONS = [
  { method: 'GET', path: '/items/{id}', summary: 'Read an item' },
  { method: 'POST', path: '/items', summary: 'Create an item' },
];

/** Ids the item handler was really called with: proof that "Execute" reached the server. */
const received: number[] = [];
/** "path status" of every docs route's answer, as the server sent it. */
const served: string[] = [];

const app = new App({ logger: false, openapi: false });
for (const route of docsPageRoutes({ title: 'Shop', openapiUrl: '/openapi.json', docs: '/docs', redoc: '/redoc', swaggerUi: {} })) {
  const handler = route.handler as unknown as (context: unknown) => unknown;
  // The HTML pages are sent with a strict CSP: an inline script, eval or outside URL would be refused.
  const withCsp = async (context: unknown): Promise<unknown> => {
    const response = await handler(context);
    if (response instanceof HttpResponse) {
      served.push(`${route.path} ${response.status}`);
      if (String(response.headers['content-type']).startsWith('text/html')) response.headers['content-security-policy'] = CSP;
    }
    return response;
  };
  app.get(route.path, route.options, withCsp as never);
}
app.get('/openapi.json', () => DOCUMENT);
app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => {
  received.push(params.id);
  return { id: params.id, name: 'Hammer' };
});
app.post('/items', { body: t.Object({ id: t.Integer(), name: t.String() }), status: 201 }, ({ body }) => body);

let base = '';
let browser: Browser;
before(async () => {
  base = (await serveApp(app)).url;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app.close();
});

interface Watched {
  page: Page;
  /** Every URL the page asked for. */
  requested: string[];
  /** Those for another host: aborted. */
  outside: string[];
  /** Uncaught errors, CSP refusals and failed local requests. */
  problems: string[];
}

/**
 * A fresh page whose every request is recorded, and aborted unless it is for this server.
 * `routed: false` only records: Playwright turns the HTTP cache off for routed pages.
 */
async function openPage({ routed = true } = {}): Promise<Watched> {
  const page = await newPage(browser, { timeout: WAIT });
  const context = page.context();
  const watched: Watched = { page, requested: [], outside: [], problems: [] };
  if (!routed) {
    page.on('request', (request) => {
      const url = request.url();
      watched.requested.push(url);
      if (!/^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/.test(url)) watched.outside.push(url);
    });
  }
  if (routed) await context.route('**/*', (route) => {
    const url = route.request().url();
    watched.requested.push(url);
    const { protocol, hostname } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1') return route.continue();
    watched.outside.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) watched.problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) watched.problems.push(`${response.status()} for ${response.url()}`);
  });
  return watched;
}

async function closePage(watched: Watched): Promise<void> {
  await closeBrowserPage(watched.page);
}

/** Offline: no request left this server. */
function assertLocalOnly(watched: Watched): void {
  assert.deepEqual(watched.outside, [], 'the page tried to reach another host');
  assert.deepEqual(watched.problems, []);
  for (const url of watched.requested) assert.match(url, /^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/);
}

test('Swagger UI at /docs renders every operation of the document, offline', async () => {
  const watched = await openPage();
  const { page } = watched;
  await page.goto(`${base}/docs`);
  const blocks = page.locator('.opblock');
  await blocks.nth(OPERATIONS.length - 1).waitFor();
  assert.equal(await blocks.count(), OPERATIONS.length);
  const shown = [];
  for (const summary of await blocks.locator('.opblock-summary').all()) {
    const text = async (selector: string): Promise<string> => ((await summary.locator(selector).textContent()) ?? '').replace(/\u200b/g, '');
    shown.push({ method: await text('.opblock-summary-method'), path: await text('.opblock-summary-path'), summary: await text('.opblock-summary-description') });
  }
  assert.deepEqual(shown, OPERATIONS);
  assert.equal(await page.title(), 'Shop - Swagger UI');
  const paths = watched.requested.map((url) => new URL(url).pathname);
  for (const file of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js', '/openapi.json']) assert.ok(paths.includes(file), `${file} loaded`);
  assertLocalOnly(watched);
  await closePage(watched);
});

test('"Try it out" on GET /items/{id} sends the request and shows the live response', async () => {
  const watched = await openPage();
  const { page } = watched;
  await page.goto(`${base}/docs`);
  const operation = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/items/{id}"]') });
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('tr[data-param-name="id"] input').fill('7');
  const before = received.length;
  await operation.locator('button.execute').click();

  const live = operation.locator('.live-responses-table .response');
  await live.locator('.response-col_status', { hasText: '200' }).waitFor();
  const body = (await live.locator('.response-col_description pre').first().textContent()) ?? '';
  assert.deepEqual(JSON.parse(body), { id: 7, name: 'Hammer' });
  assert.match((await operation.locator('.request-url pre').textContent()) ?? '', /^http:\/\/127\.0\.0\.1:\d+\/items\/7$/);
  assert.deepEqual(received.slice(before), [7], 'the server got GET /items/7 once');
  assertLocalOnly(watched);
  await closePage(watched);
});

test('ReDoc at /redoc renders the API title and every operation\'s summary, offline', async () => {
  const watched = await openPage();
  const { page } = watched;
  await page.goto(`${base}/redoc`);
  await page.locator('h1', { hasText: DOCUMENT.info.title }).waitFor();
  for (const { summary } of OPERATIONS) await page.locator('h2', { hasText: summary }).waitFor();
  const menu = await page.locator('[role="menuitem"], li[data-item-id] label').allTextContents();
  for (const { summary } of OPERATIONS) assert.ok(menu.some((text) => text.includes(summary)), `${summary} in the side menu: ${JSON.stringify(menu)}`);
  assert.equal(await page.title(), 'Shop - ReDoc');
  const paths = watched.requested.map((url) => (url.startsWith('http') ? new URL(url).pathname : url.slice(0, 5)));
  for (const file of ['/redoc/redoc.standalone.js', '/openapi.json']) assert.ok(paths.includes(file), `${file} loaded`);
  assertLocalOnly(watched);
  await closePage(watched);
});

test('a reload revalidates the files: the server answers them 304, without sending them again', async () => {
  // Not routed, so the browser's cache works as for a user; the page's CSP still refuses other hosts.
  const watched = await openPage({ routed: false });
  const { page } = watched;
  await page.goto(`${base}/docs`);
  await page.locator('.opblock').first().waitFor();
  served.length = 0;
  await page.reload();
  await page.locator('.opblock').first().waitFor();
  const files = ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js'];
  assert.deepEqual(served.filter((line) => files.some((file) => line.startsWith(`${file} `))).sort(), files.map((file) => `${file} 304`).sort());
  assert.ok(served.includes('/docs 200'), 'the page itself is sent again');
  assertLocalOnly(watched);
  await closePage(watched);
});
