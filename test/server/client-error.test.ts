// Malformed HTTP that node:http's parser refuses, answered in FastAPI's shape with the reason: on
// Node, and on Bun for an app with WebSocket routes (served through Bun's node:http layer, whose
// parser reports a request line ended by LF alone as an invalid version: it was answered 505).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { App } from '../../src/index.js';
import { RawConnection } from '../support/raw-http.js';

const app = new App({ logger: false });
app.get('/ping', async () => ({ pong: true }));
app.ws('/socket', async (socket) => socket.close());
let port: number;
before(async () => {
  port = (await app.listen({ port: 0, host: '127.0.0.1' })).port;
});
after(() => app.close());

async function answer(bytes: string): Promise<{ status: number; detail: unknown }> {
  const connection = await RawConnection.open(port);
  try {
    connection.write(bytes);
    const response = await connection.response();
    assert.ok(response !== null, 'no answer');
    return { status: response.status, detail: (JSON.parse(response.body) as { detail: unknown }).detail };
  } finally {
    connection.destroy();
  }
}

test('a request line ended by LF alone: 400, lines must end with CRLF (not 505)', async () => {
  assert.deepEqual(await answer('GET /ping HTTP/1.1\nHost: localhost\n\n'), { status: 400, detail: 'Invalid HTTP request: lines must end with CRLF' });
});

test('a version the server does not speak: 505', async () => {
  const { status, detail } = await answer('GET /ping HTTP/3.0\r\nHost: localhost\r\n\r\n');
  assert.equal(status, 505);
  assert.match(String(detail), /^HTTP Version Not Supported/);
});

test('the server serves on', async () => {
  const connection = await RawConnection.open(port);
  try {
    connection.write('GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.equal((await connection.response())?.status, 200);
  } finally {
    connection.destroy();
  }
});
