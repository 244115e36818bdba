// The default securityHeaders() must not break loopwise's own docs pages: Swagger UI at /docs and
// ReDoc at /redoc render in real headless Chromium (Debian's, as test/openapi/docs-browser.test.ts)
// under its Content-Security-Policy, with no CSP refusal, page error or failed request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { App, DEFAULT_CSP, securityHeaders, t } from '../../src/index.js';
import { closePage, launchChromium, newPage, type Browser, type Page } from '../support/browser.js';
import { serveApp } from '../support/http.js';

const DEFAULT_POLICY = Object.entries(DEFAULT_CSP)
  .map(([name, value]) => `${name} ${value}`)
  .join('; ');

const WAIT = 10_000;

const docsApp = new App({ title: 'Shop API', version: '1.0.0', logger: false });
docsApp.use(securityHeaders());
docsApp.get('/items/:id', { params: t.Object({ id: t.Integer() }), summary: 'Read an item' }, ({ params }) => ({ id: params.id, name: 'Hammer' }));
docsApp.post('/items', { body: t.Object({ name: t.String() }), status: 201, summary: 'Create an item' }, ({ body }) => body);

describe('the docs pages in Chromium under the default headers', () => {
  let base = '';
  let browser: Browser;
  before(async () => {
    base = (await serveApp(docsApp)).url;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await docsApp.close();
  });

  interface Watched {
    page: Page;
    problems: string[];
    /** The CSP each HTML page arrived with. */
    policies: string[];
  }

  async function openPage(): Promise<Watched> {
    const page = await newPage(browser, { timeout: WAIT });
    const watched: Watched = { page, problems: [], policies: [] };
    page.on('pageerror', (error) => watched.problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The browser asks for /favicon.ico by itself when a page names no icon (ReDoc's): not the page's doing.
      if (message.location().url.endsWith('/favicon.ico')) return;
      if (message.type() === 'error' || /Content.Security.Policy|Refused to/i.test(message.text())) watched.problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('requestfailed', (request) => watched.problems.push(`failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    page.on('response', (response) => {
      if (response.status() >= 400) watched.problems.push(`${response.status()} for ${response.url()}`);
      if (response.request().resourceType() === 'document') watched.policies.push(response.headers()['content-security-policy'] ?? '(none)');
    });
    return watched;
  }

  test('Swagger UI at /docs renders every operation under the default security headers', async () => {
    const watched = await openPage();
    try {
      await watched.page.goto(`${base}/docs`);
      const blocks = watched.page.locator('.opblock');
      await blocks.nth(1).waitFor();
      assert.equal(await blocks.count(), 2);
      const summaries = await blocks.locator('.opblock-summary-description').allTextContents();
      assert.deepEqual(summaries.sort(), ['Create an item', 'Read an item']);
      assert.deepEqual(watched.problems, []);
      assert.deepEqual(watched.policies, [DEFAULT_POLICY], 'the page was served with the default CSP');
    } finally {
      await closePage(watched.page);
    }
  });

  test('ReDoc at /redoc renders (its search worker runs from a blob:) under the default security headers', async () => {
    const watched = await openPage();
    try {
      await watched.page.goto(`${base}/redoc`);
      await watched.page.locator('h1', { hasText: 'Shop API' }).waitFor();
      for (const summary of ['Read an item', 'Create an item']) await watched.page.locator('h2', { hasText: summary }).waitFor();
      // The search box works only if the worker started.
      await watched.page.locator('input[placeholder="Search..."]').fill('Create');
      await watched.page.locator('[role="search"] li, [data-role="search:results"] li, .scrollbar-container li', { hasText: 'Create an item' }).first().waitFor();
      assert.deepEqual(watched.problems, []);
      assert.deepEqual(watched.policies, [DEFAULT_POLICY]);
    } finally {
      await closePage(watched.page);
    }
  });
});
