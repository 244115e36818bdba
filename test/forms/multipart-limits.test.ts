// Multipart limits over real sockets: each is enforced while the upload streams in, answered 413 with
// a detail naming the limit and `Connection: close`, the rest of the upload is dropped (the client
// reads the answer rather than a reset), temporary files are removed, and the server serves the
// next request at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, t, upload } from '../../src/index.js';
import { request } from '../support/http.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';
import { BOUNDARY, patternSha256, streamMultipart, type StreamResult } from './fixtures/multipart-client.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const spoolDir = mkdtempSync(join(tmpdir(), 'loopwise-limits-test-'));
const app = new App({
  logger: false,
  multipart: { maxFileSize: MIB, maxBodySize: 3 * MIB, maxFiles: 3, maxFields: 5, spoolThreshold: 64 * KIB, tempDir: spoolDir },
});
let port = 0;
let handlerCalls = 0;

app.post(
  '/upload',
  { consumes: ['multipart/form-data'], body: t.Object({ note: t.Optional(t.String()), files: t.Array(upload()), avatar: t.Optional(upload({ maxSize: 100 * KIB })) }) },
  async ({ body }) => {
    handlerCalls++;
    return { sizes: body.files.map((file) => file.size), avatar: body.avatar?.size ?? null };
  },
);
app.post('/big', { consumes: ['multipart/form-data'], multipart: { maxFileSize: 8 * MIB, maxBodySize: 9 * MIB }, body: t.Object({ files: t.Array(upload()) }) }, async ({ body }) => ({
  sizes: body.files.map((file) => file.size),
}));
app.post('/explode', { consumes: ['multipart/form-data'], body: t.Object({ files: t.Array(upload()) }) }, async () => {
  throw new Error('the handler fails after the upload was stored');
});
app.get('/ping', () => ({ pong: true }));

before(async () => {
  port = (await app.listen({ port: 0, handleSignals: false })).port;
});

after(async () => {
  await withTimeout(app.close(), 5_000, 'app.close()');
  rmSync(spoolDir, { recursive: true, force: true });
});

async function expectServing(): Promise<void> {
  const res = await socketGet(port, '/ping');
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { pong: true });
}

async function expectNoTemporaryFiles(): Promise<void> {
  for (let i = 0; i < 40 && readdirSync(spoolDir).length > 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.deepEqual(readdirSync(spoolDir), [], 'temporary files are removed after the answer');
}

function expect413(res: StreamResult, detail: string): void {
  assert.equal(res.status, 413, res.body);
  assert.equal(res.headers.connection, 'close');
  assert.deepEqual(JSON.parse(res.body), { detail });
}

const file = (name: string, size: number) => ({ name, filename: `${name}-${size}.bin`, size });

test('uploads within every limit are stored whole (spooled past 64 KiB) and reach the handler', async () => {
  const res = await streamMultipart(port, '/upload', [{ name: 'note', value: 'hi' }, file('files', 900 * KIB), file('files', 10), file('avatar', 100 * KIB)]);
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(JSON.parse(res.body), { sizes: [900 * KIB, 10], avatar: 100 * KIB });
  await expectNoTemporaryFiles();
});

test('uploads share a kept-alive connection: a fully read multipart body leaves the connection usable', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await streamMultipart(port, '/upload', [file('files', 200 * KIB)], { agent });
    const second = await streamMultipart(port, '/upload', [file('files', 300 * KIB), file('files', 1)], { agent });
    assert.deepEqual([first.status, JSON.parse(first.body)], [200, { sizes: [200 * KIB], avatar: null }]);
    assert.deepEqual([second.status, JSON.parse(second.body)], [200, { sizes: [300 * KIB, 1], avatar: null }]);
    assert.equal(second.reusedSocket, true);
  } finally {
    agent.destroy();
  }
  await expectNoTemporaryFiles();
});

test('a file over the per-file limit → 413 naming the file and the limit, with or without Content-Length', async () => {
  for (const declareLength of [true, false]) {
    const res = await streamMultipart(port, '/upload', [file('files', 2 * MIB)], { declareLength });
    expect413(res, `File 'files-${2 * MIB}.bin' in field 'files' is larger than the limit of ${MIB} bytes per file`);
    await expectServing();
  }
  await expectNoTemporaryFiles();
});

test("a field's own upload({ maxSize }) → 413 with that limit", async () => {
  const res = await streamMultipart(port, '/upload', [file('files', 10), file('avatar', 100 * KIB + 1)]);
  expect413(res, `File 'avatar-${100 * KIB + 1}.bin' in field 'avatar' is larger than the limit of ${100 * KIB} bytes per file`);
  await expectServing();
  await expectNoTemporaryFiles();
});

test('a body over the total limit → 413: at once from Content-Length, or as soon as a chunked body passes it', async () => {
  // Every part is within its own limit; together they are over 3 MiB.
  const parts = [{ name: 'note', value: 'n'.repeat(200 * KIB) }, file('files', 1000 * KIB), file('files', 1000 * KIB), file('files', 1000 * KIB)];
  const declared = await streamMultipart(port, '/upload', parts);
  expect413(declared, `Multipart body is larger than the limit of ${3 * MIB} bytes`);
  await expectServing();

  const chunked = await streamMultipart(port, '/upload', parts, { declareLength: false });
  expect413(chunked, `Multipart body is larger than the limit of ${3 * MIB} bytes`);
  await expectServing();
  await expectNoTemporaryFiles();
});

test('more files than maxFiles → 413; more fields than maxFields → 413', async () => {
  const files = await streamMultipart(port, '/upload', [file('files', 10), file('files', 10), file('files', 10), file('files', 10)]);
  expect413(files, 'Too many files: the limit is 3 per request');
  await expectServing();

  const fields = await streamMultipart(port, '/upload', Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, value: 'v' })));
  expect413(fields, 'Too many form fields: the limit is 5 per request');
  await expectServing();
  await expectNoTemporaryFiles();
});

test("a route's multipart limits win over the App's", async () => {
  const res = await streamMultipart(port, '/big', [file('files', 5 * MIB)]);
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(JSON.parse(res.body), { sizes: [5 * MIB] });
  assert.equal(res.sha256[0], patternSha256(5 * MIB));
  const over = await streamMultipart(port, '/big', [file('files', 8 * MIB + 1)]);
  expect413(over, `File 'files-${8 * MIB + 1}.bin' in field 'files' is larger than the limit of ${8 * MIB} bytes per file`);
  await expectServing();
  await expectNoTemporaryFiles();
});

test('a handler that throws after the upload was spooled → 500, and its temporary files are removed', async () => {
  const res = await streamMultipart(port, '/explode', [file('files', 500 * KIB), file('files', 300 * KIB)]);
  assert.equal(res.status, 500);
  assert.deepEqual(JSON.parse(res.body), { detail: 'Internal Server Error' });
  await expectNoTemporaryFiles();
  await expectServing();
});

test('a body whose parts do not use the boundary its Content-Type names → 400, and the server keeps serving', async () => {
  const body = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n--${BOUNDARY}--\r\n`;
  const answer = await request(port, '/upload', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=other', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  assert.equal(answer.status, 400);
  assert.deepEqual(answer.json(), {
    detail: 'Invalid multipart/form-data body: Unexpected end of multipart data (does the body use the boundary its Content-Type names?)',
  });
  await expectServing();
});

test('a client that hangs up mid-upload: the handler never runs, the temporary file is removed, the server keeps serving', async () => {
  const calls = handlerCalls;
  await withTimeout(
    new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/upload',
        method: 'POST',
        agent: false,
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': String(MIB) },
      });
      req.on('error', () => resolve());
      req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="cut.bin"\r\n\r\n`);
      req.write(Buffer.alloc(200 * KIB, 1)); // past the 64 KiB spool threshold: a temporary file exists
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    }),
    5_000,
    'an aborted upload',
  );
  await expectNoTemporaryFiles();
  assert.equal(handlerCalls, calls);
  await expectServing();
});

test('an upload over 128 MiB is taken where the route allows it, on Node and on Bun (whose own default cap is 128 MiB, answered with a bare 413)', async () => {
  const big = new App({ logger: false, multipart: { maxFileSize: 200 * MIB, maxBodySize: 200 * MIB, tempDir: spoolDir } });
  big.post('/video', { consumes: ['multipart/form-data'], body: t.Object({ video: upload() }) }, async ({ body }) => ({ size: body.video.size }));
  big.post('/json', { body: t.Object({ name: t.String() }) }, async ({ body }) => body);
  const bigPort = (await big.listen({ port: 0, handleSignals: false })).port;
  try {
    const size = 130 * MIB;
    const res = await streamMultipart(bigPort, '/video', [file('video', size)], { chunk: MIB, timeout: 60_000 });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(JSON.parse(res.body), { size });
    // A body declared over every limit is still refused by the route, in FastAPI's shape.
    const declared = await request(bigPort, '/json', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(200 * MIB) } });
    assert.equal(declared.status, 413);
    assert.deepEqual(declared.json(), { detail: 'Request body is larger than the limit of 1048576 bytes' });
  } finally {
    await withTimeout(big.close(), 5_000, 'big.close()');
  }
  await expectNoTemporaryFiles();
});
