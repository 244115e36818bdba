// securityHeaders(): helmet-like defaults on every response, each header changeable or off, HSTS
// only over TLS unless asked for, and a route's own header winning. That the default does not
// break loopwise's own docs pages is checked in Chromium: security-headers-browser.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CSP, HTTPException, LoopwiseError, html, securityHeaders } from '../../src/index.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';

const DEFAULT_POLICY = Object.entries(DEFAULT_CSP)
  .map(([name, value]) => `${name} ${value}`)
  .join('; ');

const app = quietApp();
app.use(securityHeaders());
app.get('/', () => ({ ok: true }));
app.get('/fail', () => {
  throw new HTTPException(400, 'bad');
});
app.get('/own-csp', () => html('<p>embeddable</p>', { headers: { 'content-security-policy': "frame-ancestors 'self'" } }));

const tuned = quietApp();
tuned.use(
  securityHeaders({
    contentSecurityPolicy: { 'img-src': ["'self'", 'https://images.example.com'], 'frame-ancestors': false, 'upgrade-insecure-requests': true },
    frameOptions: 'SAMEORIGIN',
    referrerPolicy: 'strict-origin-when-cross-origin',
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: 'same-site',
    contentTypeOptions: false,
    strictTransportSecurity: { maxAge: 600, includeSubDomains: false, preload: true },
  }),
);
tuned.get('/', () => ({ ok: true }));

const bare = quietApp();
bare.use(securityHeaders({ contentSecurityPolicy: false, frameOptions: false, referrerPolicy: false, strictTransportSecurity: false }));
bare.get('/', () => ({ ok: true }));

let port = 0;
let tunedPort = 0;
let barePort = 0;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  const servers = await Promise.all([serveApp(app), serveApp(tuned), serveApp(bare)]);
  [port, tunedPort, barePort] = servers.map((server) => server.port) as [number, number, number];
  closers.push(...servers.map((server) => server.close));
});
after(() => Promise.all(closers.map((close) => close())));

test('defaults: CSP, nosniff, DENY, no-referrer, COOP; no HSTS over plain HTTP', async () => {
  for (const path of ['/', '/fail', '/nowhere']) {
    const res = await request(port, path);
    assert.equal(res.headers['content-security-policy'], DEFAULT_POLICY, path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(res.headers['cross-origin-resource-policy'], undefined);
    assert.equal(res.headers['strict-transport-security'], undefined);
  }
  assert.match(DEFAULT_POLICY, /script-src 'self';/);
  assert.doesNotMatch(DEFAULT_POLICY, /unsafe-eval|script-src[^;]*unsafe-inline/);
});

test("a route's own header wins over the middleware's", async () => {
  const res = await request(port, '/own-csp');
  assert.equal(res.headers['content-security-policy'], "frame-ancestors 'self'");
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
});

test('each header can be changed; CSP directives merge over the defaults, false drops one', async () => {
  const res = await request(tunedPort, '/');
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /(^|; )img-src 'self' https:\/\/images\.example\.com(;|$)/);
  assert.match(csp, /(^|; )script-src 'self'(;|$)/, 'other defaults kept');
  assert.doesNotMatch(csp, /frame-ancestors/);
  assert.match(csp, /(^|; )upgrade-insecure-requests(;|$)/);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin');
  assert.equal(res.headers['cross-origin-opener-policy'], undefined);
  assert.equal(res.headers['cross-origin-resource-policy'], 'same-site');
  assert.equal(res.headers['x-content-type-options'], undefined);
  assert.equal(res.headers['strict-transport-security'], 'max-age=600; preload', 'configured HSTS is sent on every response');
});

test('each header can be turned off', async () => {
  const res = await request(barePort, '/');
  for (const name of ['content-security-policy', 'x-frame-options', 'referrer-policy', 'strict-transport-security']) assert.equal(res.headers[name], undefined, name);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
});

test('HSTS is sent by default on requests that came over TLS', async () => {
  // A self-signed certificate for 127.0.0.1, made once for these tests (fixtures/).
  const fixtures = new URL('./fixtures/', import.meta.url);
  const server = createHttpsServer({ key: readFileSync(new URL('localhost-key.pem', fixtures)), cert: readFileSync(new URL('localhost-cert.pem', fixtures)) }, app.handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const tlsPort = (server.address() as AddressInfo).port;
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, path: '/', rejectUnauthorized: false, agent: false, timeout: 5_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      });
      req.on('timeout', () => req.destroy(new Error('HTTPS request timed out')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
    assert.equal(headers['x-frame-options'], 'DENY');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('invalid options are refused when the middleware is made', () => {
  assert.throws(() => securityHeaders({ contentSecurityPolicy: { 'script-src': "'self'; object-src *" } }), LoopwiseError);
  assert.throws(() => securityHeaders({ frameOptions: 'ALLOW-FROM x' as never }), /frameOptions/);
  assert.throws(() => securityHeaders({ referrerPolicy: 'no-referrer\r\nx-evil: 1' }), /one-line/);
  assert.throws(() => securityHeaders({ strictTransportSecurity: { maxAge: -1 } }), /maxAge/);
});
