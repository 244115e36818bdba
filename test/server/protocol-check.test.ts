// The server's own checks before routing (src/server/protocol-check.ts), over real sockets to an
// app in a child process: two Host headers are refused 400 (RFC 9112 §3.2), and pipelined requests
// run one at a time, so one connection cannot make the server buffer many large responses. After
// each, the same process (same pid) serves the next request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PIPELINED } from '../../src/server/protocol-check.js';
import { startEdgeCasesApp, type EdgeCasesApp } from '../support/edge-cases.js';
import { RawConnection, rawGet } from '../support/raw-http.js';
import { skipOnBun } from '../support/runtime.js';

let app: EdgeCasesApp;
let pid: number;

before(async () => {
  app = await startEdgeCasesApp();
  pid = await app.servedPid();
});
after(() => app.kill());

async function exchange(request: string, waitForClose = true): Promise<{ response: Awaited<ReturnType<RawConnection['response']>>; closed: boolean }> {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(request);
    const response = await connection.response();
    return { response, closed: waitForClose && (await connection.closedWithin(2_000)) };
  } finally {
    connection.destroy();
  }
}

test('two Host headers → 400 in FastAPI’s shape and the connection closed, whatever their case or version', skipOnBun("Bun's server parses the request itself and joins two Host headers into one value before loopwise sees them"), async () => {
  const requests = [
    'GET /pid HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n\r\n',
    'GET /pid HTTP/1.1\r\nhost: localhost\r\nHOST: localhost\r\n\r\n',
    'GET /pid HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\nhOsT: other\r\n\r\n',
    'GET /pid HTTP/1.0\r\nHost: localhost\r\nHost: evil.example\r\n\r\n',
  ];
  for (const request of requests) {
    const { response, closed } = await exchange(request);
    assert.equal(response?.status, 400, request);
    assert.equal(response!.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(response!.body), { detail: 'Bad Request: the request has more than one Host header' });
    assert.equal(response!.headers.connection, 'close');
    assert.equal(closed, true, 'the connection is closed after the 400');
  }
  assert.equal(await app.servedPid(), pid);
});

test('one Host header, or Hostname-like headers beside it, are served', async () => {
  const { response } = await exchange('GET /pid HTTP/1.1\r\nHost: localhost\r\nX-Host: a\r\nHosts: b\r\n\r\n', false);
  assert.equal(response?.status, 200);
  assert.deepEqual(JSON.parse(response!.body), { pid });
});

test('pipelined requests are answered in order, each handler running alone', skipOnBun("Bun's server reads pipelined requests itself; loopwise's per-connection queue is node:http's"), async () => {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(rawGet('/running').repeat(5) + rawGet('/pid'));
    for (let i = 0; i < 5; i++) {
      const response = await connection.response();
      assert.equal(response?.status, 200);
      assert.deepEqual(JSON.parse(response!.body), { running: 1 }, `request ${i + 1} ran while another did`);
    }
    assert.deepEqual(JSON.parse((await connection.response())!.body), { pid });
  } finally {
    connection.destroy();
  }
});

test(`more than ${MAX_PIPELINED} requests waiting on one connection close it; the server serves on`, async () => {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(rawGet('/running').repeat(MAX_PIPELINED + 10));
    assert.equal(await connection.closedWithin(5_000), true, 'the connection was closed');
  } finally {
    connection.destroy();
  }
  assert.equal(await app.servedPid(), pid);
});
