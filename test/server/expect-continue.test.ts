// `Expect: 100-continue` (src/server/expect-continue.ts), over real sockets to an app in a child
// process: a declared body over the route's limit gets 413 at once, without `100 Continue`; one
// within it gets `100 Continue` when the route reads it, then its answer, for JSON, multipart and
// offloaded routes. After each, the same process (same pid) serves the next request. Any other
// expectation is ignored, as uvicorn does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEdgeCasesApp, type EdgeCasesApp } from '../support/edge-cases.js';
import { RawConnection } from '../support/raw-http.js';
import { skipOnBun } from '../support/runtime.js';

let app: EdgeCasesApp;
let pid: number;

before(async () => {
  app = await startEdgeCasesApp();
  pid = await app.servedPid();
});
after(() => app.kill());

const BOUNDARY = 'edge-boundary';

function head(path: string, length: number, contentType: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;
}

function multipart(note: string, file: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\n${note}\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

const cases: { route: string; contentType: string; body: Buffer; answer: unknown }[] = [
  { route: '/json', contentType: 'application/json', body: Buffer.from('{"name":"widget"}'), answer: { name: 'widget' } },
  { route: '/json-offloaded', contentType: 'application/json', body: Buffer.from('{"name":"widget"}'), answer: { name: 'widget', offloaded: true } },
  { route: '/upload', contentType: `multipart/form-data; boundary=${BOUNDARY}`, body: multipart('hi', Buffer.alloc(10_000, 1)), answer: { note: 'hi', size: 10_000 } },
];

for (const { route, contentType, body, answer } of cases) {
  test(`POST ${route} within its limit: 100 Continue, then the answer, on a connection that stays open`, async () => {
    const connection = await RawConnection.open(app.port);
    try {
      connection.write(head(route, body.length, contentType));
      assert.equal((await connection.response())?.status, 100, 'the server asks for the body');
      connection.write(body);
      const response = await connection.response();
      assert.equal(response?.status, 200, response?.body);
      assert.deepEqual(JSON.parse(response!.body), answer);
      connection.write(`GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      assert.deepEqual(JSON.parse((await connection.response())!.body), { pid });
    } finally {
      connection.destroy();
    }
  });
}

const tooLarge: { route: string; contentType: string; length: number; detail: string }[] = [
  { route: '/json', contentType: 'application/json', length: 10_000, detail: 'Request body is larger than the limit of 1024 bytes' },
  { route: '/json-offloaded', contentType: 'application/json', length: 10_000, detail: 'Request body is larger than the limit of 1024 bytes' },
  { route: '/upload', contentType: `multipart/form-data; boundary=${BOUNDARY}`, length: 1_000_000, detail: 'Multipart body is larger than the limit of 65536 bytes' },
];

for (const { route, contentType, length, detail } of tooLarge) {
  test(`POST ${route} declaring ${length} bytes, over its limit: 413 at once, no 100 Continue`, skipOnBun("Bun's server answers Expect: 100-continue itself, before the route's body limit is known"), async () => {
    const connection = await RawConnection.open(app.port);
    try {
      connection.write(head(route, length, contentType));
      const response = await connection.response();
      assert.equal(response?.status, 413, 'the first answer is the 413, not 100 Continue');
      assert.deepEqual(JSON.parse(response!.body), { detail });
      assert.equal(response!.headers.connection, 'close');
      assert.doesNotMatch(response!.raw, /100 Continue/);
    } finally {
      connection.destroy();
    }
    assert.equal(await app.servedPid(), pid);
  });
}

test('a route that never reads the body answers without asking for it, and closes the connection (the body may still come)', skipOnBun("Bun's server keeps the connection of an unread body open and reads the body itself"), async () => {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(`POST /pid HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`);
    const response = await connection.response();
    assert.equal(response?.status, 405);
    assert.equal(response!.headers.connection, 'close');
    assert.equal(await connection.closedWithin(3_000), true);
  } finally {
    connection.destroy();
  }
  assert.equal(await app.servedPid(), pid);
});

test('an expectation other than 100-continue is served as if it were not there (uvicorn and Bun do; Node alone answered a bare 417)', async () => {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(`GET /pid HTTP/1.1\r\nHost: localhost\r\nExpect: something\r\n\r\n`);
    const response = await connection.response();
    assert.equal(response?.status, 200, response?.raw);
    assert.deepEqual(JSON.parse(response!.body), { pid });
    const body = '{"name":"widget"}';
    connection.write(`POST /json HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 200-ok\r\n\r\n${body}`);
    const posted = await connection.response();
    assert.equal(posted?.status, 200, posted?.raw);
    assert.deepEqual(JSON.parse(posted!.body), { name: 'widget' });
  } finally {
    connection.destroy();
  }
});
