// Bun's response (src/server/bun-response.ts) and request (bun-request.ts) objects, driven directly
// with web Requests: both runtimes have Request, Response and Headers, so this runs on Node and Bun.
// It checks the one-step JSON answer (endJson) against writeHead + end, and that state kept on the
// prototype as a default never leaks from one request to another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BunIncomingMessage } from '../../src/server/bun-request.js';
import { BunServerResponse, type BunServerState } from '../../src/server/bun-response.js';
import { JSON_ONLY_HEAD } from '../../src/pipeline/send.js';

function exchange(state: BunServerState = { closing: false, connectionIdle: 10 }, method = 'GET'): { req: BunIncomingMessage; res: BunServerResponse } {
  const req = new BunIncomingMessage(new Request('http://127.0.0.1/items', { method }), { timeout() {}, requestIP: () => null } as never);
  const res = new BunServerResponse(req, state);
  req.response = res;
  return { req, res };
}

async function answered(res: BunServerResponse): Promise<{ status: number; type: string | null; body: string; connection: string | null }> {
  const response = await res.answer(1);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text(), connection: response.headers.get('connection') };
}

test('endJson writes what writeHead(status, JSON_ONLY_HEAD).end(payload) writes, in one step, and finishes as end() does', async () => {
  const { res } = exchange();
  let finished = 0;
  res.on('finish', () => finished++);
  assert.equal(res.endJson(201, '{"made":true}'), true);
  assert.equal(res.headersSent, true);
  assert.equal(res.writableEnded, true);
  assert.equal(res.statusCode, 201);
  assert.equal(res.getHeader('content-type'), JSON_ONLY_HEAD['content-type']);
  const one = await answered(res);

  const { res: two } = exchange();
  two.writeHead(201, JSON_ONLY_HEAD).end('{"made":true}');
  assert.deepEqual(one, await answered(two));
  assert.deepEqual(one, { status: 201, type: 'application/json; charset=utf-8', body: '{"made":true}', connection: null });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(finished, 1, "'finish' is emitted once, a turn later, as after end()");
});

test('endJson declines, writing nothing, wherever writeHead + end would answer otherwise; those then answer as before', async () => {
  const cases: [string, (res: BunServerResponse) => void, number, (seen: Awaited<ReturnType<typeof answered>>) => void][] = [
    ['a header set before', (res) => res.setHeader('x-trace', 'abc'), 200, () => {}],
    ['a reason phrase', (res) => (res.statusMessage = 'Fine'), 200, () => {}],
    ['keep-alive turned off', (res) => (res.shouldKeepAlive = false), 200, (seen) => assert.equal(seen.connection, 'close')],
    ['a wrapped end() (a middleware’s)', (res) => {
      const end = res.end.bind(res);
      res.end = ((chunk?: string) => end(chunk === undefined ? undefined : `${chunk} `)) as typeof res.end;
    }, 200, (seen) => assert.equal(seen.body, '{"ok":true} ', 'the wrapper saw the body')],
    ['a wrapped writeHead() (a middleware’s)', (res) => {
      const writeHead = res.writeHead.bind(res);
      res.writeHead = ((status: number, headers?: Record<string, string>) => writeHead(status, { ...headers, 'x-wrapped': 'yes' })) as typeof res.writeHead;
    }, 200, (seen) => assert.equal(seen.body, '{"ok":true}')],
    ['a status Response refuses (600)', () => {}, 600, () => {}],
  ];
  for (const [name, prepare, status, check] of cases) {
    const { res } = exchange();
    prepare(res);
    assert.equal(res.endJson(status, '{"ok":true}'), false, name);
    assert.equal(res.headersSent, false, `${name}: nothing written`);
    assert.equal(res.writableEnded, false, `${name}: nothing written`);
    if (status > 599) {
      assert.throws(() => res.writeHead(status, JSON_ONLY_HEAD).end('{"ok":true}'), RangeError, `${name}: refused by Response, as before`);
      continue;
    }
    res.writeHead(status, JSON_ONLY_HEAD).end('{"ok":true}');
    const seen = await answered(res);
    assert.equal(seen.status, status, name);
    check(seen);
  }

  const closing = exchange({ closing: true, connectionIdle: 10 });
  assert.equal(closing.res.endJson(200, '{}'), false, 'while the server closes');
  const sent = exchange();
  sent.res.writeHead(200, JSON_ONLY_HEAD);
  assert.equal(sent.res.endJson(200, '{}'), false, 'after the head went out');
  const gone = exchange();
  gone.res.clientGone();
  assert.equal(gone.res.endJson(200, '{}'), false, 'after the client left');
  const head = exchange({ closing: false, connectionIdle: 10 }, 'HEAD');
  assert.equal(head.res.endJson(200, '{"ok":true}'), false, 'a HEAD request: its answer has no body to frame');
  assert.equal(head.res.headersSent, false);
});

test('state kept on the prototype as a default is each object’s own once set: nothing leaks between requests', () => {
  const first = exchange();
  const second = exchange();
  first.res.statusMessage = 'Teapot';
  first.res.destroyed = true;
  first.res.setHeader('x-one', '1');
  first.req.complete = true;
  first.req.pause();
  assert.equal(second.res.statusMessage, '');
  assert.equal(second.res.destroyed, false);
  assert.equal(second.res.getHeader('x-one'), undefined);
  assert.equal(second.req.complete, false);
  assert.equal(second.req.isPaused(), false);
  assert.equal(exchange().res.shouldKeepAlive, true);
  assert.equal(second.req.httpVersion, '1.1');
  assert.equal(second.req.aborted, false);
  // The prototypes' own defaults are untouched.
  assert.equal(BunServerResponse.prototype.statusMessage, '');
  assert.equal(BunServerResponse.prototype.destroyed, false);
  assert.equal(BunIncomingMessage.prototype.complete, false);
});
