// compression(): brotli or gzip as Accept-Encoding says, bodies that decompress to the original
// (JSON and streamed), the size threshold, identity, encoded bodies, and event streams sent unbuffered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, createBrotliDecompress, createGunzip, gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoopwiseError, compression, HttpResponse, stream, text } from '../../src/index.js';
import { request, serveApp } from '../support/http.js';
import { quietApp } from '../support/quiet-app.js';
import { onBun } from '../support/runtime.js';

const ITEMS = Array.from({ length: 200 }, (_, id) => ({ id, name: `item ${id}`, tags: ['red', 'green', 'blue'] }));
const LINES = Array.from({ length: 300 }, (_, i) => `line ${i}: ${'lorem ipsum '.repeat(5)}\n`);

/** Released by the test once it has seen the first event: the second is sent only then. */
let releaseSecondEvent: () => void = () => {};

const app = quietApp();
app.use(compression());
app.get('/items', () => ITEMS);
app.get('/small', () => ({ ok: true }));
app.get('/stream', () =>
  stream(
    (async function* () {
      for (const line of LINES) {
        yield line;
        if (line.startsWith('line 1')) await sleep(0);
      }
    })(),
    { headers: { 'content-type': 'text/plain; charset=utf-8' } },
  ),
);
// Over zlib's buffer (the helper found 64 KiB enough): the stream has to wait for the zlib stream's 'drain'.
const BIG_CHUNK = 'x'.repeat(1024);
app.get('/big-stream', () =>
  stream(
    (async function* () {
      for (let i = 0; i < 1000; i++) yield BIG_CHUNK;
    })(),
    { headers: { 'content-type': 'text/plain; charset=utf-8' } },
  ),
);
app.get('/encoded', () => new HttpResponse(Buffer.from('already-encoded '.repeat(200)), { headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' } }));
app.get('/png', () => new HttpResponse(Buffer.alloc(4096, 7), { headers: { 'content-type': 'image/png' } }));
app.get('/no-transform', () => text('x'.repeat(4096), { headers: { 'cache-control': 'no-transform' } }));
app.get('/events', () =>
  stream(
    (async function* () {
      yield 'data: first\n\n';
      await new Promise<void>((resolve) => (releaseSecondEvent = resolve));
      yield 'data: second\n\n';
    })(),
    { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } },
  ),
);

/** Same for the flushed stream. */
let releaseSecondChunk: () => void = () => {};
const flushed = quietApp();
flushed.use(compression({ flushEachWrite: true }));
flushed.get('/progress', () =>
  stream(
    (async function* () {
      yield 'step 1 done\n';
      await new Promise<void>((resolve) => (releaseSecondChunk = resolve));
      yield 'step 2 done\n';
    })(),
    { headers: { 'content-type': 'text/plain; charset=utf-8' } },
  ),
);

const small = quietApp();
small.use(compression({ threshold: 10 }));
small.get('/small', () => ({ ok: true }));

let port = 0;
let smallPort = 0;
let flushedPort = 0;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  const a = await serveApp(app);
  const b = await serveApp(small);
  const c = await serveApp(flushed);
  port = a.port;
  smallPort = b.port;
  flushedPort = c.port;
  closers.push(a.close, b.close, c.close);
});
after(() => Promise.all(closers.map((close) => close())));

const JSON_BODY = JSON.stringify(ITEMS);

test('JSON is sent brotli-compressed when br is offered (preferred over gzip), and decompresses to the original', async () => {
  const res = await request(port, '/items', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-encoding'], 'br');
  // Node sends a compressed body chunked; Bun frames one that was whole before it sent the head with its length.
  if (!onBun) assert.equal(res.headers['content-length'], undefined);
  assert.match(String(res.headers.vary), /accept-encoding/i);
  assert.ok(res.body.length < JSON_BODY.length / 4, `compressed to ${res.body.length} of ${JSON_BODY.length} bytes`);
  assert.equal(brotliDecompressSync(res.body).toString('utf8'), JSON_BODY);
});

test('JSON is gzip-compressed when only gzip is offered', async () => {
  const res = await request(port, '/items', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(res.body).toString('utf8'), JSON_BODY);
});

test('the client\'s q-values win: gzip;q=1, br;q=0.5 gets gzip', async () => {
  const res = await request(port, '/items', { headers: { 'accept-encoding': 'gzip;q=1, br;q=0.5' } });
  assert.equal(res.headers['content-encoding'], 'gzip');
});

test('a streamed response is compressed too, and decompresses to every chunk in order', async () => {
  for (const [encoding, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
    const res = await request(port, '/stream', { headers: { 'accept-encoding': encoding } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], encoding);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(decode(res.body).toString('utf8'), LINES.join(''));
  }
});

test('a streamed body large enough to fill zlib\'s buffer is sent whole: it waits for the compressor\'s drain (on Bun it waited for ever)', async () => {
  for (const [encoding, decode] of [['br', brotliDecompressSync], ['gzip', gunzipSync]] as const) {
    const res = await request(port, '/big-stream', { headers: { 'accept-encoding': encoding }, timeout: 10_000 });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], encoding);
    assert.equal(decode(res.body).toString('utf8'), BIG_CHUNK.repeat(1000), encoding);
  }
});

test('bodies below the threshold (default 1 KiB) are sent as they are', async () => {
  const res = await request(port, '/small', { headers: { 'accept-encoding': 'gzip, br' } });
  assert.equal(res.headers['content-encoding'], undefined);
  assert.equal(res.text, '{"ok":true}');
  const lower = await request(smallPort, '/small', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(lower.headers['content-encoding'], 'gzip', 'threshold: 10 compresses it');
  assert.equal(gunzipSync(lower.body).toString(), '{"ok":true}');
});

test('Accept-Encoding: identity, or none, gets the body uncompressed', async () => {
  for (const headers of [{ 'accept-encoding': 'identity' }, {}] as Record<string, string>[]) {
    const res = await request(port, '/items', { headers });
    assert.equal(res.headers['content-encoding'], undefined);
    assert.equal(res.text, JSON_BODY);
  }
});

test('encoded bodies, incompressible types and Cache-Control: no-transform are left alone', async () => {
  const encoded = await request(port, '/encoded', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(encoded.headers['content-encoding'], 'gzip');
  assert.equal(encoded.text, 'already-encoded '.repeat(200));
  const png = await request(port, '/png', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(png.headers['content-encoding'], undefined);
  assert.equal(png.body.length, 4096);
  const keep = await request(port, '/no-transform', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(keep.headers['content-encoding'], undefined);
  assert.equal(keep.text.length, 4096);
});

test('text/event-stream is not compressed and not buffered: an event arrives before the next is made', async () => {
  const received: string[] = [];
  const done = new Promise<{ encoding: string | undefined }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/events', headers: { 'accept-encoding': 'gzip, br' }, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        received.push(chunk);
        // The server holds the second event until the first has been read here.
        if (chunk.includes('first')) releaseSecondEvent();
      });
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'] }));
      res.on('error', reject);
    });
    req.setTimeout(3_000, () => req.destroy(new Error('the first event never arrived: the event stream is buffered')));
    req.on('error', reject);
    req.end();
  });
  const { encoding } = await done;
  assert.equal(encoding, undefined);
  assert.equal(received.join(''), 'data: first\n\ndata: second\n\n');
});

test('flushEachWrite: each chunk of a compressed stream reaches the client as soon as it is written', async () => {
  for (const encoding of ['gzip', 'br']) {
    const received: string[] = [];
    const done = new Promise<string | undefined>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: flushedPort, path: '/progress', headers: { 'accept-encoding': encoding }, agent: false }, (res) => {
        const decoder = encoding === 'gzip' ? createGunzip() : createBrotliDecompress();
        res.pipe(decoder);
        decoder.setEncoding('utf8');
        decoder.on('data', (chunk: string) => {
          received.push(chunk);
          if (chunk.includes('step 1')) releaseSecondChunk();
        });
        decoder.on('end', () => resolve(res.headers['content-encoding']));
        decoder.on('error', reject);
      });
      req.setTimeout(3_000, () => req.destroy(new Error(`${encoding}: the first chunk never arrived: the compressor held it back`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(await done, encoding);
    assert.equal(received.join(''), 'step 1 done\nstep 2 done\n');
  }
});

test('invalid options are refused when the middleware is made', () => {
  assert.throws(() => compression({ threshold: -1 }), LoopwiseError);
  assert.throws(() => compression({ level: 12 }), /level/);
  assert.throws(() => compression({ brotliQuality: 20 }), /brotliQuality/);
});
