import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError } from '../../src/index.js';
import { proxySettings } from '../../src/proxy/proxy-options.js';

function refused(options: Record<string, unknown>, message: RegExp): void {
  assert.throws(() => new App({ logger: false, ...(options as object) }), (error: unknown) => {
    assert.ok(error instanceof LoopwiseError);
    assert.equal(error.code, 'LW_ERR_INVALID_OPTION');
    assert.match(error.message, message);
    return true;
  });
}

test('no rootPath and no trustProxy: no settings, so requests are never wrapped', () => {
  assert.equal(proxySettings({}), null);
  assert.equal(proxySettings({ trustProxy: false, rootPath: '' }), null);
});

test('rootPath is kept without its trailing slash, as FastAPI strips it', () => {
  assert.deepEqual(proxySettings({ rootPath: '/api/v1/' }), { rootPath: '/api/v1', trust: null });
});

test('a rootPath that is not a path prefix is refused with what to write', () => {
  for (const bad of ['api', '//evil.example', '/api?x=1', '/a b', '/api#x', 42]) refused({ rootPath: bad }, /rootPath must be the path prefix your proxy strips, such as "\/api"/);
});

test('trustProxy: true, a hop count, addresses, CIDRs and names', () => {
  assert.equal(proxySettings({ trustProxy: true })!.trust!('203.0.113.9', 5), true);
  const hops = proxySettings({ trustProxy: 1 })!.trust!;
  assert.equal(hops('10.0.0.1', 0), true);
  assert.equal(hops('10.0.0.1', 1), false);
  const list = proxySettings({ trustProxy: ['loopback', '10.0.0.0/8'] })!.trust!;
  assert.equal(list('127.0.0.1', 0), true);
  assert.equal(list('10.1.2.3', 0), true);
  assert.equal(list('192.168.1.1', 0), false);
  assert.equal(proxySettings({ trustProxy: '127.0.0.1, 10.0.0.0/8' })!.trust!('10.9.9.9', 0), true);
});

test('bad trustProxy values are refused with a clear message', () => {
  refused({ trustProxy: 0 }, /how many proxies stand in front of the app \(a whole number from 1 to 100\); got 0/);
  refused({ trustProxy: 1.5 }, /whole number/);
  refused({ trustProxy: [] }, /trustProxy must be true, false, a hop count, or the proxies' addresses/);
  refused({ trustProxy: 'yes' }, /not an address, a CIDR or one of 'loopback'/);
  refused({ trustProxy: ['10.0.0.0/99'] }, /not an address, a CIDR/);
  refused({ trustProxy: { ip: '1.2.3.4' } }, /got an object/);
});

test('without rootPath: the redirect and servers are as before', async () => {
  const app = new App({ logger: false });
  app.get('/items/', () => []);
  const answer = await app.inject('/items');
  assert.equal(answer.statusCode, 307);
  assert.equal(answer.headers.location, '/items/');
  const document = (await app.inject('/openapi.json')).json() as { servers: unknown };
  assert.deepEqual(document.servers, [{ url: '/' }]);
});

test("rootPath goes first in the user's servers, not repeated when one already is it", async () => {
  const app = new App({ logger: false, rootPath: '/api', openapi: { servers: [{ url: 'https://prod.example.com' }] } });
  assert.deepEqual(((await app.inject('/openapi.json')).json() as { servers: unknown }).servers, [{ url: '/api' }, { url: 'https://prod.example.com' }]);
  const same = new App({ logger: false, rootPath: '/api', openapi: { servers: [{ url: '/api', description: 'here' }] } });
  assert.deepEqual(((await same.inject('/openapi.json')).json() as { servers: unknown }).servers, [{ url: '/api', description: 'here' }]);
});
