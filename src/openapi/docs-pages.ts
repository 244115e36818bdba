// Swagger UI and ReDoc, served from the installed npm packages: no CDN, no web fonts, nothing
// fetched from outside the server, and no inline script, so a strict script-src CSP allows them.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LoopwiseError, type LoopwiseErrorCode } from '../errors.js';
import { HttpResponse, html } from '../responses/http-response.js';
import type { RouteDefinition, RouteOptions } from '../route.js';
import { isInstalled } from '../optional-package.js';

export interface DocsPagesSettings {
  /** The app's title, shown in <title>. */
  title: string;
  /** Absolute path the pages fetch the OpenAPI document from, e.g. '/openapi.json'. */
  openapiUrl: string;
  /** Swagger UI's path, e.g. '/docs'; false for none. */
  docs: string | false;
  /** ReDoc's path, e.g. '/redoc'; false for none. */
  redoc: string | false;
  /** Extra SwaggerUIBundle parameters merged over the defaults (FastAPI's swagger_ui_parameters). */
  swaggerUi: Record<string, unknown>;
  /**
   * The path the app is served under for this request (a proxy's prefix, a mount's): the pages'
   * links and the document's URL start with it, as FastAPI's do with root_path. '' for none.
   */
  rootPath?: (request: IncomingMessage) => string;
}

// The docs pages are not operations of the API: they stay out of the OpenAPI document.
const HIDDEN: RouteOptions = { hidden: true };

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
const PNG = 'image/png';

interface Asset {
  body: Buffer;
  etag: string;
  type: string;
}

type AssetHandler = (context: { request: IncomingMessage }) => Promise<HttpResponse> | HttpResponse;

/** GET routes for Swagger UI (at `docs`) and ReDoc (at `redoc`) with the files they load. */
export function docsPageRoutes(settings: DocsPagesSettings): RouteDefinition[] {
  const routes: RouteDefinition[] = [];
  const get = (path: string, handler: AssetHandler | (() => HttpResponse)): void => {
    routes.push({ method: 'GET', path, options: HIDDEN, handler });
  };

  const rootPath = settings.rootPath ?? (() => '');
  if (settings.docs !== false) {
    const base = withoutTrailingSlash(settings.docs);
    const page = perRootPath((root) => swaggerUiHtml(settings.title, root + base));
    const initializer = perRootPath((root) => generatedAsset(swaggerInitializer(settings, root, base), JS));
    get(settings.docs, ({ request }) => (isInstalled('swagger-ui-dist') ? html(page(rootPath(request))) : html(missingPage(settings, rootPath(request), 'Swagger UI', 'swagger-ui-dist'))));
    get(`${base}/swagger-initializer.js`, ({ request }) => answer(initializer(rootPath(request)), request));
    get(`${base}/swagger-ui-bundle.js`, packaged('swagger-ui-dist', 'swagger-ui-bundle.js', JS));
    get(`${base}/swagger-ui.css`, packaged('swagger-ui-dist', 'swagger-ui.css', CSS));
    get(`${base}/favicon-32x32.png`, packaged('swagger-ui-dist', 'favicon-32x32.png', PNG));
    // The OAuth2 flows come back here; the page loads "oauth2-redirect.js" relative to itself.
    get(`${base}/oauth2-redirect`, packaged('swagger-ui-dist', 'oauth2-redirect.html', HTML));
    get(`${base}/oauth2-redirect.js`, packaged('swagger-ui-dist', 'oauth2-redirect.js', JS));
  }

  if (settings.redoc !== false) {
    const base = withoutTrailingSlash(settings.redoc);
    const page = perRootPath((root) => redocHtml(settings.title, root + settings.openapiUrl, root + base));
    get(settings.redoc, ({ request }) => (isInstalled('redoc') ? html(page(rootPath(request))) : html(missingPage(settings, rootPath(request), 'ReDoc', 'redoc'))));
    get(`${base}/redoc.standalone.js`, packaged('redoc', 'bundles/redoc.standalone.js', JS, withoutRedocLogo));
  }
  return routes;
}

/** What /docs or /redoc shows while its optional package is not installed: what to install, and where the document is. */
function missingPage({ title, openapiUrl: path }: DocsPagesSettings, root: string, ui: string, pkg: string): string {
  const openapiUrl = root + path;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} - ${ui} is not installed</title>
</head>
<body>
<h1>${ui} is not installed</h1>
<p>This page shows the API's documentation with ${ui}, which comes from the npm package <code>${pkg}</code>.
It is optional, and not installed here. Install it and reload this page (on Node no restart is needed; on Bun, restart the server):</p>
<pre>npm install ${pkg}</pre>
<p>The OpenAPI document itself is served at <a href="${escapeHtml(openapiUrl)}"><code>${escapeHtml(openapiUrl)}</code></a>. To turn this page off, pass
<code>openapi: { ${ui === 'ReDoc' ? 'redoc' : 'docs'}: false }</code> to the App.</p>
</body>
</html>
`;
}

function swaggerUiHtml(title: string, base: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - Swagger UI</title>
<link rel="stylesheet" type="text/css" href="${escapeHtml(base)}/swagger-ui.css">
<link rel="icon" type="image/png" href="${escapeHtml(base)}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${escapeHtml(base)}/swagger-ui-bundle.js" charset="utf-8"></script>
<script src="${escapeHtml(base)}/swagger-initializer.js" charset="utf-8"></script>
</body>
</html>
`;
}

/** The script that starts Swagger UI: a file of its own, so the page needs no inline script. */
function swaggerInitializer(settings: DocsPagesSettings, root: string, base: string): string {
  const defaults = {
    url: root + settings.openapiUrl,
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // A layout with the validator badge would otherwise make the browser ask validator.swagger.io.
    validatorUrl: null,
  };
  // Settings are data: JSON, never code. The redirect URL must be absolute, so the browser builds it.
  // (FastAPI also lists SwaggerUIBundle.SwaggerUIStandalonePreset, which the bundle does not define.)
  return `'use strict';
window.ui = SwaggerUIBundle(Object.assign(
  ${JSON.stringify(defaults)},
  {
    oauth2RedirectUrl: window.location.origin + ${JSON.stringify(`${root}${base}/oauth2-redirect`)},
    presets: [SwaggerUIBundle.presets.apis],
  },
  ${JSON.stringify(settings.swaggerUi)}
));
`;
}

function redocHtml(title: string, openapiUrl: string, base: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - ReDoc</title>
</head>
<body>
<noscript>ReDoc needs JavaScript to show this documentation.</noscript>
<redoc spec-url="${escapeHtml(openapiUrl)}"></redoc>
<script src="${escapeHtml(base)}/redoc.standalone.js" charset="utf-8"></script>
</body>
</html>
`;
}

// ReDoc's side menu shows Redocly's logo from cdn.redoc.ly, and no option turns it off. An image
// that cannot load makes ReDoc drop it (its onError hides the logo); the "API docs by Redocly" link stays.
const REDOC_LOGO = '"https://cdn.redoc.ly/redoc/logo-mini.svg"';
function withoutRedocLogo(bundle: Buffer): Buffer {
  const text = bundle.toString('utf8');
  return text.includes(REDOC_LOGO) ? Buffer.from(text.replaceAll(REDOC_LOGO, '"data:,"')) : bundle;
}

/** A file made here: hashed once, tiny. */
function generatedAsset(text: string, type: string): Asset {
  const body = Buffer.from(text);
  return { body, etag: etagOf(body), type };
}

/**
 * What a page is for each root path, made once per root path: one for an app with none; a few
 * behind proxies. The root can come from a trusted proxy's header, so the kept ones are bounded
 * and past that each request makes its own.
 */
function perRootPath<T>(make: (root: string) => T): (root: string) => T {
  const kept = new Map<string, T>();
  return (root) => {
    let made = kept.get(root);
    if (made === undefined) {
      made = make(root);
      if (kept.size < 16) kept.set(root, made);
    }
    return made;
  };
}

// Shared by every App in the process: the bytes are the same. Only successes are kept, so a
// package installed after a failed request is picked up by the next one.
const loaded = new Map<string, Promise<Asset>>();

/** A file of an npm package, read asynchronously on first request (a sync read of 1-2 MB would block the loop). */
function packaged(pkg: string, file: string, type: string, patch?: (body: Buffer) => Buffer): AssetHandler {
  const key = `${pkg}/${file}`;
  return async ({ request }) => {
    let loading = loaded.get(key);
    if (loading === undefined) {
      loading = load(pkg, file, type, patch);
      loaded.set(key, loading);
      loading.catch(() => loaded.delete(key));
    }
    return answer(await loading, request);
  };
}

async function load(pkg: string, file: string, type: string, patch = (body: Buffer) => body): Promise<Asset> {
  let body: Buffer;
  try {
    // Resolved per load, not at import: a missing package fails its request, not the app's startup.
    const root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    body = await readFile(join(root, file));
  } catch (error) {
    throw new LoopwiseError(
      'LW_ERR_DOCS_ASSET',
      `the docs pages need ${file} from the npm package "${pkg}", which could not be read (${(error as Error).message}). Install it: npm install ${pkg}`,
      { cause: error },
    );
  }
  body = patch(body);
  return { body, etag: etagOf(body), type };
}

/**
 * `no-cache` with a strong ETag: browsers revalidate each time and get a bodiless 304 while the
 * file is unchanged, and never keep a stale bundle after loopwise (or the package) is upgraded.
 */
function answer(asset: Asset, request: IncomingMessage): HttpResponse {
  const headers = { etag: asset.etag, 'cache-control': 'no-cache' };
  if (matches(request.headers['if-none-match'], asset.etag)) return new HttpResponse(null, { status: 304, headers });
  return new HttpResponse(asset.body, { headers: { ...headers, 'content-type': asset.type, 'x-content-type-options': 'nosniff' } });
}

/** If-None-Match compares weakly (RFC 9110 13.1.2): a list of tags, W/ prefixes, or "*". */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || (trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === etag;
  });
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** '/docs/' and '/docs' put their files under '/docs/'; '/' puts them at the root. */
function withoutTrailingSlash(path: string): string {
  return path.replace(/\/+$/, '');
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
