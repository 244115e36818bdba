// cors(): preflights answered before routing (loopwise has no OPTIONS routes of its own), as
// Starlette answers them (200 "OK" / 400 "Disallowed CORS …"), origins as a list, a RegExp or a
// function, credentials, and the headers of simple requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, HTTPException, LoopwiseError, cors, type CorsOptions } from '../../src/index.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';

const APP_ORIGIN = 'https://app.example.com';
const EVIL = 'https://evil.example.net';

function appWith(options: CorsOptions): App {
  const app = quietApp();
  app.use(cors(options));
  app.get('/items', () => [{ id: 1 }]);
  app.post('/items', () => ({ id: 2 }));
  app.get('/fail', () => {
    throw new HTTPException(409, 'Conflict');
  });
  return app;
}

const servers: { close: () => Promise<void> }[] = [];
const ports: Record<string, number> = {};
const asked: string[] = [];

before(async () => {
  const setups: Record<string, CorsOptions> = {
    list: { origin: [APP_ORIGIN, 'http://localhost:5173'], credentials: true, exposedHeaders: ['x-total-count'], maxAge: 3600 },
    regex: { origin: /^https:\/\/[a-z0-9-]+\.example\.com$/, allowedHeaders: ['content-type', 'authorization'], methods: ['GET', 'POST'] },
    fn: {
      origin: async (origin) => {
        asked.push(origin);
        await sleep(1);
        return origin.endsWith('.example.com');
      },
    },
    any: {},
  };
  for (const [name, options] of Object.entries(setups)) {
    const server = await serveApp(appWith(options));
    servers.push(server);
    ports[name] = server.port;
  }
});
after(() => Promise.all(servers.map((server) => server.close())));

function preflight(port: number, origin: string, headers: Record<string, string> = {}) {
  return request(port, '/items', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-custom', ...headers },
  });
}

function vary(headers: IncomingHttpHeaders): string[] {
  return String(headers.vary ?? '')
    .split(',')
    .map((value) => value.trim().toLowerCase())
    .filter(Boolean);
}

test('a preflight from a listed origin: 200 "OK" with the allow headers, credentials and max-age, before routing', async () => {
  const res = await preflight(ports.list!, APP_ORIGIN);
  assert.equal(res.status, 200);
  assert.equal(res.text, 'OK');
  assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(res.headers['access-control-allow-origin'], APP_ORIGIN);
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers['access-control-allow-methods'], 'GET,HEAD,PUT,PATCH,POST,DELETE');
  assert.equal(res.headers['access-control-allow-headers'], 'content-type,x-custom', 'asked-for headers are reflected by default');
  assert.equal(res.headers['access-control-max-age'], '3600');
  assert.ok(vary(res.headers).includes('origin'));
  assert.ok(vary(res.headers).includes('access-control-request-headers'));
});

test('a preflight from an origin not listed: 400 "Disallowed CORS origin", no Access-Control-Allow-Origin', async () => {
  const res = await preflight(ports.list!, EVIL);
  assert.equal(res.status, 400);
  assert.equal(res.text, 'Disallowed CORS origin');
  assert.equal(res.headers['access-control-allow-origin'], undefined);
  assert.ok(vary(res.headers).includes('origin'));
});

test('a RegExp origin: matching subdomains are allowed, others are not; methods and headers as configured', async () => {
  const ok = await preflight(ports.regex!, 'https://shop.example.com', { 'access-control-request-headers': 'Content-Type, Authorization' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], 'https://shop.example.com');
  assert.equal(ok.headers['access-control-allow-methods'], 'GET,POST');
  assert.equal(ok.headers['access-control-allow-headers'], 'content-type,authorization');
  assert.equal(ok.headers['access-control-allow-credentials'], undefined);
  assert.equal(ok.headers['access-control-max-age'], '600', 'max-age defaults to 600 s');
  for (const origin of ['https://example.com.evil.net', 'http://shop.example.com', EVIL]) {
    const no = await preflight(ports.regex!, origin);
    assert.equal(no.headers['access-control-allow-origin'], undefined, origin);
    assert.equal(no.status, 400);
    assert.equal(no.text, 'Disallowed CORS origin, headers', 'x-custom is not among the allowed headers');
  }
  const method = await preflight(ports.regex!, 'https://shop.example.com', { 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'accept' });
  assert.equal(method.status, 400);
  assert.equal(method.text, 'Disallowed CORS method', 'the safelisted Accept needs no listing');
  assert.equal(method.headers['access-control-allow-origin'], 'https://shop.example.com');
});

test('a function origin (async): its answer decides; a refused preflight is still answered here, not 405', async () => {
  asked.length = 0;
  const ok = await preflight(ports.fn!, 'https://a.example.com');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['access-control-allow-origin'], 'https://a.example.com');
  const no = await preflight(ports.fn!, EVIL);
  assert.equal(no.status, 400);
  assert.equal(no.text, 'Disallowed CORS origin');
  assert.equal(no.headers['access-control-allow-origin'], undefined);
  assert.ok(vary(no.headers).includes('origin'), 'Vary: Origin on a refusal too, so caches keep the answers apart');
  const simple = await request(ports.fn!, '/items', { headers: { origin: EVIL } });
  assert.equal(simple.status, 200);
  assert.equal(simple.headers['access-control-allow-origin'], undefined);
  assert.ok(vary(simple.headers).includes('origin'));
  assert.deepEqual(asked, ['https://a.example.com', EVIL, EVIL]);
  const noOrigin = await request(ports.fn!, '/items');
  assert.equal(noOrigin.status, 200);
  assert.deepEqual(asked.length, 3, 'not asked for a request without Origin');
});

test('a simple request from an allowed origin: ACAO, credentials, exposed headers, Vary; the route answers', async () => {
  const res = await request(ports.list!, '/items', { headers: { origin: APP_ORIGIN } });
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.text), [{ id: 1 }]);
  assert.equal(res.headers['access-control-allow-origin'], APP_ORIGIN);
  assert.equal(res.headers['access-control-allow-credentials'], 'true');
  assert.equal(res.headers['access-control-expose-headers'], 'x-total-count');
  assert.equal(res.headers['access-control-allow-methods'], undefined, 'allow-methods is for preflights only');
  assert.ok(vary(res.headers).includes('origin'));
  const post = await request(ports.list!, '/items', { method: 'POST', headers: { origin: 'http://localhost:5173' } });
  assert.equal(post.headers['access-control-allow-origin'], 'http://localhost:5173');
});

test('error responses carry the CORS headers too, so the page can read them', async () => {
  const res = await request(ports.list!, '/fail', { headers: { origin: APP_ORIGIN } });
  assert.equal(res.status, 409);
  assert.equal(res.headers['access-control-allow-origin'], APP_ORIGIN);
  const missing = await request(ports.list!, '/nowhere', { headers: { origin: APP_ORIGIN } });
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['access-control-allow-origin'], APP_ORIGIN);
});

test('the default allows any origin with "*" and no Vary: Origin', async () => {
  const res = await request(ports.any!, '/items', { headers: { origin: EVIL } });
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.ok(!vary(res.headers).includes('origin'));
  const pre = await preflight(ports.any!, EVIL);
  assert.equal(pre.status, 200);
  assert.equal(pre.headers['access-control-allow-origin'], '*');
});

test('an OPTIONS without Access-Control-Request-Method is no preflight: it goes to routing (405 here)', async () => {
  const res = await request(ports.list!, '/items', { method: 'OPTIONS', headers: { origin: APP_ORIGIN } });
  assert.equal(res.status, 405);
  assert.equal(res.headers['access-control-allow-origin'], APP_ORIGIN);
  assert.equal(res.headers['access-control-allow-methods'], undefined);
});

test('an OPTIONS without Origin is no preflight either (as Starlette): it goes to routing', async () => {
  const res = await request(ports.list!, '/items', { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } });
  assert.equal(res.status, 405);
  assert.equal(res.headers['access-control-allow-methods'], undefined);
});

test('options that cannot work are refused when the middleware is made', () => {
  assert.throws(() => cors({ origin: '*', credentials: true }), (error: unknown) => error instanceof LoopwiseError && /credentials/.test(error.message));
  assert.throws(() => cors({ origin: ['https://app.example.com/'] }), /trailing slash/);
  assert.throws(() => cors({ origin: 'app.example.com' }), /not an origin/);
  assert.doesNotThrow(() => cors({ origin: true, credentials: true }));
});
