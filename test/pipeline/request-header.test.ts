// One request header (src/pipeline/request-header.ts): the value Node's header object gives, on
// Node's server and on Bun's, where the web Headers are asked for that name alone until something
// builds the whole object. Real requests over a socket on each runtime's own server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { requestHeader } from '../../src/pipeline/request-header.js';
import { BunIncomingMessage } from '../../src/server/bun-request.js';
import { onBun } from '../support/runtime.js';

/** Sends one request with these raw header lines and returns what `read` made of it on the server. */
async function readOn(serverKind: 'node' | 'bun', lines: string[], read: (req: IncomingMessage) => unknown): Promise<unknown> {
  const raw = `POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.map((line) => `${line}\r\n`).join('')}Content-Length: 2\r\nConnection: close\r\n\r\n{}`;
  if (serverKind === 'node') {
    let seen: unknown;
    const server = createServer((req, res) => {
      seen = read(req);
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    await rawRequest((server.address() as AddressInfo).port, raw);
    server.close();
    return seen;
  }
  let seen: unknown;
  const bun = (globalThis as unknown as { Bun: { serve(options: object): { port: number; stop(force: boolean): void } } }).Bun;
  const server = bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(request: Request, handle: never) {
      seen = read(new BunIncomingMessage(request, handle) as unknown as IncomingMessage);
      return new Response('');
    },
  });
  await rawRequest(server.port, raw);
  server.stop(true);
  return seen;
}

async function rawRequest(port: number, raw: string): Promise<void> {
  const { connect } = await import('node:net');
  const socket = connect(port, '127.0.0.1');
  socket.end(raw);
  socket.resume();
  await once(socket, 'close');
}

const cases: [string, string[], string, string | undefined][] = [
  ['a header sent once', ['Content-Type: application/json; charset=utf-8'], 'content-type', 'application/json; charset=utf-8'],
  ['a name in any case', ['CONTENT-TYPE: text/plain'], 'content-type', 'text/plain'],
  ['a header not sent', [], 'content-type', undefined],
  ['the length', [], 'content-length', '2'],
];

for (const [what, lines, name, expected] of cases) {
  test(`${what}: requestHeader gives what the header object has (${onBun ? 'Bun' : 'Node'})`, async () => {
    const kind = onBun ? 'bun' : 'node';
    const [one, whole] = (await readOn(kind, lines, (req) => [requestHeader(req, name), req.headers[name]])) as [unknown, unknown];
    assert.equal(one, expected);
    assert.equal(whole, expected);
  });
}

test('on Bun, a header changed in the built object is what requestHeader reads after', { skip: onBun ? false : 'Bun’s request only (on Node, requestHeader reads the object itself)' }, async () => {
  const seen = await readOn('bun', ['Content-Type: text/plain'], (req) => {
    const before = requestHeader(req, 'content-type');
    req.headers['content-type'] = 'application/json';
    return [before, requestHeader(req, 'content-type')];
  });
  assert.deepEqual(seen, ['text/plain', 'application/json']);
});
