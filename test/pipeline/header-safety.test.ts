// A response header built from client input must never end the process: every public API that
// ends up in a header, fed hostile strings over a real socket, answers that one request (a
// redirect, a 200 or a logged 500) and the same process serves the next request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { logLines, startAppProcess, type AppProcess } from '../support/app-process.js';
import { request } from '../support/http.js';

const fixture = fileURLToPath(new URL('./fixtures/header-app.ts', import.meta.url));

let server: AppProcess & { port: number };
let pid: number;

async function get(path: string, value: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}${path}?v=${encodeURIComponent(value)}`, { redirect: 'manual' });
}

async function assertStillServing(): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${server.port}/pid`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { pid });
}

before(async () => {
  server = await startAppProcess(fixture);
  pid = ((await (await fetch(`http://127.0.0.1:${server.port}/pid`)).json()) as { pid: number }).pid;
});
after(() => server.kill());

const HOSTILE = ['/caf\u20ac', 'a\r\nx-injected: 1', 'a\nb', 'a\u0000b', '\u{1F600}', 'é'];
/** Every route whose header comes from `?v=`; all answer a clean 500 for a value no header can carry. */
const ROUTES = [
  '/reply-header',
  '/reply-header-name',
  '/reply-header-sync',
  '/reply-cookie-name',
  '/reply-cookie-domain',
  '/json-headers',
  '/text-headers',
  '/html-headers',
  '/stream-headers',
  '/exception-headers',
  '/exception-headers-sync',
  '/handler-headers',
  '/file-type',
  '/offloaded-header',
  '/mw/set',
  '/mw/answer',
];

describe('an invalid header value costs one request a 500, never the process', () => {
  for (const route of ROUTES) {
    it(`GET ${route} with non-Latin-1, CR/LF and NUL values`, async () => {
      for (const value of HOSTILE) {
        const response = await get(route, value);
        assert.equal(response.headers.get('x-injected'), null);
        // Latin-1 letters like é are valid header values (not names, nor cookie domains); the rest is refused.
        if (value === 'é' && !route.includes('name') && !route.includes('domain')) assert.ok(response.status < 500, `${route} ${value}: ${response.status}`);
        else {
          assert.equal(response.status, 500, `${route} with ${JSON.stringify(value)}`);
          assert.deepEqual(await response.json(), { detail: 'Internal Server Error' });
        }
        await response.arrayBuffer().catch(() => undefined);
      }
      await assertStillServing();
    });
  }

  it('logs the route and the header name, not a stack in the answer', async () => {
    const response = await get('/reply-header', 'a\r\nb');
    assert.equal(response.status, 500);
    const line = await server.waitForLine((l) => l.includes('GET /reply-header') && l.includes('x-value'), 5_000, 'the invalid-header log line');
    const entry = logLines([line])[0]!;
    assert.equal(entry.route, 'GET /reply-header');
    assert.match(entry.msg as string, /GET \/reply-header/);
    assert.match(JSON.stringify(entry.err), /x-value/);
  });

  it('an out-of-range status (reply.status or a response) is a 500 too', async () => {
    for (const route of ['/reply-status', '/response-status']) {
      for (const value of ['1000', '99', '0', 'NaN', '200.5']) {
        const response = await get(route, value);
        assert.equal(response.status, 500, `${route} ${value}`);
        await response.arrayBuffer();
      }
    }
    await assertStillServing();
  });
});

describe('redirect() makes any target a valid Location', () => {
  it('percent-encodes non-ASCII, keeping existing escapes (as encodeurl does)', async () => {
    const response = await get('/redirect', '/caf\u20ac?q=a%20b&r=ü');
    assert.equal(response.status, 307);
    assert.equal(response.headers.get('location'), '/caf%E2%82%AC?q=a%20b&r=%C3%BC');
    const offloaded = await get('/offloaded-redirect', '/caf\u20ac');
    assert.equal(offloaded.status, 307);
    assert.equal(offloaded.headers.get('location'), '/caf%E2%82%AC');
    await assertStillServing();
  });

  it('refuses CR and LF: a logged 500, no header injected', async () => {
    for (const value of ['/a\r\nset-cookie: x=1', '/a\nb', '/a\rb']) {
      const response = await get('/redirect', value);
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('set-cookie'), null);
      assert.equal(response.headers.get('location'), null);
    }
    await assertStillServing();
  });

  it('file() names of any Unicode are carried by Content-Disposition', async () => {
    const response = await get('/file-name', 'r\u00e9sum\u00e9 \u20ac\r\n.txt');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-disposition')!, /^attachment; filename="resume _.txt"; filename\*=UTF-8''r%C3%A9sum%C3%A9%20%E2%82%AC.txt$/);
    await response.arrayBuffer();
  });
});

describe('fuzz: arbitrary strings into every header API never end the process', () => {
  // All of Unicode (lone surrogates too), with CR, LF and NUL made likely.
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('a', '\r', '\n', '\u0000', '\u20ac', '\u00ff', ' ', '%', ':'), maxLength: 20 }),
  );
  const routes = [...ROUTES, '/redirect', '/offloaded-redirect', '/file-name', '/reply-cookie'];

  it('answers every request with a status, and the pid never changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), hostile, async (route, value) => {
        const response = await get(route, value);
        assert.ok(response.status >= 200 && response.status <= 500, `${route}: ${response.status}`);
        assert.notEqual(response.status, 500 + 4, 'never a gateway error');
        await response.arrayBuffer().catch(() => undefined);
      }),
      { numRuns: 400 },
    );
    await assertStillServing();
  });

  it('static-file paths of any bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 30 }), async (name) => {
        // Raw path bytes as a client may send them: only what Node's parser itself accepts gets as far as the app.
        const path = `/static/${encodeURIComponent(name)}`;
        const { status } = await request(server.port, path);
        assert.ok([200, 301, 400, 403, 404].includes(status), `${path}: ${status}`);
      }),
      { numRuns: 200 },
    );
    await assertStillServing();
  });
});
