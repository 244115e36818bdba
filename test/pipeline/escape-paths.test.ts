// Every way a handler's failure could reach the event loop (thrown values, unwritable returns,
// broken streams, exception handlers that fail, work after the response, clients that leave
// mid-body) becomes a logged 500 or a closed socket, and the same process serves on.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { openResponse, request } from '../support/http.js';
import { onBun } from '../support/runtime.js';

const fixture = fileURLToPath(new URL('./fixtures/escape-app.ts', import.meta.url));

let server: AppProcess & { port: number };
let pid: number;

before(async () => {
  server = await startAppProcess(fixture);
  pid = ((await (await fetch(`http://127.0.0.1:${server.port}/pid`)).json()) as { pid: number }).pid;
});
after(() => server.kill());

async function assertStillServing(): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${server.port}/pid`);
  assert.deepEqual(await response.json(), { pid });
  assert.equal(server.child.exitCode, null);
}

/** A GET's status and whole body, or 'closed' when the server cut the connection. */
async function get(path: string): Promise<{ status: number; body: string } | 'closed'> {
  try {
    const { status, text } = await request(server.port, path);
    return { status, body: text };
  } catch {
    return 'closed';
  }
}

const INTERNAL = { status: 500, body: '{"detail":"Internal Server Error"}' };

describe('a failure on a request costs that request only', () => {
  for (const path of ['/throw/null', '/throw/undefined', '/throw/poison', '/throw/poison-sync', '/throw/bad-message']) {
    it(`a handler that throws a hostile value (${path}): 500`, async () => {
      assert.deepEqual(await get(path), INTERNAL);
      await assertStillServing();
    });
  }

  for (const path of ['/return/poison', '/return/bigint', '/return/cycle', '/return/getter', '/return/bad-body', '/return/offloaded-bigint', '/return/offloaded-poison']) {
    it(`a value that cannot be written (${path}): 500`, async () => {
      assert.deepEqual(await get(path), INTERNAL);
      await assertStillServing();
    });
  }

  for (const path of ['/stream/fails-first', '/stream/fails-later', '/stream/readable-error']) {
    it(`a stream that fails (${path}): the connection is closed, the body never looks complete`, async () => {
      assert.equal(await get(path), 'closed');
      await assertStillServing();
    });
  }

  for (const path of ['/stream/objects', '/stream/numbers', '/stream/objects-error', '/stream/handler-objects', '/static/a.txt']) {
    it(`a body a socket cannot take, or a hook that throws while it is sent (${path}): the connection is closed`, async () => {
      assert.equal(await get(path), 'closed');
      await assertStillServing();
    });
  }

  for (const path of ['/legacy-sync/x', '/legacy-async/x']) {
    it(`a mounted (req, res) function that throws or rejects (${path}): 500`, async () => {
      assert.deepEqual(await get(path), INTERNAL);
      await assertStillServing();
    });
  }

  it('a client that resets the connection mid-stream: the source stops, nothing escapes', async () => {
    const { req, res } = await openResponse(server.port, '/stream/endless');
    req.on('error', () => undefined);
    await once(res, 'data');
    req.destroy(); // an RST while the server is writing
    await assertStillServing();
  });

  for (const path of ['/handler/throws', '/handler/rejects']) {
    it(`an exception handler that fails in its turn (${path}): 500`, async () => {
      assert.deepEqual(await get(path), INTERNAL);
      await assertStillServing();
    });
  }

  for (const path of ['/after/cleanup', '/after/task']) {
    it(`work after the response that fails with a hostile value (${path}): the answer stands, the failure is logged`, async () => {
      assert.deepEqual(await get(path), { status: 200, body: '{"ok":true}' });
      await server.waitForLine((line) => line.includes('"level":50') && line.includes(`GET ${path}`), 5_000, `the failure of ${path} logged`);
      await assertStillServing();
    });
  }
});

describe('framing headers are loopwise\'s: one Content-Length, one Content-Type, whatever capitals a handler used', () => {
  /** The raw response head: each header line as sent. */
  async function rawHead(path: string): Promise<string[]> {
    const socket = connect(server.port, '127.0.0.1');
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    let text = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
    await once(socket, 'end');
    return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  }
  // Bun's server writes the framing headers it sets in its own capitals (`Content-Length`): compared without case there.
  const named = (lines: string[], name: string) => lines.filter((line) => line.toLowerCase().startsWith(`${name}:`)).map((line) => (onBun ? line.replace(/^[^:]+/, (name) => name.toLowerCase()) : line));

  it('a handler\'s Content-Type replaces the default instead of going out beside it', async () => {
    const head = await rawHead('/framing/content-type');
    assert.deepEqual(named(head, 'content-type'), ['content-type: application/problem+json']);
    assert.equal(head[0], 'HTTP/1.1 400 Bad Request');
  });

  it('a handler\'s Content-Length never contradicts the body', async () => {
    for (const path of ['/framing/content-length', '/framing/exception']) {
      const head = await rawHead(path);
      assert.equal(named(head, 'content-length').length, 1, head.join('\n'));
    }
    assert.deepEqual(named(await rawHead('/framing/content-length'), 'content-length'), ['content-length: 11']);
    assert.deepEqual(named(await rawHead('/framing/exception'), 'www-authenticate'), ['www-authenticate: Bearer']);
  });

  it('a handler\'s Transfer-Encoding is dropped where loopwise frames the body with Content-Length', async () => {
    const head = await rawHead('/framing/transfer-encoding');
    assert.deepEqual(named(head, 'transfer-encoding'), []);
    assert.deepEqual(named(head, 'content-length'), ['content-length: 5']);
  });

  it('the 500 written after Node refused a response carries its own reason phrase', async () => {
    const head = await rawHead('/reply-header-sync-bad');
    assert.equal(head[0], 'HTTP/1.1 500 Internal Server Error');
    await assertStillServing();
  });
});
