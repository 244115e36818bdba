// The security helpers in the OpenAPI document: each scheme once in components.securitySchemes,
// with the object FastAPI writes; every operation that resolves a helper — directly, through
// another dependency, through `dependencies` of the route, a Router, an include() or the App — lists
// it, all of a route's schemes in ONE requirement object (all must pass); the others say
// `security: []`. Conflicting names fail with LW_ERR_OPENAPI. The whole document lints clean.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LoopwiseError, Router, dependency, apiKeyCookie, apiKeyHeader, apiKeyQuery, httpBasic, httpBearer, oauth2PasswordBearer, type OpenApiDocument } from '../../src/index.js';
import { app as everyScheme } from './fixtures/every-scheme.js';
import { redoclyLint, type LintProblem } from '../support/redocly-lint.js';


type Operation = { security?: Record<string, string[]>[]; parameters?: { name: string; in: string }[] };
function operation(document: OpenApiDocument, method: string, path: string): Operation {
  const item = (document.paths as Record<string, Record<string, Operation>>)[path];
  assert.ok(item?.[method] !== undefined, `${method.toUpperCase()} ${path} is in the document`);
  return item[method]!;
}
const schemesOf = (document: OpenApiDocument): Record<string, unknown> | undefined =>
  (document.components as { securitySchemes?: Record<string, unknown> } | undefined)?.securitySchemes;

describe('components.securitySchemes', () => {
  const document = everyScheme.openapi();

  test('each scheme the routes use appears once, with the object FastAPI writes', () => {
    assert.deepEqual(schemesOf(document), {
      APIKeyCookie: { type: 'apiKey', in: 'cookie', name: 'session' },
      APIKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Your key, from the dashboard.' },
      APIKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
      AdminToken: { type: 'http', scheme: 'bearer' },
      HTTPBasic: { type: 'http', scheme: 'basic' },
      HTTPBearer: { type: 'http', scheme: 'bearer', description: 'A JWT from /token.', bearerFormat: 'JWT' },
      OAuth2PasswordBearer: {
        type: 'oauth2',
        flows: { password: { tokenUrl: '/token', scopes: { 'items:read': 'Read items.', 'items:write': 'Change items.' } } },
      },
    });
  });

  test('a scheme only a hidden route uses is not documented', () => {
    assert.equal(schemesOf(document)?.InternalKey, undefined);
    assert.equal((document.paths as Record<string, unknown>)['/internal'], undefined);
  });

  test('an app without security helpers has no securitySchemes, and every operation says security: []', () => {
    const plain = new App({ logger: false });
    plain.get('/a', () => 1);
    plain.get('/b', { deps: { x: dependency(() => 1) } }, () => 1);
    const doc = plain.openapi();
    assert.equal(schemesOf(doc), undefined);
    assert.deepEqual(operation(doc, 'get', '/a').security, []);
    assert.deepEqual(operation(doc, 'get', '/b').security, []);
  });

  test('an API key is not also documented as a query, header or cookie parameter', () => {
    for (const path of ['/keys/header', '/keys/query', '/keys/cookie']) assert.equal(operation(document, 'get', path).parameters, undefined, path);
  });
});

describe('operations\' security', () => {
  const document = everyScheme.openapi();
  const cases: [string, string, Record<string, string[]>[]][] = [
    ['post', '/token', []],
    ['get', '/public', []],
    ['get', '/bearer', [{ HTTPBearer: [] }]],
    ['get', '/basic', [{ HTTPBasic: [] }]],
    ['get', '/keys/header', [{ APIKeyHeader: [] }]],
    ['get', '/keys/query', [{ APIKeyQuery: [] }]],
    // In the route's `dependencies`, not `deps`.
    ['get', '/keys/cookie', [{ APIKeyCookie: [] }]],
    // Through the user's own dependency (currentUser → oauth2).
    ['get', '/users/me', [{ OAuth2PasswordBearer: [] }]],
    // Renamed with schemeName.
    ['get', '/admin/stats', [{ AdminToken: [] }]],
    // Two schemes: one requirement object naming both (AND), not two requirements (OR).
    ['get', '/both', [{ HTTPBearer: [], APIKeyHeader: [] }]],
    // A Router's dependencies (the key), its include()'s (basic) and the route's own (oauth2, indirectly).
    ['get', '/reports/', [{ HTTPBasic: [], APIKeyHeader: [] }]],
    ['get', '/reports/daily', [{ OAuth2PasswordBearer: [], HTTPBasic: [], APIKeyHeader: [] }]],
  ];
  for (const [method, path, expected] of cases) {
    test(`${method.toUpperCase()} ${path} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(operation(document, method, path).security, expected);
    });
  }

  test('every scheme an operation names is defined in components.securitySchemes', () => {
    const defined = new Set(Object.keys(schemesOf(document) ?? {}));
    for (const item of Object.values(document.paths as Record<string, Record<string, Operation>>)) {
      for (const op of Object.values(item)) for (const requirement of op.security ?? []) for (const name of Object.keys(requirement)) assert.ok(defined.has(name), name);
    }
  });

  test('the App\'s own dependencies put their scheme on every route, but not on /openapi.json or /docs', async () => {
    const app = new App({ logger: false, dependencies: [apiKeyHeader({ name: 'X-Tenant', schemeName: 'Tenant' })] });
    const admin = new Router({ prefix: '/admin', dependencies: [httpBearer()] });
    admin.get('/users', () => []);
    app.include(admin);
    app.get('/items', () => []);
    const doc = app.openapi();
    assert.deepEqual(operation(doc, 'get', '/items').security, [{ Tenant: [] }]);
    assert.deepEqual(operation(doc, 'get', '/admin/users').security, [{ Tenant: [], HTTPBearer: [] }]);
    assert.deepEqual(Object.keys(schemesOf(doc) ?? {}), ['HTTPBearer', 'Tenant']);
    // The docs stay readable without credentials (FastAPI's app-level dependencies do not guard them either).
    assert.equal((await app.inject('/openapi.json')).statusCode, 200);
    assert.equal((await app.inject('/docs')).statusCode, 200);
    assert.equal((await app.inject('/items')).statusCode, 401);
    await app.close();
  });

  test('the same helper used by many routes, or made twice with the same settings, is one scheme', () => {
    const app = new App({ logger: false });
    app.get('/a', { deps: { t: httpBearer() } }, () => 1);
    app.get('/b', { deps: { t: httpBearer() } }, () => 1);
    const shared = oauth2PasswordBearer({ tokenUrl: '/token' });
    app.get('/c', { deps: { t: shared } }, () => 1);
    app.get('/d', { deps: { a: shared, b: dependency({ deps: { t: shared } }, () => 1) } }, () => 1);
    const doc = app.openapi();
    assert.deepEqual(Object.keys(schemesOf(doc) ?? {}), ['HTTPBearer', 'OAuth2PasswordBearer']);
    assert.deepEqual(operation(doc, 'get', '/d').security, [{ OAuth2PasswordBearer: [] }]);
  });

  test('schemeName renames the scheme in components and in security; defaults name each kind', () => {
    const app = new App({ logger: false });
    app.get('/a', { deps: { t: httpBearer({ schemeName: 'JWT' }), b: httpBasic({ schemeName: 'Staff' }) } }, () => 1);
    app.get('/b', { deps: { h: apiKeyHeader({ name: 'k', schemeName: 'H' }), q: apiKeyQuery({ name: 'k', schemeName: 'Q' }), c: apiKeyCookie({ name: 'k', schemeName: 'C' }) } }, () => 1);
    app.get('/c', { deps: { o: oauth2PasswordBearer({ tokenUrl: '/t', schemeName: 'Login' }) } }, () => 1);
    const doc = app.openapi();
    assert.deepEqual(Object.keys(schemesOf(doc) ?? {}), ['C', 'H', 'JWT', 'Login', 'Q', 'Staff']);
    assert.deepEqual(operation(doc, 'get', '/a').security, [{ JWT: [], Staff: [] }]);
    assert.deepEqual(operation(doc, 'get', '/b').security, [{ H: [], Q: [], C: [] }]);
    assert.deepEqual(operation(doc, 'get', '/c').security, [{ Login: [] }]);
  });
});

describe('conflicting scheme names', () => {
  const assertOpenApiError = (fn: () => unknown, name: string): void => {
    assert.throws(fn, (error: unknown) => {
      assert.ok(error instanceof LoopwiseError);
      assert.equal((error as LoopwiseError & { code: string }).code, 'LW_ERR_OPENAPI');
      assert.match((error as Error).message, new RegExp(`"${name}"`));
      return true;
    });
  };

  test('two different schemes under one name, on two routes → LW_ERR_OPENAPI naming both routes', async () => {
    const app = new App({ logger: false });
    app.get('/x', { deps: { t: httpBearer({ schemeName: 'Auth' }) } }, () => 1);
    app.get('/y', { deps: { k: apiKeyHeader({ name: 'X-Key', schemeName: 'Auth' }) } }, () => 1);
    assertOpenApiError(() => app.openapi(), 'Auth');
    assert.throws(() => app.openapi(), /GET \/x.*GET \/y/);
    // Startup builds the document, so the app refuses to start rather than serve a wrong one.
    await assert.rejects(app.inject('/x'), (error: unknown) => (error as { code?: string }).code === 'LW_ERR_OPENAPI');
  });

  test('the same default name with different settings (two tokenUrls, two header names) → LW_ERR_OPENAPI', () => {
    const oauth = new App({ logger: false });
    oauth.get('/x', { deps: { t: oauth2PasswordBearer({ tokenUrl: '/token' }) } }, () => 1);
    oauth.get('/y', { deps: { t: oauth2PasswordBearer({ tokenUrl: '/other-token' }) } }, () => 1);
    assertOpenApiError(() => oauth.openapi(), 'OAuth2PasswordBearer');

    const keys = new App({ logger: false });
    keys.get('/x', { deps: { k: apiKeyHeader({ name: 'X-One' }) } }, () => 1);
    keys.get('/y', { dependencies: [apiKeyHeader({ name: 'X-Two' })] }, () => 1);
    assertOpenApiError(() => keys.openapi(), 'APIKeyHeader');
  });

  test('two different schemes under one name on the SAME route → LW_ERR_OPENAPI, not one silently dropped', () => {
    // Both dependencies run (both keys are enforced), so a document naming only one would make
    // Swagger UI and generated clients send half the credentials.
    const app = new App({ logger: false });
    app.get('/x', { deps: { t: httpBearer({ schemeName: 'Auth' }), k: apiKeyHeader({ name: 'X-Key', schemeName: 'Auth' }) } }, () => 1);
    assertOpenApiError(() => app.openapi(), 'Auth');
  });

  test('... also when one of them comes in through another dependency or a Router', () => {
    const viaDependency = new App({ logger: false });
    const user = dependency({ deps: { k: apiKeyQuery({ name: 'k', schemeName: 'Auth' }) } }, ({ deps }) => deps.k);
    viaDependency.get('/x', { deps: { t: httpBearer({ schemeName: 'Auth' }), user } }, () => 1);
    assertOpenApiError(() => viaDependency.openapi(), 'Auth');

    const viaRouter = new App({ logger: false });
    const router = new Router({ dependencies: [httpBasic({ schemeName: 'Auth' })] });
    router.get('/x', { deps: { t: httpBearer({ schemeName: 'Auth' }) } }, () => 1);
    viaRouter.include(router);
    assertOpenApiError(() => viaRouter.openapi(), 'Auth');
  });
});

// Advice, not faults, as in test/openapi/lint.test.ts: routes with nothing to validate have no 4xx to document.
const ACCEPTED_WARNINGS = new Set(['operation-4xx-response', 'info-license', 'tag-description']);

/** Redocly's problems with one document; its exit code is 1 when it finds errors, which the caller reports. */
async function lint(dir: string, name: string, document: unknown): Promise<LintProblem[]> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  return redoclyLint(file);
}

test('the document of an app using every scheme lints clean with @redocly/cli (recommended rules)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-security-lint-'));
  try {
    const document = everyScheme.openapi();
    // A control: the same document with a scheme's definition and one `security: []` removed must
    // fail, so a clean result means Redocly did check the security parts.
    const broken = structuredClone(document) as { components: { securitySchemes: Record<string, unknown> }; paths: Record<string, Record<string, Operation>> };
    delete broken.components.securitySchemes.HTTPBasic;
    delete broken.paths['/public']!.get!.security;
    const [problems, control] = await Promise.all([lint(dir, 'every-scheme', document), lint(dir, 'broken', broken)]);

    const where = (p: LintProblem) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`;
    // A router's root is its prefix and a "/" ("/reports/"), as FastAPI's: Redocly's style rule against
    // a trailing slash is one FastAPI's documents break alike, so it is set aside here, and only it.
    const checked = problems.filter((p) => !(p.ruleId === 'no-path-trailing-slash' && p.location[0]?.pointer === '#/paths/~1reports~1'));
    assert.deepEqual(checked.filter((p) => p.severity === 'error').map(where), []);
    assert.deepEqual(checked.filter((p) => !ACCEPTED_WARNINGS.has(p.ruleId)).map(where), []);

    const controlErrors = control.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer}`);
    assert.ok(controlErrors.includes('security-defined #/paths/~1basic/get/security/0/HTTPBasic'), controlErrors.join('\n'));
    assert.ok(controlErrors.includes('security-defined #/paths/~1public/get'), controlErrors.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
