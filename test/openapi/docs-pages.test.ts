// The docs pages' routes through the whole pipeline (in-process requests): Swagger UI and ReDoc
// pages that load only this server's files, with no inline script; the package files served with
// strong ETags and answered 304 when unchanged; the generated Swagger UI initializer's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import pino from 'pino';
import { App, t } from '../../src/index.js';
import { docsPageRoutes, type DocsPagesSettings } from '../../src/openapi/docs-pages.js';
import type { RouteDefinition } from '../../src/route.js';
import { twoOperationsDocument } from './fixtures/two-operations.js';

const require = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const REDOC_DIR = dirname(require.resolve('redoc/package.json'));

const DEFAULTS: DocsPagesSettings = { title: 'Shop', openapiUrl: '/openapi.json', docs: '/docs', redoc: '/redoc', swaggerUi: {} };

const DOCUMENT = twoOperationsDocument('Shop');

/** Registers the docs routes by hand (the App's own are off), with a small API and a fixed document. */
function docsApp(settings: Partial<DocsPagesSettings> = {}, routes?: RouteDefinition[], logger: false | pino.Logger = false): App {
  const app = new App({ logger, openapi: false });
  for (const route of routes ?? docsPageRoutes({ ...DEFAULTS, ...settings })) app.get(route.path, route.options, route.handler as never);
  app.get('/openapi.json', () => DOCUMENT);
  app.get('/items/:id', { params: t.Object({ id: t.Integer() }) }, ({ params }) => ({ id: params.id, name: 'Hammer' }));
  app.post('/items', { body: t.Object({ id: t.Integer(), name: t.String() }), status: 201 }, ({ body }) => body);
  return app;
}

/** Every <script> has a src and nothing between its tags; no URL names another host. */
function assertCspFriendly(page: string): void {
  const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  assert.ok(scripts.length > 0, 'the page loads its scripts');
  for (const [, attributes, code] of scripts) {
    assert.match(attributes!, /\ssrc="\/[^"]+"/, `a script without a local src: ${attributes}`);
    assert.equal(code!.trim(), '', 'inline script');
  }
  assert.doesNotMatch(page, /https?:\/\//, 'a URL of another host');
  assert.doesNotMatch(page, /\son[a-z]+\s*=/i, 'an inline event handler');
  assert.doesNotMatch(page, /fonts\.googleapis|cdn\.jsdelivr|unpkg\.com/);
}

test('GET /docs is a Swagger UI page that loads only its own files, with no inline script', async () => {
  const res = await docsApp().inject('/docs');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assertCspFriendly(res.body);
  assert.match(res.body, /<title>Shop - Swagger UI<\/title>/);
  assert.match(res.body, /<div id="swagger-ui"><\/div>/);
  assert.match(res.body, /<link rel="stylesheet" type="text\/css" href="\/docs\/swagger-ui.css">/);
  assert.match(res.body, /<link rel="icon" type="image\/png" href="\/docs\/favicon-32x32.png">/);
  const sources = [...res.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(sources, ['/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js'], 'the bundle first, then the initializer');
});

/** Runs the generated initializer against a stand-in SwaggerUIBundle and returns the config it got. */
async function initializerConfig(app: App, url = '/docs/swagger-initializer.js'): Promise<Record<string, unknown>> {
  const res = await app.inject(url);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
  const apis = { name: 'apis preset' };
  let config: Record<string, unknown> | undefined;
  const SwaggerUIBundle = Object.assign((given: Record<string, unknown>) => ((config = given), 'ui'), { presets: { apis } });
  const window = { location: { origin: 'http://127.0.0.1:8123' } } as Record<string, unknown>;
  runInNewContext(res.body, { SwaggerUIBundle, window });
  assert.equal(window.ui, 'ui', 'window.ui is the Swagger UI instance (for initOAuth later)');
  assert.ok(config !== undefined, 'SwaggerUIBundle was called');
  assert.equal((config.presets as unknown[])[0], apis);
  return config;
}

test('the Swagger UI initializer passes FastAPI\'s defaults, no validator, and an absolute OAuth2 redirect URL', async () => {
  const config = await initializerConfig(docsApp());
  const { presets, ...data } = config;
  assert.equal((presets as unknown[]).length, 1);
  assert.deepEqual(JSON.parse(JSON.stringify(data)), {
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    oauth2RedirectUrl: 'http://127.0.0.1:8123/docs/oauth2-redirect',
  });
});

test('swaggerUi parameters are merged over the defaults, as data', async () => {
  const hostile = '"); alert(1); ("</script><script>';
  const swaggerUi = { deepLinking: false, docExpansion: 'none', syntaxHighlight: { theme: 'monokai' }, note: hostile };
  const config = await initializerConfig(docsApp({ swaggerUi, openapiUrl: '/api/v1/openapi.json' }));
  assert.equal(config.deepLinking, false);
  assert.equal(config.docExpansion, 'none');
  assert.deepEqual(JSON.parse(JSON.stringify(config.syntaxHighlight)), { theme: 'monokai' });
  assert.equal(config.note, hostile, 'a string stays a string');
  assert.equal(config.url, '/api/v1/openapi.json');
  assert.equal(config.showExtensions, true, 'defaults not overridden stay');
});

test('the Swagger UI files are the installed swagger-ui-dist files, with their content types', async () => {
  const app = docsApp();
  const files = [
    ['/docs/swagger-ui-bundle.js', 'swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
    ['/docs/swagger-ui.css', 'swagger-ui.css', 'text/css; charset=utf-8'],
    ['/docs/favicon-32x32.png', 'favicon-32x32.png', 'image/png'],
    ['/docs/oauth2-redirect', 'oauth2-redirect.html', 'text/html; charset=utf-8'],
    ['/docs/oauth2-redirect.js', 'oauth2-redirect.js', 'text/javascript; charset=utf-8'],
  ] as const;
  for (const [url, file, type] of files) {
    const res = await app.inject(url);
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.headers['content-type'], type, url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
    const expected = await readFile(join(SWAGGER_DIR, file));
    assert.equal(Number(res.headers['content-length']), expected.length, url);
    if (type !== 'image/png') assert.equal(res.body, expected.toString('utf8'), url);
  }
});

test('the OAuth2 redirect page finds its script relative to itself', async () => {
  const app = docsApp();
  const res = await app.inject('/docs/oauth2-redirect');
  const src = /<script src="([^"]+)"/.exec(res.body)?.[1];
  assert.ok(src !== undefined, res.body);
  const resolved = new URL(src, 'http://127.0.0.1/docs/oauth2-redirect').pathname;
  assert.equal(resolved, '/docs/oauth2-redirect.js');
  assert.equal((await app.inject(resolved)).statusCode, 200);
});

test('GET /redoc is a ReDoc page reading the document, with no inline script and no web fonts', async () => {
  const app = docsApp({ openapiUrl: '/api/v1/openapi.json' });
  const res = await app.inject('/redoc');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assertCspFriendly(res.body);
  assert.doesNotMatch(res.body, /<link/, 'no font or icon links');
  assert.match(res.body, /<title>Shop - ReDoc<\/title>/);
  assert.match(res.body, /<redoc spec-url="\/api\/v1\/openapi.json"><\/redoc>/);
  assert.match(res.body, /<script src="\/redoc\/redoc.standalone.js" charset="utf-8"><\/script>/);

  const bundle = await app.inject('/redoc/redoc.standalone.js');
  assert.equal(bundle.statusCode, 200);
  assert.equal(bundle.headers['content-type'], 'text/javascript; charset=utf-8');
  const installed = await readFile(join(REDOC_DIR, 'bundles/redoc.standalone.js'), 'utf8');
  assert.ok(installed.includes('https://cdn.redoc.ly/redoc/logo-mini.svg'), 'the installed bundle loads its logo from a CDN');
  assert.doesNotMatch(bundle.body, /cdn\.redoc\.ly/, 'the served one does not');
  assert.equal(bundle.body, installed.replace('"https://cdn.redoc.ly/redoc/logo-mini.svg"', '"data:,"'), 'and is otherwise the same');
});

test('files get a strong ETag and no-cache; a matching If-None-Match is answered 304 without a body', async () => {
  const app = docsApp();
  for (const url of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/swagger-initializer.js', '/docs/favicon-32x32.png', '/redoc/redoc.standalone.js']) {
    const first = await app.inject(url);
    const etag = first.headers.etag;
    assert.match(String(etag), /^"[A-Za-z0-9_-]{16,}"$/, `${url}: a strong ETag`);
    assert.equal(first.headers['cache-control'], 'no-cache', url);
    assert.equal((await app.inject(url)).headers.etag, etag, `${url}: the same ETag each time`);

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await app.inject({ url, headers: { 'if-none-match': ifNoneMatch } });
      assert.equal(again.statusCode, 304, `${url} with If-None-Match: ${ifNoneMatch}`);
      assert.equal(again.body, '');
      assert.equal(again.headers.etag, etag);
      assert.equal(again.headers['cache-control'], 'no-cache');
      assert.equal(again.headers['content-type'], undefined);
    }
    const changed = await app.inject({ url, headers: { 'if-none-match': '"something-else"' } });
    assert.equal(changed.statusCode, 200, `${url}: another ETag gets the file`);
    assert.ok(changed.body.length > 0);
  }
  const tags = new Set<unknown>();
  for (const url of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/redoc/redoc.standalone.js']) tags.add((await app.inject(url)).headers.etag);
  assert.equal(tags.size, 3, 'each file its own ETag');
});

test('requests that arrive while a file is first read all get it', async () => {
  const app = docsApp();
  const answers = await Promise.all(Array.from({ length: 8 }, () => app.inject('/redoc/redoc.standalone.js')));
  assert.deepEqual(new Set(answers.map((res) => res.statusCode)), new Set([200]));
  assert.equal(new Set(answers.map((res) => res.headers.etag)).size, 1);
  assert.equal(new Set(answers.map((res) => res.body.length)).size, 1);
});

test('HEAD works on the pages and the files, with or without If-None-Match', async () => {
  const app = docsApp();
  for (const url of ['/docs', '/redoc', '/docs/swagger-ui-bundle.js', '/redoc/redoc.standalone.js']) {
    const get = await app.inject(url);
    const head = await app.inject({ method: 'HEAD', url });
    assert.equal(head.statusCode, 200, url);
    assert.equal(head.body, '', url);
    assert.equal(head.headers['content-type'], get.headers['content-type'], url);
    assert.equal(head.headers['content-length'], get.headers['content-length'], url);
    if (get.headers.etag !== undefined) {
      const cached = await app.inject({ method: 'HEAD', url, headers: { 'if-none-match': String(get.headers.etag) } });
      assert.equal(cached.statusCode, 304, url);
    }
  }
});

test('the title is escaped: markup in it shows as text', async () => {
  const app = docsApp({ title: '<script>alert(1)</script> & "Co"' });
  for (const url of ['/docs', '/redoc']) {
    const page = (await app.inject(url)).body;
    assert.match(page, /<title>&#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; &#34;Co&#34; - /, url);
    assert.doesNotMatch(page, /<script>/, url);
    assertCspFriendly(page);
  }
});

test('docs: false leaves out Swagger UI and its files; redoc: false leaves out ReDoc', async () => {
  const noDocs = docsApp({ docs: false });
  for (const url of ['/docs', '/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js', '/docs/oauth2-redirect']) {
    assert.equal((await noDocs.inject(url)).statusCode, 404, url);
  }
  assert.equal((await noDocs.inject('/redoc')).statusCode, 200);

  const noRedoc = docsApp({ redoc: false });
  for (const url of ['/redoc', '/redoc/redoc.standalone.js']) assert.equal((await noRedoc.inject(url)).statusCode, 404, url);
  assert.equal((await noRedoc.inject('/docs')).statusCode, 200);

  assert.deepEqual(docsPageRoutes({ ...DEFAULTS, docs: false, redoc: false }), []);
});

test('other paths: files go under the page\'s path, a trailing slash included', async () => {
  const app = docsApp({ docs: '/api/docs/', redoc: '/api/reference' });
  const page = (await app.inject('/api/docs/')).body;
  assert.match(page, /src="\/api\/docs\/swagger-ui-bundle.js"/);
  assert.equal((await app.inject('/api/docs/swagger-ui-bundle.js')).statusCode, 200);
  assert.equal((await initializerConfig(app, '/api/docs/swagger-initializer.js')).oauth2RedirectUrl, 'http://127.0.0.1:8123/api/docs/oauth2-redirect');
  assert.equal((await app.inject('/api/docs/oauth2-redirect')).statusCode, 200);
  assert.match((await app.inject('/api/reference')).body, /src="\/api\/reference\/redoc.standalone.js"/);
  assert.equal((await app.inject('/api/reference/redoc.standalone.js')).statusCode, 200);
});

test('every docs route is a hidden GET', () => {
  const routes = docsPageRoutes(DEFAULTS);
  assert.deepEqual(routes.map((r) => r.path).sort(), [
    '/docs',
    '/docs/favicon-32x32.png',
    '/docs/oauth2-redirect',
    '/docs/oauth2-redirect.js',
    '/docs/swagger-initializer.js',
    '/docs/swagger-ui-bundle.js',
    '/docs/swagger-ui.css',
    '/redoc',
    '/redoc/redoc.standalone.js',
  ]);
  for (const route of routes) {
    assert.equal(route.method, 'GET');
    assert.equal((route.options as { hidden?: boolean }).hidden, true, route.path);
  }
});

test('without the npm packages, a file request is a 500 whose logged error names the package to install', async () => {
  // A copy of the module outside any node_modules tree: there, neither package resolves.
  const root = await mkdtemp(join(tmpdir(), 'loopwise-docs-'));
  try {
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    await mkdir(join(root, 'src', 'openapi'), { recursive: true });
    await mkdir(join(root, 'src', 'responses'), { recursive: true });
    for (const file of ['openapi/docs-pages.ts', 'errors.ts', 'header-check.ts', 'optional-package.ts', 'responses/http-response.ts', 'route.ts']) await copyFile(join(src, file), join(root, 'src', file));
    // The one package those files import besides the docs UIs.
    await mkdir(join(root, 'node_modules'));
    await symlink(fileURLToPath(new URL('../../node_modules/encodeurl', import.meta.url)), join(root, 'node_modules', 'encodeurl'));
    const copy = (await import(pathToFileURL(join(root, 'src', 'openapi', 'docs-pages.ts')).href)) as typeof import('../../src/openapi/docs-pages.js');
    const routes = copy.docsPageRoutes(DEFAULTS);

    const bundle = routes.find((r) => r.path === '/docs/swagger-ui-bundle.js')!;
    const handler = bundle.handler as unknown as (context: { request: { headers: Record<string, string> } }) => Promise<unknown>;
    await assert.rejects(handler({ request: { headers: {} } }), (error: Error & { code?: string }) => {
      assert.equal(error.name, 'LoopwiseError');
      assert.equal(error.code, 'LW_ERR_DOCS_ASSET');
      assert.match(error.message, /swagger-ui-bundle\.js from the npm package "swagger-ui-dist"/);
      assert.match(error.message, /npm install swagger-ui-dist/);
      return true;
    });

    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const app = docsApp({}, routes, logger);
    const res = await app.inject('/redoc/redoc.standalone.js');
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { detail: 'Internal Server Error' }, 'the reason goes to the log, not the client');
    assert.match(lines.join('\n'), /npm install redoc/);
    const page = await app.inject('/redoc');
    assert.equal(page.statusCode, 200, 'the page itself still answers');
    assert.match(page.body, /ReDoc is not installed[\s\S]*npm install redoc/, 'and says what to install');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
