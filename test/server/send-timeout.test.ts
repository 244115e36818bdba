// sendTimeout (nginx's send_timeout, src/server/send-timeout.ts), over real sockets to an app in
// a child process with a short one: a client that stops reading a large response is disconnected
// and the response freed; a handler slower than the timeout, and a client that reads, are not cut.
// After each, the same process (same pid) serves the next request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { BIG_SIZE } from '../support/edge-cases-app-sizes.js';
import { startEdgeCasesApp, type EdgeCasesApp } from '../support/edge-cases.js';
import { RawConnection, rawGet } from '../support/raw-http.js';
import { withTimeout } from '../support/with-timeout.js';
import { onBun, skipOnBun } from '../support/runtime.js';

const SEND_TIMEOUT = 500;
let app: EdgeCasesApp;
let pid: number;

before(async () => {
  if (onBun) return; // every test here is skipped there: the app's sendTimeout would stop its listen()
  app = await startEdgeCasesApp({ SEND_TIMEOUT: String(SEND_TIMEOUT), SLOW_MS: String(SEND_TIMEOUT * 3) });
  pid = await app.servedPid();
});
after(() => app?.kill());

/** GET /big, not reading for `stall` ms, then reading what is left: the bytes and whether the server cut it. */
function readBigAfter(stall: number): Promise<{ bytes: number; cut: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1');
    let bytes = 0;
    let cut = false;
    socket.pause();
    socket.once('connect', () => {
      socket.write(rawGet('/big', 'Connection: close\r\n'));
      setTimeout(() => socket.resume(), stall);
    });
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => (cut = true)); // a reset: the server destroyed the socket with bytes unsent
    socket.on('close', () => resolve({ bytes, cut }));
    setTimeout(() => reject(new Error(`GET /big not over after ${stall + 20_000} ms (${bytes} bytes)`)), stall + 20_000).unref();
  });
}

test('a client that stops reading a large response is disconnected after sendTimeout; the server serves on', skipOnBun("Bun's server has no send timeout: sendTimeout is refused at listen() on Bun (test/server/bun-server.test.ts)"), async () => {
  const { bytes, cut } = await readBigAfter(SEND_TIMEOUT * 6);
  assert.ok(bytes < BIG_SIZE, `the whole response arrived (${bytes} bytes): the stalled connection was not cut`);
  assert.ok(cut || bytes > 0, 'the connection ended');
  assert.equal(await app.servedPid(), pid);
});

test('a client that reads gets the whole large response', skipOnBun("Bun's server has no send timeout: sendTimeout is refused at listen() on Bun (test/server/bun-server.test.ts)"), async () => {
  const { bytes, cut } = await readBigAfter(0);
  assert.equal(cut, false);
  assert.ok(bytes > BIG_SIZE, `${bytes} bytes: headers and the ${BIG_SIZE}-byte body`);
});

test('a handler slower than sendTimeout is not cut: that is the route’s timeout', skipOnBun("Bun's server has no send timeout: sendTimeout is refused at listen() on Bun (test/server/bun-server.test.ts)"), async () => {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(rawGet('/slow'));
    const response = await withTimeout(connection.response(SEND_TIMEOUT * 20), SEND_TIMEOUT * 20, 'GET /slow');
    assert.equal(response?.status, 200);
    assert.deepEqual(JSON.parse(response!.body), { slept: true });
  } finally {
    connection.destroy();
  }
  assert.equal(await app.servedPid(), pid);
});
