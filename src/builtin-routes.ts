import { HTTPException } from './errors.js';
import type { AppMetrics } from './metrics/app-metrics.js';
import { buildOpenApiDocument } from './openapi/document.js';
import { docsPageRoutes } from './openapi/docs-pages.js';
import type { OpenApiSettings } from './openapi/openapi-options.js';
import type { OpenApiDocument } from './openapi/types.js';
import { HttpResponse, text } from './responses/http-response.js';
import type { RouteDefinition } from './route.js';
import { rootPathOf } from './proxy/forwarded.js';
import { withRootPathServer } from './proxy/root-path-servers.js';

/** @internal A route the app adds itself, and what for; `docs-asset` is a file a docs page loads. */
export interface BuiltInRoute {
  kind: 'health' | 'metrics' | 'openapi' | 'docs' | 'docs-asset';
  route: RouteDefinition;
}

/** What the built-in routes answer from: the App's settings, and two questions asked per request. */
export interface BuiltInSources {
  title: string;
  health: boolean;
  metrics: AppMetrics | null;
  openApi: OpenApiSettings;
  /** Why the app does not want traffic now ('shutting down', 'shedding load'), or null when it does. */
  notReadyReason: () => string | null;
  /** The document ready() built; read on the first request for it, after users could change it. */
  document: () => OpenApiDocument | null;
}

/** Health checks, `/metrics`, `/openapi.json` and the docs pages, as the App's options ask. */
export function builtInRoutes(sources: BuiltInSources): BuiltInRoute[] {
  const builtIn: BuiltInRoute[] = [];
  if (sources.health) for (const route of healthRoutes(sources.notReadyReason)) builtIn.push({ kind: 'health', route });
  if (sources.metrics !== null) builtIn.push({ kind: 'metrics', route: metricsRoute(sources.metrics) });
  const { path, docs, redoc, swaggerUi } = sources.openApi;
  if (path === false) return builtIn;
  // Serialized on first request, after users had their chance to change the object; once per
  // root path (a proxy's or a mount's prefix), which FastAPI puts first in `servers`.
  const bodies = new Map<string, string>();
  const serve = ({ request }: { request: Parameters<typeof rootPathOf>[0] }) => {
    const root = rootPathOf(request);
    let body = bodies.get(root);
    if (body === undefined) {
      const document = sources.document();
      body = JSON.stringify(root === '' || document === null ? document : withRootPathServer(document, root, sources.openApi.servers !== undefined));
      // A trusted proxy's header can name many prefixes: keep a few, make the others per request.
      if (bodies.size < 16) bodies.set(root, body);
    }
    return new HttpResponse(body, { headers: { 'content-type': 'application/json; charset=utf-8' } });
  };
  builtIn.push({ kind: 'openapi', route: { method: 'GET', path, options: { hidden: true }, handler: serve } });
  for (const route of docsPageRoutes({ title: sources.title, openapiUrl: path, docs, redoc, swaggerUi, rootPath: rootPathOf })) {
    // The pages, and the scripts, styles and icon they load.
    const asset = route.path !== docs && route.path !== redoc && /\.[a-z0-9]+$/i.test(route.path);
    builtIn.push({ kind: asset ? 'docs-asset' : 'docs', route });
  }
  return builtIn;
}

function metricsRoute(metrics: AppMetrics): RouteDefinition {
  const handler = async () => {
    const { contentType, body } = await metrics.render();
    return text(body, { headers: { 'content-type': contentType } });
  };
  return { method: 'GET', path: '/metrics', options: {}, handler };
}

/** Liveness says the process answers; readiness also says it wants traffic now. */
function healthRoutes(notReadyReason: () => string | null): RouteDefinition[] {
  const ready = (): unknown => {
    const reason = notReadyReason();
    if (reason !== null) throw new HTTPException(503, `Service Unavailable: not ready (${reason})`, { 'retry-after': '1' });
    return { status: 'ready' };
  };
  return [
    { method: 'GET', path: '/health', options: {}, handler: () => ({ status: 'ok' }) },
    { method: 'GET', path: '/ready', options: {}, handler: ready },
  ];
}

/** The app's OpenAPI document from these routes: its title, version and description, then the `openapi` option's info, servers and tags. */
export function appDocument(routes: RouteDefinition[], app: { title: string; version: string; description: string | undefined }, openApi: OpenApiSettings): OpenApiDocument {
  const { title, version, description } = app;
  return buildOpenApiDocument(routes, {
    info: { title, version, ...(description !== undefined ? { description } : {}), ...openApi.info },
    servers: openApi.servers,
    tags: openApi.tags,
  });
}
