// Through a real nginx: /api/ strips the prefix, /plain/ forwards without trustProxy on the app,
// /fwd/ sends X-Forwarded-Prefix. The client connects from 127.0.0.2 (all of 127/8 is loopback on
// Linux) so its address differs from nginx's 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { App } from '../../src/index.js';
import { serveApp, type Listening } from '../support/http.js';
import { nginxMissing, startNginx, type Nginx } from '../support/nginx.js';
import { withTimeout } from '../support/with-timeout.js';

const CLIENT = '127.0.0.2';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const run = new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, localAddress: CLIENT, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return withTimeout(run, 5_000, `GET ${path}`);
}

function clientApp(options: ConstructorParameters<typeof App>[0]): App {
  const app = new App({ logger: false, ...options });
  app.get('/whoami', ({ ip, protocol, host }) => ({ ip, protocol, host }));
  app.get('/items/', () => []);
  return app;
}

describe('behind a real nginx', { skip: nginxMissing() }, () => {
  const apps: Listening[] = [];
  let nginx: Nginx;
  let trusted: Listening;
  let untrusted: Listening;

  before(async () => {
    const sub = new App({ title: 'v2', logger: false });
    sub.get('/things', () => []);
    const withRoot = clientApp({ rootPath: '/api', trustProxy: ['127.0.0.1'] });
    withRoot.mount('/v2', sub);
    trusted = await serveApp(withRoot);
    untrusted = await serveApp(clientApp({ rootPath: '/plain' }));
    const byHeader = await serveApp(clientApp({ trustProxy: 'loopback' }));
    apps.push(trusted, untrusted, byHeader);
    // nginx passes a client's own X-Forwarded-Host and X-Forwarded-Prefix on unless told otherwise: set both.
    const forward = `proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;`;
    nginx = await startNginx(`
    location /api/ { proxy_pass http://127.0.0.1:${trusted.port}/; ${forward} proxy_set_header X-Forwarded-Prefix ""; }
    location /plain/ { proxy_pass http://127.0.0.1:${untrusted.port}/; ${forward} }
    location /fwd/ { proxy_pass http://127.0.0.1:${byHeader.port}/; ${forward} proxy_set_header X-Forwarded-Prefix /fwd; }`);
  });

  after(async () => {
    await nginx?.stop();
    for (const app of apps) await app.close();
  });

  test('/api/docs loads and points at /api/openapi.json, which lists /api as its server', async () => {
    const page = await get(nginx.port, '/api/docs');
    assert.equal(page.status, 200);
    assert.match(page.text, /href="\/api\/docs\/swagger-ui\.css"/);
    assert.match(page.text, /src="\/api\/docs\/swagger-initializer\.js"/);
    const init = await get(nginx.port, '/api/docs/swagger-initializer.js');
    assert.equal(init.status, 200);
    assert.match(init.text, /"url":"\/api\/openapi\.json"/);
    assert.match(init.text, /"\/api\/docs\/oauth2-redirect"/);
    assert.equal((await get(nginx.port, '/api/docs/swagger-ui-bundle.js')).status, 200);
    assert.equal((await get(nginx.port, '/api/docs/oauth2-redirect')).status, 200);
    const redoc = await get(nginx.port, '/api/redoc');
    assert.match(redoc.text, /spec-url="\/api\/openapi\.json"/);
    const document = await get(nginx.port, '/api/openapi.json');
    assert.equal(document.status, 200);
    const parsed = JSON.parse(document.text);
    assert.deepEqual(parsed.servers, [{ url: '/api' }]);
    assert.ok(parsed.paths['/whoami']);
  });

  test('a trailing-slash redirect carries /api', async () => {
    const answer = await get(nginx.port, '/api/items?page=2');
    assert.equal(answer.status, 307);
    assert.equal(answer.headers.location, '/api/items/?page=2');
  });

  test("the handler sees the real client's IP with trustProxy, nginx's without it", async () => {
    const seen = JSON.parse((await get(nginx.port, '/api/whoami')).text);
    assert.deepEqual(seen, { ip: CLIENT, protocol: 'http', host: '127.0.0.1' }); // nginx's $host has no port
    const plain = JSON.parse((await get(nginx.port, '/plain/whoami')).text);
    assert.equal(plain.ip, '127.0.0.1');
  });

  test("with the documented config a client's own X-Forwarded-Host and X-Forwarded-Prefix do not get through", async () => {
    const seen = JSON.parse((await get(nginx.port, '/api/whoami', { 'x-forwarded-host': 'evil.example', 'x-forwarded-prefix': '/evil' })).text);
    assert.equal(seen.host, '127.0.0.1');
    const redirect = await get(nginx.port, '/api/items', { 'x-forwarded-prefix': '/evil' });
    assert.equal(redirect.headers.location, '/api/items/');
  });

  test('X-Forwarded-Prefix from the trusted proxy acts as the root path', async () => {
    const init = await get(nginx.port, '/fwd/docs/swagger-initializer.js');
    assert.match(init.text, /"url":"\/fwd\/openapi\.json"/);
    assert.deepEqual(JSON.parse((await get(nginx.port, '/fwd/openapi.json')).text).servers, [{ url: '/fwd' }]);
    assert.equal((await get(nginx.port, '/fwd/items')).headers.location, '/fwd/items/');
  });

  test("a mounted App's docs point at its own openapi.json under the mount, behind the proxy", async () => {
    const init = await get(nginx.port, '/api/v2/docs/swagger-initializer.js');
    assert.equal(init.status, 200);
    assert.match(init.text, /"url":"\/api\/v2\/openapi\.json"/);
    const document = JSON.parse((await get(nginx.port, '/api/v2/openapi.json')).text);
    assert.deepEqual(document.servers, [{ url: '/api/v2' }]);
    assert.ok(document.paths['/things']);
  });

  test('a client talking to the app directly cannot claim another IP, prefix or scheme', async () => {
    const headers = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/evil', 'x-forwarded-host': 'evil.example' };
    // The app trusts 127.0.0.1 only: this peer is 127.0.0.2.
    const seen = JSON.parse((await get(trusted.port, '/whoami', headers)).text);
    assert.deepEqual(seen, { ip: CLIENT, protocol: 'http', host: `127.0.0.1:${trusted.port}` });
    assert.equal((await get(trusted.port, '/items', headers)).headers.location, '/api/items/');
    // No trustProxy at all: the headers are ignored whoever sends them.
    assert.equal(JSON.parse((await get(untrusted.port, '/whoami', headers)).text).ip, CLIENT);
  });
});
