import { isOffloaded } from '../queue/bullmq-config.js';
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import type { BuiltInRoute } from '../builtin-routes.js';
import { buildOpenApiDocument } from '../openapi/document.js';
import { defaultOperationId } from '../openapi/operation-names.js';
import { toPathTemplate } from '../openapi/path-template.js';
import type { OpenApiDocument, OperationObject } from '../openapi/types.js';
import type { RouteDefinition } from '../route.js';
import { HTTP_METHODS } from '../http-types.js';
import { DEFAULT_CONSUMES } from '../pipeline/parse-body.js';
import type { WebSocketRouteDefinition } from '../ws/ws-route.js';
import { loadApp } from './load-app.js';
import { loadOnRuntime } from './run-under.js';

export const ROUTES_HELP = `Usage: loopwise routes <app module> [options]

Prints the app's route table without serving it: one row per route, sorted by path then method,
with how it runs (inline, or offloaded to a worker thread or a queue), what it validates (path params, query,
headers, cookies, the body and the content types it is read from), the statuses it declares (and
422 when it validates input, 401 when it is secured, as the OpenAPI document says), its operationId
and tags. Built-in routes (/openapi.json, /docs, /redoc, /health, /ready, /metrics), routes hidden
from the OpenAPI document, WebSocket routes (WS) and mounted apps are listed too.

  --json    print the rows as a JSON array instead of a table
  --all     also list the files the docs pages load (scripts, styles, icon)
  --runtime bun|node
            load the app on this runtime (default: the one running this command), e.g. for an
            app that imports Bun's own modules (bun:sqlite)
  --help    this text`;

/** One row of `loopwise routes`, as `--json` prints it. */
export interface RouteRow {
  /** GET, POST…, WS for a WebSocket route, * for a mounted (req, res) handler. */
  method: string;
  path: string;
  /** Where it comes from: the app's own route, one the app adds itself, a WebSocket route, a mounted handler. */
  kind: 'route' | 'websocket' | 'mount' | BuiltInRoute['kind'];
  /** The operationId (the one in the OpenAPI document when the route is in it); null for built-in routes and mounted handlers. */
  name: string | null;
  offload: 'inline' | 'offloaded';
  /** The parts checked against a schema: params, query, headers, cookies, body (message: a WebSocket's JSON messages). */
  validates: string[];
  /** The content types a validated body is read from; [] without a body. */
  bodyTypes: string[];
  /** The statuses it declares, as in the OpenAPI document; null when unknown (a mounted handler). */
  responses: string[] | null;
  tags: string[];
  /** Whether the route is in its app's OpenAPI document (hidden and built-in routes are not). */
  documented: boolean;
}

/** `loopwise routes …`: returns the process exit code. */
export async function routesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      runtime: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    (values.help ? console.log : console.error)(ROUTES_HELP);
    return values.help ? 0 : 2;
  }
  const elsewhere = loadOnRuntime(values.runtime, 'routes', ROUTES_HELP);
  if (elsewhere !== null) return elsewhere;
  const app = await loadApp(positionals[0]!);
  const rows = routeRows(app, { all: values.all });
  process.stdout.write(values.json ? `${JSON.stringify(rows, null, 2)}\n` : formatRoutes(rows));
  // A module that starts its own server at import would keep this process alive.
  if (app.listening) await app.close();
  return 0;
}

// Without `consumes` a body is read as JSON only (src/pipeline/parse-body.ts).
const DEFAULT_BODY_TYPES = DEFAULT_CONSUMES;
const PARTS = ['params', 'query', 'headers', 'cookies'] as const;
const METHOD_ORDER: readonly string[] = [...HTTP_METHODS, 'WS', '*'];

/** Every route the app serves, its mounted apps' included, sorted by path then method. */
export function routeRows(app: App<boolean>, options: { all?: boolean } = {}): RouteRow[] {
  const rows = collect(app, '', options.all === true);
  return rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method)));
}

function collect(app: App<boolean>, prefix: string, all: boolean): RouteRow[] {
  const served = app.servedRoutes();
  const document = app.openapi();
  const rows = served.routes.map((route) => httpRow(route, 'route', prefix, document));
  for (const { kind, route } of served.builtIn) if (all || kind !== 'docs-asset') rows.push(httpRow(route, kind, prefix, null));
  for (const route of served.websockets) rows.push(webSocketRow(route, prefix));
  for (const mount of served.mounts) {
    if (mount.app !== null) rows.push(...collect(mount.app, prefix + mount.prefix, all));
    else {
      rows.push({ method: '*', path: prefix + mount.prefix, kind: 'mount', name: null, offload: 'inline', validates: [], bodyTypes: [], responses: null, tags: [], documented: false });
    }
  }
  return rows;
}

function httpRow(route: RouteDefinition, kind: RouteRow['kind'], prefix: string, document: OpenApiDocument | null): RouteRow {
  const { options } = route;
  const documented = document === null ? undefined : operationIn(document, route);
  // A route the document leaves out gets the operation the builder would make for it alone.
  const operation = documented ?? operationAlone(route);
  const validates: string[] = PARTS.filter((part) => options[part] !== undefined);
  if (options.body !== undefined) validates.push('body');
  return {
    method: route.method,
    path: prefix + route.path,
    kind,
    name: kind !== 'route' ? null : (operation?.operationId ?? options.operationId ?? defaultOperationId(route.method, route.path)),
    offload: isOffloaded(options.offload) ? 'offloaded' : 'inline',
    validates,
    bodyTypes: options.body === undefined ? [] : [...(options.consumes ?? DEFAULT_BODY_TYPES)],
    responses: operation === null ? null : Object.keys(operation.responses),
    tags: operation?.tags ?? options.tags ?? [],
    documented: documented !== undefined,
  };
}

function operationIn(document: OpenApiDocument, route: RouteDefinition): OperationObject | undefined {
  const item = document.paths[toPathTemplate(route.path).template] as Record<string, OperationObject | undefined> | undefined;
  return item?.[route.method.toLowerCase()];
}

/** The builder's operation for one route, as if it were not hidden; null if the builder rejects it. */
function operationAlone(route: RouteDefinition): OperationObject | null {
  try {
    const document = buildOpenApiDocument([{ ...route, options: { ...route.options, hidden: false } }], { info: { title: '', version: '' } });
    return operationIn(document, route) ?? null;
  } catch {
    return null;
  }
}

/** A WebSocket handshake answers 101, or 422 when its params, query, headers or cookies fail their schemas. */
function webSocketRow(route: WebSocketRouteDefinition, prefix: string): RouteRow {
  const { options } = route;
  const handshake: string[] = PARTS.filter((part) => options[part] !== undefined);
  const message = typeof options.message === 'object' ? ['message'] : [];
  return {
    method: 'WS',
    path: prefix + route.path,
    kind: 'websocket',
    name: defaultOperationId('ws', route.path),
    offload: 'inline',
    validates: [...handshake, ...message],
    bodyTypes: [],
    responses: handshake.length > 0 ? ['101', '422'] : ['101'],
    tags: options.tags ?? [],
    documented: false,
  };
}

const HEADER = ['METHOD', 'PATH', 'OFFLOAD', 'VALIDATES', 'RESPONSES', 'NAME', 'TAGS', 'NOTE'];

const SHORT_TYPES: Record<string, string> = {
  'application/json': 'json',
  'application/x-www-form-urlencoded': 'form',
  'text/plain': 'text',
  'multipart/form-data': 'multipart',
};

/** The rows as aligned plain-text columns. */
export function formatRoutes(rows: RouteRow[]): string {
  const cells = rows.map((row) => [
    row.method,
    row.path,
    row.offload,
    validation(row),
    row.responses === null ? '?' : row.responses.join(', '),
    row.name ?? '-',
    row.tags.join(', '),
    note(row),
  ]);
  const widths = HEADER.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(HEADER), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n')}\n`;
}

function validation(row: RouteRow): string {
  if (row.validates.length === 0) return '-';
  const types = row.bodyTypes.map((type) => SHORT_TYPES[type] ?? type).join(', ');
  return row.validates.map((part) => (part === 'body' ? `body (${types})` : part)).join(', ');
}

function note(row: RouteRow): string {
  if (row.kind === 'mount') return 'mounted handler';
  if (row.kind === 'route') return row.documented ? '' : 'hidden';
  if (row.kind === 'websocket') return '';
  return `built-in: ${row.kind}`;
}
