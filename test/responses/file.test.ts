import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, file, t } from '../../src/index.js';
import { contentDisposition } from '../../src/responses/file.js';
import { request } from '../support/http.js';
import { onBun } from '../support/runtime.js';

/**
 * The Content-Length a file answer goes out with: the file's on Node; on Bun, whose server frames a
 * streamed body itself (docs/bun.md), the same when the whole body was read by the time it wrote
 * the head (a small file), else none (chunked).
 */
function assertLength(actual: string | string[] | undefined, length: string): void {
  if (onBun && actual === undefined) return;
  assert.equal(actual, length);
}

let dir: string;
let app: App;
let port: number;
const big = randomBytes(3 * 1024 * 1024 + 17);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loopwise-file-'));
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'report.pdf'), '%PDF-1.4 fake');
  writeFileSync(join(dir, 'notes.txt'), '0123456789');
  writeFileSync(join(dir, 'data.json'), '{"a":1}');
  writeFileSync(join(dir, 'blob.unknownext'), 'x');
  writeFileSync(join(dir, 'big.bin'), big);
  writeFileSync(join(dir, 'empty.txt'), '');

  app = new App({ logger: false, openapi: false });
  app.get('/files/:name', { query: t.Object({ as: t.Optional(t.String()), type: t.Optional(t.String()) }) }, async ({ params, query, request }) =>
    file(join(dir, params.name), { filename: query.as, contentType: query.type, request }),
  );
  app.get('/inline', async () => file(join(dir, 'report.pdf'), { disposition: 'inline' }));
  app.get('/plain/:name', async ({ params }) => file(join(dir, params.name)));
  port = (await app.listen({ port: 0, handleSignals: false })).port;
});

after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('file()', () => {
  test('streams the file with Content-Length, a type from its extension, ETag and Last-Modified', async () => {
    const res = await request(port, '/files/report.pdf');
    assert.equal(res.status, 200);
    assert.equal(res.text, '%PDF-1.4 fake');
    assertLength(res.headers['content-length'], '13');
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.match(res.headers.etag!, /^W\/"d-[0-9a-f]+"$/);
    assert.ok(res.headers['last-modified']);
    assert.equal(res.headers['content-disposition'], undefined, 'no filename, no disposition (as FastAPI)');
    assert.equal((await request(port, '/files/notes.txt')).headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await request(port, '/files/data.json')).headers['content-type'], 'application/json; charset=utf-8');
    assert.equal((await request(port, '/files/blob.unknownext')).headers['content-type'], 'application/octet-stream');
    assert.equal((await request(port, '/files/notes.txt?type=text/csv')).headers['content-type'], 'text/csv');
  });

  test('a large file arrives whole', async () => {
    const res = await request(port, '/files/big.bin');
    assertLength(res.headers['content-length'], String(big.length));
    assert.ok(res.body.equals(big));
  });

  test('an empty file is an empty 200', async () => {
    const res = await request(port, '/files/empty.txt');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], '0');
    assert.equal(res.text, '');
  });

  test('filename: an attachment; non-ASCII names get an ASCII fallback and filename* (RFC 6266)', async () => {
    const ascii = await request(port, `/files/report.pdf?as=${encodeURIComponent('Q3 report.pdf')}`);
    assert.equal(ascii.headers['content-disposition'], 'attachment; filename="Q3 report.pdf"');

    const name = 'Q3 – résumé (final).pdf';
    const res = await request(port, `/files/report.pdf?as=${encodeURIComponent(name)}`);
    const header = res.headers['content-disposition']!;
    assert.equal(header, `attachment; filename="Q3 _ resume (final).pdf"; filename*=UTF-8''Q3%20%E2%80%93%20r%C3%A9sum%C3%A9%20%28final%29.pdf`);
    const encoded = /filename\*=UTF-8''(.+)$/.exec(header)![1]!;
    assert.equal(decodeURIComponent(encoded), name);
    assert.equal((await request(port, '/inline')).headers['content-disposition'], 'inline; filename="report.pdf"');
  });

  test('contentDisposition cannot be broken out of: quotes, backslashes, CR/LF', () => {
    assert.equal(contentDisposition('attachment', 'a"b\\c.txt'), `attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%5Cc.txt`);
    assert.equal(contentDisposition('attachment', 'x\r\nSet-Cookie: a=1'), `attachment; filename="xSet-Cookie: a=1"`);
    assert.equal(contentDisposition('attachment', '100%.txt'), `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`);
    assert.equal(contentDisposition('attachment', '日本.txt'), `attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`);
  });

  test('a missing file, or a directory, is 404 {"detail":"Not Found"}', async () => {
    for (const path of ['/files/missing.pdf', '/plain/missing.pdf', '/files/folder']) {
      const res = await request(port, path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(JSON.parse(res.text), { detail: 'Not Found' });
    }
  });

  test('with the request: Range gives 206, an unsatisfiable one 416', async () => {
    const part = await request(port, '/files/notes.txt', { headers: { range: 'bytes=3-6' } });
    assert.equal(part.status, 206);
    assert.equal(part.text, '3456');
    assert.equal(part.headers['content-range'], 'bytes 3-6/10');
    assertLength(part.headers['content-length'], '4');
    assert.equal(part.headers['accept-ranges'], 'bytes');
    const suffix = await request(port, '/files/notes.txt', { headers: { range: 'bytes=7-' } });
    assert.equal(suffix.text, '789');
    const bad = await request(port, '/files/notes.txt', { headers: { range: 'bytes=20-30' } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */10');
    assert.deepEqual(JSON.parse(bad.text), { detail: 'Range Not Satisfiable' });
    const several = await request(port, '/files/notes.txt', { headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(several.status, 200, 'several ranges: the whole file');
    assert.equal(several.text, '0123456789');
    // If-Range with another version's ETag: the whole file, not a piece of the wrong one.
    const stale = await request(port, '/files/notes.txt', { headers: { range: 'bytes=0-1', 'if-range': 'W/"old"' } });
    assert.equal(stale.status, 200);
    assert.equal(stale.text, '0123456789');
    const routeWithoutRequest = await request(port, '/plain/notes.txt', { headers: { range: 'bytes=0-1' } });
    assert.equal(routeWithoutRequest.status, 200, 'without the request, no Range handling');
  });

  test('with the request: 304 for a matching If-None-Match or If-Modified-Since, HEAD has no body', async () => {
    const first = await request(port, '/files/notes.txt');
    const byTag = await request(port, '/files/notes.txt', { headers: { 'if-none-match': first.headers.etag! } });
    assert.equal(byTag.status, 304);
    assert.equal(byTag.text, '');
    const byDate = await request(port, '/files/notes.txt', { headers: { 'if-modified-since': first.headers['last-modified']! } });
    assert.equal(byDate.status, 304);
    const head = await request(port, '/files/big.bin', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(big.length));
    assert.equal(head.text, '');
  });
});

test('a FIFO is not a file: 404 at once, and no thread is left waiting for a writer (files are still served after)', async () => {
  const fifoDir = mkdtempSync(join(tmpdir(), 'loopwise-fifo-'));
  const fifo = join(fifoDir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  writeFileSync(join(fifoDir, 'small.txt'), 'small');
  const app = new App({ logger: false, openapi: false });
  app.get('/fifo', async () => file(fifo));
  app.get('/small', async () => file(join(fifoDir, 'small.txt')));
  const { port } = await app.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
  try {
    // More than libuv's pool of 4 threads: opened blocking, these held every one of them.
    const answers = await Promise.all(Array.from({ length: 6 }, () => request(port, '/fifo', { timeout: 3_000 })));
    for (const answer of answers) assert.deepEqual([answer.status, answer.json()], [404, { detail: 'Not Found' }]);
    const small = await request(port, '/small', { timeout: 3_000 });
    assert.equal(small.text, 'small');
  } finally {
    // Should a reader be blocked in open() (the bug this checks), a writer lets it go, so the run can end.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader waits, as it should be
    }
    await app.close();
    rmSync(fifoDir, { recursive: true, force: true });
  }
});
