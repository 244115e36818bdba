// The server listen() opens carries loopwise's timeouts and header size limit, not Node's
// defaults, and its listeners for requests Node's parser refuses. The hostile-input suite runs
// them with small values; this checks the defaults on the real http.Server, and the options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, LoopwiseError } from '../../src/index.js';
import { RawConnection, rawGet } from '../support/raw-http.js';
import { withTimeout } from '../support/with-timeout.js';
import { skipOnBun } from '../support/runtime.js';

/** Properties Node sets on the server that @types/node does not declare. */
type NodeServerFields = { maxHeaderSize: number; connectionsCheckingInterval: number; requireHostHeader: boolean };

function fields(app: App): NodeServerFields {
  return app.server as unknown as NodeServerFields;
}

async function listening(app: App): Promise<number> {
  return (await app.listen({ port: 0, handleSignals: false })).port;
}

test('listen() opens a server with the default timeouts, header size and check interval', skipOnBun("these are options of node:http's Server; Bun's has idle timeouts only (test/server/bun-server.test.ts checks what it takes and refuses)"), async (t) => {
  const app = new App({ logger: false });
  t.after(() => app.close());
  await listening(app);
  const server = app.server!;
  assert.equal(server.headersTimeout, 10_000); // Node: 60 s
  assert.equal(server.requestTimeout, 60_000); // Node: 300 s
  assert.equal(server.keepAliveTimeout, 5_000);
  // sendTimeout is the server's socket timeout, with loopwise's listener (src/server/send-timeout.ts). Node: none.
  assert.equal(server.timeout, 60_000);
  assert.equal(server.listenerCount('timeout'), 1);
  assert.equal(server.listenerCount('checkContinue'), 1);
  assert.equal(fields(app).maxHeaderSize, 16 * 1024);
  // Node checks the two timeouts every 30 s by default: a slow client kept its socket ~90 s.
  assert.equal(fields(app).connectionsCheckingInterval, 1_000);
  // Node's own Host check answers with an empty body; loopwise's (src/server/protocol-check.ts) in FastAPI's shape.
  assert.equal(fields(app).requireHostHeader, false);
  assert.equal(server.listenerCount('clientError'), 1);
  assert.equal(server.listenerCount('connect'), 1);
});

test('the timeouts and header size are App options, applied as given', skipOnBun("these are options of node:http's Server; Bun's has idle timeouts only (test/server/bun-server.test.ts checks what it takes and refuses)"), async (t) => {
  const app = new App({ logger: false, headersTimeout: 2_000, requestTimeout: 30_000, keepAliveTimeout: 65_000, maxHeaderSize: 1024 });
  t.after(() => app.close());
  const port = await listening(app);
  const server = app.server!;
  assert.deepEqual(
    [server.headersTimeout, server.requestTimeout, server.keepAliveTimeout, fields(app).maxHeaderSize],
    [2_000, 30_000, 65_000, 1024],
  );
  // Checked every second (or at half the shortest timeout, when that is less).
  assert.equal(fields(app).connectionsCheckingInterval, 1_000);

  const connection = await RawConnection.open(port);
  try {
    connection.write(rawGet('/', `X-Big: ${'a'.repeat(1100)}\r\n`));
    const response = await connection.response();
    assert.equal(response?.status, 431);
    assert.deepEqual(JSON.parse(response!.body), {
      detail: 'Request Header Fields Too Large: the request line and headers are larger than the limit of 1024 bytes',
    });
  } finally {
    connection.destroy();
  }
});

test('a requestTimeout shorter than 10 s lowers the headers’ default with it; short timeouts are checked more often', skipOnBun("these are options of node:http's Server; Bun's has idle timeouts only (test/server/bun-server.test.ts checks what it takes and refuses)"), async (t) => {
  const app = new App({ logger: false, requestTimeout: 600 });
  t.after(() => app.close());
  await listening(app);
  assert.equal(app.server!.headersTimeout, 600);
  assert.equal(fields(app).connectionsCheckingInterval, 300);
});

test('0 turns the request, headers and send timeouts off, as in Node', skipOnBun("these are options of node:http's Server; Bun's has idle timeouts only (test/server/bun-server.test.ts checks what it takes and refuses)"), async (t) => {
  const app = new App({ logger: false, requestTimeout: 0, headersTimeout: 0, sendTimeout: 0 });
  t.after(() => app.close());
  const port = await listening(app);
  assert.equal(app.server!.requestTimeout, 0);
  assert.equal(app.server!.headersTimeout, 0);
  assert.equal(app.server!.timeout, 0);
  assert.equal(app.server!.listenerCount('timeout'), 0);
  const response = await withTimeout(
    (async () => {
      const connection = await RawConnection.open(port);
      try {
        connection.write(rawGet('/nowhere'));
        return await connection.response();
      } finally {
        connection.destroy();
      }
    })(),
    5_000,
    'GET /nowhere',
  );
  assert.equal(response?.status, 404);
});

test('invalid limits are refused when the App is created, naming the option', () => {
  const cases: [ConstructorParameters<typeof App>[0], RegExp][] = [
    [{ headersTimeout: -1 }, /headersTimeout must be a whole number of milliseconds ≥ 0, not -1/],
    [{ requestTimeout: 1.5 }, /requestTimeout must be a whole number of milliseconds ≥ 0, not 1.5/],
    [{ keepAliveTimeout: Number.NaN }, /keepAliveTimeout must be a whole number of milliseconds ≥ 0, not NaN/],
    [{ headersTimeout: 20_000, requestTimeout: 10_000 }, /headersTimeout \(20000 ms\) must not be longer than requestTimeout \(10000 ms\)/],
    [{ sendTimeout: -5 }, /sendTimeout must be a whole number of milliseconds ≥ 0, not -5/],
    [{ maxHeaderSize: 0 }, /maxHeaderSize must be a whole number of bytes ≥ 1, not 0/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => new App({ logger: false, ...options }),
      (error: unknown) => error instanceof LoopwiseError && error.code === 'LW_ERR_INVALID_OPTION' && message.test(error.message),
      JSON.stringify(options),
    );
  }
});

test('a CONNECT listener added on app.server answers CONNECT instead of loopwise', skipOnBun("Bun's native server is no node:http Server (app.server is null) and refuses CONNECT itself"), async (t) => {
  const app = new App({ logger: false });
  t.after(() => app.close());
  const port = await listening(app);
  app.server!.on('connect', (_req, socket) => {
    socket.end('HTTP/1.1 200 Connection Established\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  const connection = await RawConnection.open(port);
  try {
    connection.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    assert.equal((await connection.response())?.status, 200);
  } finally {
    connection.destroy();
  }
});
