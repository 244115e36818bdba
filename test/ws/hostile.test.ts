// Hostile frames and Upgrade requests (issue 16), over real sockets to an app with WebSocket routes
// in a child process (test/ws/fixtures/hostile-ws-app.ts): a frame nesting too deep for a recursive
// schema is refused with 1007; an Upgrade that is not a WebSocket one gets the server's own Host and
// version checks and its send timeout; a WebSocket handshake gets the same checks; a request
// pipelined before an Upgrade is answered first. After each, the same process (pid) serves on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MAX_JSON_DEPTH } from '../../src/pipeline/json-depth.js';
import { startAppProcess, logLines, type AppProcess } from '../support/app-process.js';
import { BIG_SIZE } from '../support/edge-cases-app-sizes.js';
import { RawConnection, rawGet, type RawResponse } from '../support/raw-http.js';
import { connect } from '../support/ws-client.js';
import { skipOnBun } from '../support/runtime.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/hostile-ws-app.ts', import.meta.url));
const SEND_TIMEOUT = 500;
const KEY_HEADERS = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
const H2C_HEADERS = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n';

let app: AppProcess & { port: number };
let pid: number;

async function servedPid(): Promise<number> {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(rawGet('/pid'));
    const response = await connection.response();
    assert.equal(response?.status, 200, `GET /pid answered ${response?.status}`);
    return (JSON.parse(response!.body) as { pid: number }).pid;
  } finally {
    connection.destroy();
  }
}

/** `levels` objects nested in one another's `c` arrays: twice as many JSON levels. */
function tree(levels: number): string {
  return '{"c":['.repeat(levels) + '{"c":[]}' + ']}'.repeat(levels);
}

/** Sends `request` on a fresh connection: the first response, and whether the server then closed the connection. */
async function exchange(request: string): Promise<{ response: RawResponse | null; closed: boolean }> {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(request);
    const response = await connection.response();
    return { response, closed: await connection.closedWithin(2_000) };
  } finally {
    connection.destroy();
  }
}

before(async () => {
  app = await startAppProcess(FIXTURE, { env: { SEND_TIMEOUT: String(SEND_TIMEOUT) } });
  pid = await servedPid();
});
after(() => app.kill());

test('a 160 KB frame nesting 40 000 levels for a recursive message schema → close 1007; the process serves on', async () => {
  const client = await connect(`ws://127.0.0.1:${app.port}/tree`);
  client.ws.send(tree(20_000));
  assert.deepEqual(await client.closed(), { code: 1007, reason: `Invalid message: JSON nests deeper than ${MAX_JSON_DEPTH} levels` });
  assert.equal(await servedPid(), pid);
  // At the limit the message is validated and read, as an HTTP body of that depth is.
  const atLimit = await connect(`ws://127.0.0.1:${app.port}/tree`);
  atLimit.ws.send(tree(MAX_JSON_DEPTH / 2 - 1));
  assert.deepEqual(await atLimit.json(), { ok: 1 });
  atLimit.ws.send(tree(MAX_JSON_DEPTH / 2));
  assert.equal((await atLimit.closed()).code, 1007);
});

test('Upgrade: h2c with two Hosts, no Host, or HTTP/2.0 → 400, 400, 505 from the server’s protocol check', async () => {
  const cases: [string, number, string][] = [
    [`GET /pid HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n${H2C_HEADERS}\r\n`, 400, 'Bad Request: the request has more than one Host header'],
    [`GET /pid HTTP/1.1\r\n${H2C_HEADERS}\r\n`, 400, 'Bad Request: an HTTP/1.1 request must have a Host header'],
    [`GET /pid HTTP/2.0\r\nHost: localhost\r\n${H2C_HEADERS}\r\n`, 505, 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0'],
  ];
  for (const [request, status, detail] of cases) {
    const { response, closed } = await exchange(request);
    assert.equal(response?.status, status, request);
    assert.deepEqual(JSON.parse(response!.body), { detail });
    assert.equal(closed, true);
  }
  // A well-formed one is still served as an ordinary request.
  const { response } = await exchange(`GET /pid HTTP/1.1\r\nHost: localhost\r\n${H2C_HEADERS}\r\n`);
  assert.equal(response?.status, 200);
  assert.deepEqual(JSON.parse(response!.body), { pid });
  assert.equal(await servedPid(), pid);
});

test('a WebSocket handshake with two Hosts, no Host, HTTP/2.0 or HTTP/1.0 → 400, 400, 505, 505, never 101', async () => {
  const cases: [string, number, string][] = [
    [`GET /echo HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n${KEY_HEADERS}\r\n`, 400, 'Bad Request: the request has more than one Host header'],
    [`GET /echo HTTP/1.1\r\n${KEY_HEADERS}\r\n`, 400, 'Bad Request: an HTTP/1.1 request must have a Host header'],
    [`GET /echo HTTP/2.0\r\nHost: localhost\r\n${KEY_HEADERS}\r\n`, 505, 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0'],
    [`GET /echo HTTP/1.0\r\nHost: localhost\r\n${KEY_HEADERS}\r\n`, 505, 'HTTP Version Not Supported: a WebSocket handshake needs HTTP/1.1'],
  ];
  for (const [request, status, detail] of cases) {
    const { response, closed } = await exchange(request);
    assert.equal(response?.status, status, request);
    assert.deepEqual(JSON.parse(response!.body), { detail });
    assert.equal(closed, true);
  }
  const { response } = await exchange(`GET /echo HTTP/1.1\r\nHost: localhost\r\n${KEY_HEADERS}\r\n`);
  assert.equal(response?.status, 101);
  assert.equal(await servedPid(), pid);
});

test('a client that stops reading a large response to an Upgrade: h2c request is cut after sendTimeout', skipOnBun("an app with WebSocket routes is served through Bun's node:http layer, whose sockets take every write at once (no backpressure reaches write() or 'drain')"), async () => {
  const { bytes } = await new Promise<{ bytes: number }>((resolve, reject) => {
    const socket = tcpConnect(app.port, '127.0.0.1');
    let bytes = 0;
    socket.pause();
    socket.once('connect', () => {
      socket.write(`GET /big HTTP/1.1\r\nHost: localhost\r\n${H2C_HEADERS}\r\n`);
      setTimeout(() => socket.resume(), SEND_TIMEOUT * 6);
    });
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => {}); // a reset: the server destroyed the socket with bytes unsent
    socket.on('close', () => resolve({ bytes }));
    setTimeout(() => reject(new Error(`GET /big not over after 30 s (${bytes} bytes)`)), 30_000).unref();
  });
  assert.ok(bytes < BIG_SIZE, `the whole response arrived (${bytes} bytes): the stalled connection was not cut`);
  assert.equal(await servedPid(), pid);
});

test('requests pipelined before an Upgrade are answered first, then the Upgrade (h2c served, WebSocket refused or accepted)', skipOnBun("Bun's node:http layer hands an Upgrade to the app before the requests pipelined ahead of it are answered"), async () => {
  const upgrades: [string, number][] = [
    [`GET /pid HTTP/1.1\r\nHost: localhost\r\n${H2C_HEADERS}\r\n`, 200],
    [`GET /nowhere HTTP/1.1\r\nHost: localhost\r\n${KEY_HEADERS}\r\n`, 404],
    [`GET /echo HTTP/1.1\r\nHost: localhost\r\n${KEY_HEADERS}\r\n`, 101],
  ];
  for (const [upgrade, status] of upgrades) {
    const connection = await RawConnection.open(app.port);
    try {
      // /slow first: its response owns the connection when Node hands the Upgrade over (writing another threw).
      connection.write(rawGet('/slow') + rawGet('/pid') + upgrade);
      assert.deepEqual(JSON.parse((await connection.response())!.body), { slept: true });
      assert.deepEqual(JSON.parse((await connection.response())!.body), { pid });
      assert.equal((await connection.response())?.status, status, upgrade);
    } finally {
      connection.destroy();
    }
  }
  assert.equal(await servedPid(), pid);
  assert.deepEqual(logLines(app.lines).filter((line) => line.level >= 50), [], 'nothing logged as an error');
});
