import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LoopwiseError, Router, staticFiles, type StaticFilesOptions } from '../../src/index.js';
import { request, serveHandler, serveServer, type Listening } from '../support/http.js';
import { withTimeout } from '../support/with-timeout.js';

const TIMEOUT = 5_000;
const SECRET = 'SECRET-MARKER-7f3a';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * Sends the request line exactly as given over a bare TCP socket (no client normalizes `..`,
 * encodings or backslashes on the way) and reads the answer until the server closes.
 */
function rawGet(port: number, path: string, method = 'GET'): Promise<Answer> {
  const run = new Promise<Answer>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(parts).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split).split('\r\n');
      const status = Number(head[0]!.split(' ')[1]);
      const headers: IncomingHttpHeaders = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, text: split === -1 ? '' : text.slice(split + 4) });
    });
    socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
  return withTimeout(run, TIMEOUT, `${method} ${path}`);
}

// tmp/secret                   ← outside the served directory: must never be served
// tmp/public/                  ← served
//   hello.txt, style.css, index.html, range.txt, sub/index.html, docs/a.txt, about.html
//   .env, .git/config          ← dotfiles
//   escape.txt → ../secret     ← symlink out
//   escape-dir → ..            ← directory symlink out
//   alias.txt → hello.txt      ← symlink in (served)
let base: string;
let root: string;

before(() => {
  base = mkdtempSync(join(tmpdir(), 'loopwise-static-'));
  root = join(base, 'public');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, 'docs'));
  mkdirSync(join(root, '.git'));
  writeFileSync(join(base, 'secret'), `${SECRET} outside\n`);
  writeFileSync(join(root, 'hello.txt'), 'hello world\n');
  writeFileSync(join(root, 'style.css'), 'body { color: red }\n');
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>\n');
  writeFileSync(join(root, 'about.html'), '<h1>about</h1>\n');
  writeFileSync(join(root, 'range.txt'), '0123456789abcdefghij');
  writeFileSync(join(root, 'sub', 'index.html'), '<h1>sub</h1>\n');
  writeFileSync(join(root, 'docs', 'a.txt'), 'a\n');
  writeFileSync(join(root, 'résumé 100%.txt'), 'odd name\n');
  writeFileSync(join(root, '.env'), `${SECRET} dotfile\n`);
  writeFileSync(join(root, '.git', 'config'), `${SECRET} git\n`);
  symlinkSync(join('..', 'secret'), join(root, 'escape.txt'));
  symlinkSync('..', join(root, 'escape-dir'));
  symlinkSync('hello.txt', join(root, 'alias.txt'));
});

after(() => {
  rmSync(base, { recursive: true, force: true });
});

/** A bare Node server with staticFiles() as its whole handler. */
const serve = (options?: StaticFilesOptions): Promise<Listening> => serveHandler(staticFiles(root, options));

describe('staticFiles', () => {
  test('serves a file with its content type, length, ETag, Last-Modified and Cache-Control', async () => {
    const { port, close } = await serve();
    try {
      const res = await request(port, '/hello.txt');
      assert.equal(res.status, 200);
      assert.equal(res.text, 'hello world\n');
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
      assert.equal(res.headers['content-length'], '12');
      assert.match(res.headers.etag!, /^W\/"/);
      assert.ok(res.headers['last-modified']);
      assert.equal(res.headers['cache-control'], 'public, max-age=0');
      assert.equal(res.headers['accept-ranges'], 'bytes');
      assert.equal((await request(port, '/style.css')).headers['content-type'], 'text/css; charset=utf-8');
    } finally {
      await close();
    }
  });

  test('answers 304 to If-None-Match and to If-Modified-Since', async () => {
    const { port, close } = await serve();
    try {
      const first = await request(port, '/hello.txt');
      const byTag = await request(port, '/hello.txt', { headers: { 'if-none-match': first.headers.etag! } });
      assert.equal(byTag.status, 304);
      assert.equal(byTag.text, '');
      const byDate = await request(port, '/hello.txt', { headers: { 'if-modified-since': first.headers['last-modified']! } });
      assert.equal(byDate.status, 304);
      const stale = await request(port, '/hello.txt', { headers: { 'if-none-match': 'W/"other"' } });
      assert.equal(stale.status, 200);
    } finally {
      await close();
    }
  });

  test('answers a Range with 206 and an unsatisfiable one with 416 in FastAPI shape', async () => {
    const { port, close } = await serve();
    try {
      const part = await request(port, '/range.txt', { headers: { range: 'bytes=2-5' } });
      assert.equal(part.status, 206);
      assert.equal(part.text, '2345');
      assert.equal(part.headers['content-range'], 'bytes 2-5/20');
      assert.equal(part.headers['content-length'], '4');
      const tail = await request(port, '/range.txt', { headers: { range: 'bytes=-3' } });
      assert.equal(tail.status, 206);
      assert.equal(tail.text, 'hij');
      const bad = await request(port, '/range.txt', { headers: { range: 'bytes=50-60' } });
      assert.equal(bad.status, 416);
      assert.equal(bad.headers['content-range'], 'bytes */20');
      assert.equal(bad.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(bad.text), { detail: 'Range Not Satisfiable' });
      assert.equal(bad.headers.etag, undefined, 'no file headers on an error');
    } finally {
      await close();
    }
  });

  test('serves index.html for a directory URL, redirects one without "/", and lists nothing', async () => {
    const { port, close } = await serve();
    try {
      const home = await request(port, '/');
      assert.equal(home.status, 200);
      assert.equal(home.text, '<h1>home</h1>\n');
      assert.equal(home.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal((await request(port, '/sub/')).text, '<h1>sub</h1>\n');
      const bare = await request(port, '/sub?x=1');
      assert.equal(bare.status, 301);
      assert.equal(bare.headers.location, './sub/?x=1');
      const noIndex = await request(port, '/docs/');
      assert.equal(noIndex.status, 404);
      assert.deepEqual(JSON.parse(noIndex.text), { detail: 'Not Found' });
      assert.equal((await request(port, '/hello.txt/')).status, 404, 'a file is not a directory');
    } finally {
      await close();
    }
    const custom = await serve({ index: 'a.txt' });
    try {
      assert.equal((await request(custom.port, '/docs/')).text, 'a\n');
      assert.equal((await request(custom.port, '/sub/')).status, 404);
    } finally {
      await custom.close();
    }
  });

  test('a directory redirect follows the URL the client sent (Express-style req.originalUrl)', async () => {
    const handler = staticFiles(root);
    // What a mount that keeps the original URL hands over for "/assets" and "/assets/sub".
    const server = createServer((req, res) => {
      (req as typeof req & { originalUrl?: string }).originalUrl = `/assets${req.url === '/' ? '' : req.url}`;
      handler(req, res);
    });
    const { port, close } = await serveServer(server);
    try {
      const top = await request(port, '/');
      assert.equal(top.status, 301);
      assert.equal(top.headers.location, './assets/');
      assert.equal(new URL(top.headers.location!, 'http://x/assets').pathname, '/assets/');
      const sub = await request(port, '/sub');
      assert.equal(new URL(sub.headers.location!, 'http://x/assets/sub').pathname, '/assets/sub/');
    } finally {
      await close();
    }
  });

  test('names with spaces, percent signs and non-ASCII are served from their encoded URL', async () => {
    const { port, close } = await serve();
    try {
      const res = await request(port, `/${encodeURIComponent('résumé 100%.txt')}`);
      assert.equal(res.status, 200);
      assert.equal(res.text, 'odd name\n');
    } finally {
      await close();
    }
  });

  test('HEAD sends the headers without the body; other methods get 405 with Allow', async () => {
    const { port, close } = await serve();
    try {
      const head = await request(port, '/hello.txt', { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], '12');
      assert.equal(head.text, '');
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
        const res = await request(port, '/hello.txt', { method });
        assert.equal(res.status, 405, method);
        assert.equal(res.headers.allow, 'GET, HEAD');
        assert.deepEqual(JSON.parse(res.text), { detail: 'Method Not Allowed' });
      }
    } finally {
      await close();
    }
  });

  test('a missing file is 404 {"detail":"Not Found"}; bad percent-encoding is 400', async () => {
    const { port, close } = await serve();
    try {
      const res = await request(port, '/nope.txt');
      assert.equal(res.status, 404);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(res.text), { detail: 'Not Found' });
      const bad = await rawGet(port, '/%E0%A4%A.txt');
      assert.equal(bad.status, 400);
      assert.deepEqual(JSON.parse(bad.text), { detail: 'Bad Request' });
    } finally {
      await close();
    }
  });

  test('maxAge and immutable set Cache-Control; extensions find about.html for /about', async () => {
    const { port, close } = await serve({ maxAge: '1d', immutable: true, extensions: ['html'] });
    try {
      const res = await request(port, '/hello.txt');
      assert.equal(res.headers['cache-control'], 'public, max-age=86400, immutable');
      const about = await request(port, '/about');
      assert.equal(about.status, 200);
      assert.equal(about.text, '<h1>about</h1>\n');
    } finally {
      await close();
    }
  });

  test('dotfiles: 404 by default, 403 with "deny", served with "allow"', async () => {
    const ignore = await serve();
    const deny = await serve({ dotfiles: 'deny' });
    const allow = await serve({ dotfiles: 'allow' });
    try {
      assert.equal((await request(ignore.port, '/.env')).status, 404);
      assert.equal((await request(ignore.port, '/.git/config')).status, 404);
      assert.equal((await request(deny.port, '/.env')).status, 403);
      const served = await request(allow.port, '/.env');
      assert.equal(served.status, 200);
      assert.match(served.text, /dotfile/);
    } finally {
      await Promise.all([ignore.close(), deny.close(), allow.close()]);
    }
  });

  test('a symlink to a file inside the directory is served; one pointing outside is not', async () => {
    const { port, close } = await serve({ dotfiles: 'allow' });
    try {
      const inside = await request(port, '/alias.txt');
      assert.equal(inside.status, 200);
      assert.equal(inside.text, 'hello world\n');
      // Judged by where the link leads: through a link out and back in is inside.
      assert.equal((await request(port, '/escape-dir/public/hello.txt')).status, 200);
      for (const path of ['/escape.txt', '/escape-dir/secret', '/escape-dir/public/../secret']) {
        const res = await request(port, path);
        assert.equal(res.status, 404, path);
        assert.ok(!res.text.includes(SECRET), path);
      }
    } finally {
      await close();
    }
  });

  test('setHeaders adds headers to files, and middleware headers survive an error answer', async () => {
    const app = new App({ logger: false, openapi: false });
    app.use(async (_req, res, next) => {
      res.setHeader('x-mw', 'yes');
      await next();
    });
    app.mount('/assets', staticFiles(root, { setHeaders: (res) => res.setHeader('x-static', '1') }));
    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      const ok = await request(port, '/assets/hello.txt');
      assert.equal(ok.headers['x-static'], '1');
      assert.equal(ok.headers['x-mw'], 'yes');
      const missing = await request(port, '/assets/nope');
      assert.equal(missing.status, 404);
      assert.equal(missing.headers['x-mw'], 'yes');
    } finally {
      await app.close();
    }
  });

  test('a directory that does not exist (or a file) is refused when the handler is made', () => {
    assert.throws(() => staticFiles(join(base, 'missing')), (error: unknown) => error instanceof LoopwiseError && error.code === 'LW_ERR_INVALID_OPTION');
    assert.throws(() => staticFiles(join(root, 'hello.txt')), LoopwiseError);
  });
});

/** Requests that try to leave the directory; the secret sits next to it (and /etc/passwd further out). */
const TRAVERSALS = [
  '/../secret',
  '/%2e%2e/secret',
  '/%2E%2E%2Fsecret',
  '/..%2fsecret',
  '/..%2Fsecret',
  '/%252e%252e/secret',
  '/%252e%252e%252fsecret',
  '/..\\secret',
  '/%5c..%5csecret',
  '/..%5csecret',
  '/sub/../../secret',
  '/sub/%2e%2e/%2e%2e/secret',
  '/./../secret',
  '/hello.txt%00.txt',
  '/file%00.txt',
  '/%00',
  '/%2e%2e%00/secret',
  '//etc/passwd',
  '/%2fetc%2fpasswd',
  `/${'..%2f'.repeat(8)}etc/passwd`,
  '/escape.txt',
  '/escape-dir/secret',
  '/escape-dir/public/.env',
  '/.env',
  '/.git/config',
  '/sub/../.env',
  '/%2eenv',
];

describe('no way out of the directory', () => {
  let bare: Listening;
  let barePort: number;
  let app: App;
  let appPort: number;

  before(async () => {
    bare = await serveHandler(staticFiles(root));
    barePort = bare.port;
    app = new App({ logger: false, openapi: false });
    app.mount('/assets', staticFiles(root));
    appPort = (await app.listen({ port: 0, handleSignals: false })).port;
  });

  after(async () => {
    await bare.close();
    await app.close();
  });

  test(`${TRAVERSALS.length} traversal attempts on a bare server are all refused`, async () => {
    assert.equal((await rawGet(barePort, '/hello.txt')).status, 200, 'the server serves what it should');
    for (const path of TRAVERSALS) {
      const res = await rawGet(barePort, path);
      assert.ok(res.status >= 400 && res.status < 500, `${path} → ${res.status}`);
      assert.ok(!res.text.includes(SECRET), `${path} leaked the secret`);
      assert.ok(!res.text.includes('root:'), `${path} leaked /etc/passwd`);
    }
  });

  test('the same attempts under a mount prefix are all refused', async () => {
    assert.equal((await rawGet(appPort, '/assets/hello.txt')).status, 200);
    for (const path of TRAVERSALS) {
      const res = await rawGet(appPort, `/assets${path}`);
      assert.ok(res.status >= 400 && res.status < 500, `/assets${path} → ${res.status}`);
      assert.ok(!res.text.includes(SECRET), `/assets${path} leaked the secret`);
      assert.ok(!res.text.includes('root:'), `/assets${path} leaked /etc/passwd`);
    }
  });

  test('an absolute-form request target does not escape either', async () => {
    for (const path of ['http://127.0.0.1/../secret', 'http://127.0.0.1/%2e%2e/secret']) {
      const res = await rawGet(barePort, path);
      assert.ok(!res.text.includes(SECRET), `${path} leaked the secret`);
    }
  });
});

describe('mount', () => {
  test('a plain Node (req, res) handler sees the URL without the prefix', async () => {
    const app = new App({ logger: false, openapi: false });
    app.mount('/raw', (req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.url}`);
    });
    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      assert.equal((await request(port, '/raw/x/y?z=1')).text, 'GET /x/y?z=1');
      // As Starlette's Mount ("/raw/{path:path}"): the bare prefix is not under it, and the app's redirectSlashes sends it to "/raw/".
      const bare = await request(port, '/raw?q=2');
      assert.equal(bare.status, 307);
      assert.equal(bare.headers.location, '/raw/?q=2');
      assert.equal((await request(port, '/raw/?q=2')).text, 'GET /?q=2');
      assert.equal((await request(port, '/raw/', { method: 'DELETE' })).text, 'DELETE /');
      assert.equal((await request(port, '/rawx')).status, 404, 'the prefix is a whole segment');
    } finally {
      await app.close();
    }
  });

  test('a mounted App serves its routes (and its own 404s) under the prefix', async () => {
    const sub = new App({ logger: false, openapi: false });
    sub.get('/items/:id', async ({ params }) => ({ id: params.id, from: 'sub' }));
    const app = new App({ logger: false, openapi: false });
    app.get('/items/:id', async () => ({ from: 'main' }));
    app.mount('/v2', sub);
    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      assert.deepEqual(JSON.parse((await request(port, '/v2/items/7')).text), { id: '7', from: 'sub' });
      assert.deepEqual(JSON.parse((await request(port, '/items/7')).text), { from: 'main' });
      const missing = await request(port, '/v2/nothing');
      assert.equal(missing.status, 404);
      assert.deepEqual(JSON.parse(missing.text), { detail: 'Not Found' });
    } finally {
      await app.close();
    }
  });

  test('a mounted Router is included: its routes are the app\'s own, in the OpenAPI document too', async () => {
    const router = new Router();
    router.get('/users', async () => [{ name: 'ann' }]);
    const app = new App({ logger: false });
    app.mount('/api', router);
    const res = await app.inject('/api/users');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), [{ name: 'ann' }]);
    assert.ok(Object.keys(app.openapi().paths ?? {}).includes('/api/users'));
  });

  test('static files mounted at a prefix: files, index at the bare prefix, relative redirects', async () => {
    const app = new App({ logger: false, openapi: false });
    app.mount('/assets', staticFiles(root));
    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      assert.equal((await request(port, '/assets/hello.txt')).text, 'hello world\n');
      assert.equal((await request(port, '/assets/')).text, '<h1>home</h1>\n');
      // The bare prefix is not under the mount (as Starlette's): the App redirects it to "/assets/".
      const bareRoot = await request(port, '/assets');
      assert.equal(bareRoot.status, 307);
      assert.equal(bareRoot.headers.location, '/assets/');
      const bare = await request(port, '/assets/sub');
      assert.equal(bare.status, 301);
      assert.equal(new URL(bare.headers.location!, `http://x/assets/sub`).pathname, '/assets/sub/');
      assert.equal((await request(port, '/assets/sub/')).text, '<h1>sub</h1>\n');
    } finally {
      await app.close();
    }
  });
});
