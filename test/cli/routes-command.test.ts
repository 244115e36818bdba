// `loopwise routes <app module>` as a user runs it: a separate process that loads the app and
// prints its route table (or --json rows), without serving it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { RouteRow } from '../../src/cli/routes-command.js';
import type { OpenApiDocument } from '../../src/index.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/loopwise.ts', import.meta.url));
const tutorial = fileURLToPath(new URL('../../examples/tutorial/app.ts', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/routes-app.ts', import.meta.url));
const listening = fileURLToPath(new URL('./fixtures/listening-app.ts', import.meta.url));
const loopwise = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args], { timeout: 30_000 });

const table = (...lines: string[]) => `${lines.join('\n')}\n`;

test('the tutorial app: its routes and the docs routes, sorted by path then method, in aligned columns', async () => {
  const { stdout, stderr } = await loopwise('routes', tutorial);
  assert.equal(stderr, '');
  assert.equal(
    stdout,
    table(
      'METHOD  PATH                   OFFLOAD  VALIDATES    RESPONSES      NAME             TAGS   NOTE',
      '------  ---------------------  -------  -----------  -------------  ---------------  -----  -----------------',
      'GET     /docs                  inline   -            200            -                       built-in: docs',
      'GET     /docs/oauth2-redirect  inline   -            200            -                       built-in: docs',
      'GET     /items                 inline   query        200, 422       getItems',
      'POST    /items                 inline   body (json)  201, 422       postItems        items',
      'GET     /items/:id             inline   params       200, 404, 422  getItemsById     items',
      'DELETE  /items/:id             inline   params       204, 422       deleteItemsById  items',
      'GET     /openapi.json          inline   -            200            -                       built-in: openapi',
      'GET     /redoc                 inline   -            200            -                       built-in: docs',
    ),
  );
});

const FIXTURE_TABLE = table(
  'METHOD  PATH                   OFFLOAD    VALIDATES            RESPONSES      NAME               TAGS   NOTE',
  '------  ---------------------  ---------  -------------------  -------------  -----------------  -----  -----------------',
  'GET     /                      inline     -                    200            getRoot',
  'GET     /admin/openapi.json    inline     -                    200            -                         built-in: openapi',
  'GET     /admin/stats           inline     headers              200, 422       getStats',
  'WS      /chat/:room            inline     query, message       101, 422       wsChatByRoom',
  'GET     /docs                  inline     -                    200            -                         built-in: docs',
  'GET     /docs/oauth2-redirect  inline     -                    200            -                         built-in: docs',
  'WS      /feed                  inline     headers              101, 422       wsFeed',
  'GET     /health                inline     -                    200            -                         built-in: health',
  'GET     /internal              inline     cookies              200, 422       getInternal               hidden',
  'POST    /items                 inline     body (json)          201, 422       postItems          items',
  'PUT     /items/:id             inline     params, body (form)  200, 404, 422  replaceItem        items',
  'GET     /keyed                 inline     -                    200, 401       getKeyed',
  '*       /legacy                inline     -                    ?              -                         mounted handler',
  'GET     /metrics               inline     -                    200            -                         built-in: metrics',
  'GET     /openapi.json          inline     -                    200            -                         built-in: openapi',
  'POST    /photos                inline     body (multipart)     200, 422       postPhotos',
  'GET     /ready                 inline     -                    200            -                         built-in: health',
  'GET     /redoc                 inline     -                    200            -                         built-in: docs',
  'GET     /report                offloaded  query                200, 422       getReport',
  'GET     /v1/users/:id          inline     params, headers      200, 422       getV1UsersById     users',
  'DELETE  /v1/users/:id          offloaded  -                    204, 401       deleteV1UsersById  users',
);

test('every kind of route: offload, body content types, statuses, hidden, router prefix, dependency parts (HTTP and WS), a security scheme, health, metrics, WS, mounts', async () => {
  const { stdout } = await loopwise('routes', fixture);
  assert.equal(stdout, FIXTURE_TABLE);
});

const row = (fields: Partial<RouteRow> & Pick<RouteRow, 'method' | 'path' | 'kind'>): RouteRow => ({
  name: null,
  offload: 'inline',
  validates: [],
  bodyTypes: [],
  responses: ['200'],
  tags: [],
  documented: false,
  ...fields,
});
const FORM = 'application/x-www-form-urlencoded';

const FIXTURE_ROWS: RouteRow[] = [
  row({ method: 'GET', path: '/', kind: 'route', name: 'getRoot', documented: true }),
  row({ method: 'GET', path: '/admin/openapi.json', kind: 'openapi' }),
  row({ method: 'GET', path: '/admin/stats', kind: 'route', name: 'getStats', validates: ['headers'], responses: ['200', '422'], documented: true }),
  row({ method: 'WS', path: '/chat/:room', kind: 'websocket', name: 'wsChatByRoom', validates: ['query', 'message'], responses: ['101', '422'] }),
  row({ method: 'GET', path: '/docs', kind: 'docs' }),
  row({ method: 'GET', path: '/docs/oauth2-redirect', kind: 'docs' }),
  row({ method: 'WS', path: '/feed', kind: 'websocket', name: 'wsFeed', validates: ['headers'], responses: ['101', '422'] }),
  row({ method: 'GET', path: '/health', kind: 'health' }),
  row({ method: 'GET', path: '/internal', kind: 'route', name: 'getInternal', validates: ['cookies'], responses: ['200', '422'] }),
  row({
    method: 'POST', path: '/items', kind: 'route', name: 'postItems', validates: ['body'], bodyTypes: ['application/json'],
    responses: ['201', '422'], tags: ['items'], documented: true,
  }),
  row({
    method: 'PUT', path: '/items/:id', kind: 'route', name: 'replaceItem', validates: ['params', 'body'], bodyTypes: [FORM],
    responses: ['200', '404', '422'], tags: ['items'], documented: true,
  }),
  row({ method: 'GET', path: '/keyed', kind: 'route', name: 'getKeyed', responses: ['200', '401'], documented: true }),
  row({ method: '*', path: '/legacy', kind: 'mount', responses: null }),
  row({ method: 'GET', path: '/metrics', kind: 'metrics' }),
  row({ method: 'GET', path: '/openapi.json', kind: 'openapi' }),
  row({ method: 'POST', path: '/photos', kind: 'route', name: 'postPhotos', validates: ['body'], bodyTypes: ['multipart/form-data'], responses: ['200', '422'], documented: true }),
  row({ method: 'GET', path: '/ready', kind: 'health' }),
  row({ method: 'GET', path: '/redoc', kind: 'docs' }),
  row({ method: 'GET', path: '/report', kind: 'route', name: 'getReport', offload: 'offloaded', validates: ['query'], responses: ['200', '422'], documented: true }),
  row({ method: 'GET', path: '/v1/users/:id', kind: 'route', name: 'getV1UsersById', validates: ['params', 'headers'], responses: ['200', '422'], tags: ['users'], documented: true }),
  row({ method: 'DELETE', path: '/v1/users/:id', kind: 'route', name: 'deleteV1UsersById', offload: 'offloaded', responses: ['204', '401'], tags: ['users'], documented: true }),
];

test('--json prints the same rows as objects; --all adds the files the docs pages load', async () => {
  const { stdout } = await loopwise('routes', fixture, '--json');
  assert.deepEqual(JSON.parse(stdout), FIXTURE_ROWS);

  const all = JSON.parse((await loopwise('routes', fixture, '--json', '--all')).stdout) as RouteRow[];
  const assets = all.filter((r) => r.kind === 'docs-asset');
  assert.deepEqual(
    assets.map((r) => `${r.method} ${r.path}`),
    [
      'GET /docs/favicon-32x32.png',
      'GET /docs/oauth2-redirect.js',
      'GET /docs/swagger-initializer.js',
      'GET /docs/swagger-ui-bundle.js',
      'GET /docs/swagger-ui.css',
      'GET /redoc/redoc.standalone.js',
    ],
  );
  assert.deepEqual(all.filter((r) => r.kind !== 'docs-asset'), FIXTURE_ROWS);
});

test('loopwise openapi documents exactly the rows routes marks as documented, with the same operationIds and statuses', async () => {
  const document = JSON.parse((await loopwise('openapi', fixture)).stdout) as OpenApiDocument;
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, { operationId: string; responses: Record<string, unknown> }>).map(([method, operation]) => ({
      route: `${method.toUpperCase()} ${path}`,
      operationId: operation.operationId,
      responses: Object.keys(operation.responses),
    })),
  );
  assert.deepEqual(operations, [
    { route: 'GET /', operationId: 'getRoot', responses: ['200'] },
    { route: 'GET /report', operationId: 'getReport', responses: ['200', '422'] },
    { route: 'POST /items', operationId: 'postItems', responses: ['201', '422'] },
    { route: 'PUT /items/{id}', operationId: 'replaceItem', responses: ['200', '404', '422'] },
    { route: 'POST /photos', operationId: 'postPhotos', responses: ['200', '422'] },
    { route: 'GET /keyed', operationId: 'getKeyed', responses: ['200', '401'] },
    { route: 'GET /v1/users/{id}', operationId: 'getV1UsersById', responses: ['200', '422'] },
    { route: 'DELETE /v1/users/{id}', operationId: 'deleteV1UsersById', responses: ['204', '401'] },
  ]);
  // The mounted app's route is documented in its own document, not this one.
  const documented = FIXTURE_ROWS.filter((r) => r.documented && !r.path.startsWith('/admin/'));
  assert.deepEqual(
    documented.map((r) => ({ name: r.name, responses: r.responses })).sort((a, b) => a.name!.localeCompare(b.name!)),
    operations.map((o) => ({ name: o.operationId, responses: o.responses })).sort((a, b) => a.name.localeCompare(b.name)),
  );
  assert.deepEqual(document.paths['/v1/users/{id}']!.get!.parameters!.map((p) => `${p.in}:${p.name}`), ['path:id', 'header:x-tenant']);
  assert.deepEqual(Object.keys(document.paths['/items/{id}']!.put!.requestBody!.content), [FORM]);
});

test('a module that starts its own server at import is listed, then closed, so the command exits', async () => {
  const { stdout } = await loopwise('routes', listening, '--json');
  const rows = JSON.parse(stdout) as RouteRow[];
  assert.deepEqual(rows.map((r) => `${r.method} ${r.path} ${r.kind}`), ['GET /ping route']);
});

test('usage errors exit 2; the command list names routes and new', async () => {
  await assert.rejects(loopwise('routes'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /^Usage: loopwise routes <app module> \[options\]/);
    return true;
  });
  await assert.rejects(loopwise('routes', 'no/such/app.ts'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /loopwise routes: LW_ERR_INVALID_OPTION: no such app module: .*no\/such\/app\.ts/);
    return true;
  });
  const help = await loopwise('--help');
  assert.match(help.stderr, /\n {2}new {7}create a new project/);
  assert.match(help.stderr, /\n {2}routes {4}print the app's route table\n/);
});
