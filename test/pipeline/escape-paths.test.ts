// Every way a handler's failure could reach the event loop (thrown values, unwritable returns,
// broken streams, exception handlers that fail, work after the response, clients that leave
// mid-body) becomes a logged 500 or a closed socket, and the same process serves on.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAppProcess, type AppProcess } from '../support/app-process.js';

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
function get(path: string): Promise<{ status: number; body: string } | 'closed'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', () => resolve('closed'));
      res.on('aborted', () => resolve('closed'));
    });
    req.on('error', () => resolve('closed'));
    req.end();
  });
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

  it('a client that resets the connection mid-stream: the source stops, nothing escapes', async () => {
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/stream/endless', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy(); // an RST while the server is writing
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end();
    });
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
