import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, stream } from '../../src/index.js';
import { openResponse, request, serveApp } from '../support/http.js';
import { RawConnection, rawGet } from '../support/raw-http.js';
import { waitFor } from '../support/wait-for.js';
import { onBun } from '../support/runtime.js';

test('an async generator is streamed chunk by chunk, with the content type given', async () => {
  const app = new App({ logger: false, openapi: false });
  app.get('/numbers', async () =>
    stream(
      (async function* () {
        for (let i = 0; i < 5; i++) {
          await sleep(1);
          yield `${i}\n`;
        }
      })(),
      { headers: { 'content-type': 'text/plain; charset=utf-8' } },
    ),
  );
  const { port } = await serveApp(app);
  try {
    const res = await request(port, '/numbers');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.text, '0\n1\n2\n3\n4\n');
  } finally {
    await app.close();
  }
});

test('a Node Readable is streamed, as application/octet-stream unless told otherwise', async () => {
  const app = new App({ logger: false, openapi: false });
  const bytes = Buffer.alloc(300_000, 7);
  app.get('/blob', async () => stream(Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)])));
  const { port } = await serveApp(app);
  try {
    const res = await request(port, '/blob');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.ok(res.body.equals(bytes));
  } finally {
    await app.close();
  }
});

test('backpressure: 50 MB made by a generator never runs far ahead of a slow reader', async () => {
  const CHUNK = 64 * 1024;
  const TOTAL = 50 * 1024 * 1024;
  // The kernel's loopback buffers (send + receive, autotuned) and the streams' high-water marks sit
  // between the generator and the reader; 16 MB is well above them and far below 50 MB.
  const BOUND = 16 * 1024 * 1024;
  let produced = 0;
  let finished = false;
  const app = new App({ logger: false, openapi: false });
  app.get('/big', async () =>
    stream(
      (async function* () {
        const chunk = Buffer.alloc(CHUNK, 1);
        try {
          while (produced < TOTAL) {
            produced += CHUNK;
            yield chunk;
          }
        } finally {
          finished = true;
        }
      })(),
    ),
  );
  const { port } = await serveApp(app);
  try {
    const { res } = await openResponse(port, '/big');
    let consumed = 0;
    let maxAhead = 0;
    let slow = true;
    res.on('data', (chunk: Buffer) => {
      consumed += chunk.length;
      maxAhead = Math.max(maxAhead, produced - consumed);
      if (slow) res.pause(); // one chunk at a time while slow
    });
    // Slow phase: one chunk (at most 64 KiB) every 40 ms, for half a second.
    for (let i = 0; i < 12; i++) {
      await sleep(40);
      maxAhead = Math.max(maxAhead, produced - consumed);
      res.resume();
    }
    slow = false;
    // Stopped reader: the generator must stall, not fill memory.
    res.pause();
    await sleep(150);
    const stalledAt = produced;
    await sleep(300);
    assert.equal(produced, stalledAt, 'the generator kept producing while nobody read');
    assert.ok(produced < TOTAL, `the generator ran to the end (${produced} bytes) while the client barely read`);
    assert.ok(maxAhead <= BOUND, `the generator ran ${maxAhead} bytes ahead of the reader`);
    // Then read everything: the whole body arrives and the generator ends.
    const ended = new Promise<void>((resolve) => res.once('end', resolve));
    res.resume();
    await ended;
    assert.equal(consumed, TOTAL);
    await waitFor(() => finished, 'the generator to finish');
  } finally {
    await app.close();
  }
});

test("a client that goes away stops the generator: its finally runs", async () => {
  let yielded = 0;
  let cleanedUp = false;
  const app = new App({ logger: false, openapi: false });
  app.get('/forever', async () =>
    stream(
      (async function* () {
        try {
          for (;;) {
            await sleep(5);
            yielded++;
            yield `tick ${yielded}\n`;
          }
        } finally {
          cleanedUp = true;
        }
      })(),
    ),
  );
  const { port } = await serveApp(app);
  try {
    const { req, res } = await openResponse(port, '/forever');
    await new Promise((resolve) => res.once('data', resolve));
    req.destroy();
    await waitFor(() => cleanedUp, "the generator's finally block", 2_000);
    const after = yielded;
    await sleep(50);
    assert.equal(yielded, after, 'the generator went on after its finally');
  } finally {
    await app.close();
  }
});

test('a client that goes away destroys a Node Readable source', async () => {
  let destroyed = false;
  const app = new App({ logger: false, openapi: false });
  app.get('/readable', async () => {
    let n = 0;
    const source = new Readable({
      read() {
        setTimeout(() => this.push(`line ${n++}\n`), 5);
      },
      destroy(error, callback) {
        destroyed = true;
        callback(error);
      },
    });
    return stream(source);
  });
  const { port } = await serveApp(app);
  try {
    const { req, res } = await openResponse(port, '/readable');
    await new Promise((resolve) => res.once('data', resolve));
    req.destroy();
    await waitFor(() => destroyed, 'the source to be destroyed', 2_000);
  } finally {
    await app.close();
  }
});

// Node drops a HEAD response's writes without backpressure: send.ts must not pipe the body for HEAD.
test('HEAD on a streamed route sends the headers and never runs the producer', async () => {
  let iterations = 0;
  const app = new App({ logger: false, openapi: false });
  app.get('/endless', async () =>
    stream(
      (async function* () {
        for (;;) {
          iterations++;
          await new Promise((resolve) => setImmediate(resolve)); // keeps this test from holding the loop
          yield 'x';
        }
      })(),
      { headers: { 'content-type': 'text/plain' } },
    ),
  );
  const { port } = await serveApp(app);
  try {
    const res = await request(port, '/endless', { method: 'HEAD', timeout: 2_000 });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.text, '');
    await sleep(50);
    assert.equal(iterations, 0);
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});

/** The bytes of one answer on `conn` so far: its head, and its body as far as its own framing says it is complete. */
function framing(received: string): { headEnd: number; length: number | null; complete: boolean } | null {
  const headEnd = received.indexOf('\r\n\r\n');
  if (headEnd === -1) return null;
  const head = received.slice(0, headEnd).toLowerCase();
  const body = received.slice(headEnd + 4);
  const declared = /\r\ncontent-length: *(\d+)/.exec(head);
  if (declared !== null) return { headEnd: headEnd + 4, length: Number(declared[1]), complete: body.length >= Number(declared[1]) };
  return { headEnd: headEnd + 4, length: null, complete: /\r\n0\r\n\r\n$/.test(body) };
}

test('a streamed body is held to the Content-Length the handler gave: more bytes never spill into the next answer, fewer never leave the client waiting', async () => {
  const app = new App({ logger: false, openapi: false });
  app.get('/short', () => stream((async function* () { yield 'abc'; })(), { headers: { 'content-length': '100' } }));
  app.get('/long', () => stream((async function* () { yield 'abcdef'; yield 'ghi'; })(), { headers: { 'Content-Length': '4' } }));
  app.get('/ok', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    for (const path of ['/short', '/long']) {
      const conn = await RawConnection.open(port);
      try {
        conn.write(rawGet(path));
        // The connection is cut (the body cannot be what its head says); Bun frames a streamed body
        // itself, and ends its head only with the first chunk: a body cut in the turn it starts
        // leaves a client there with part of a head, as incomplete an answer as a cut body.
        await waitFor(() => conn.closed || framing(conn.pending)?.complete === true, `${path}: its answer ends or its connection closes`, 3_000);
        const answer = framing(conn.pending);
        if (answer === null && onBun && conn.closed) continue;
        assert.ok(answer !== null, `${path}: a head came`);
        const body = conn.pending.slice(answer.headEnd);
        if (answer.length !== null) assert.ok(body.length <= answer.length, `${path}: no byte past the length the head gives (${JSON.stringify(body)})`);
        if (conn.closed) continue;
        // Still open: the next answer on it must start right where this one ended.
        assert.ok(answer.complete, `${path}: an open connection carries a complete answer`);
        conn.write(rawGet('/ok'));
        await waitFor(() => conn.pending.length > body.length + answer.headEnd, `${path}: the next answer`, 3_000);
        const next = conn.pending.slice(answer.headEnd + (answer.length ?? body.length));
        assert.match(next, /^HTTP\/1\.1 200 /, `${path}: the next answer starts clean`);
      } finally {
        conn.destroy();
      }
    }
    assert.equal((await request(port, '/ok')).status, 200, 'and the server serves on');
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});

test('a body of nothing but empty chunks is stopped once its client leaves: its generator closes, no core left spinning', async () => {
  const app = new App({ logger: false, openapi: false });
  const state = { started: 0, live: 0, closed: 0 };
  app.get('/empty-forever', () =>
    stream(
      (async function* () {
        state.started++;
        state.live++;
        try {
          for (;;) yield '';
        } finally {
          state.live--;
          state.closed++;
        }
      })(),
    ),
  );
  app.get('/ok', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    for (let i = 0; i < 3; i++) {
      const client = await RawConnection.open(port);
      client.write(rawGet('/empty-forever'));
      await waitFor(() => state.started === i + 1, 'the body started');
      client.destroy();
    }
    // It ran on for good after its client had gone (live 3, closed 0, a core busy).
    await waitFor(() => state.closed === 3, 'every body stopped');
    assert.equal(state.live, 0);
    assert.equal((await request(port, '/ok')).status, 200);
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});

test('a body of empty chunks does not hold the event loop: other requests are answered while it runs', async () => {
  const app = new App({ logger: false, openapi: false });
  app.get('/empties', () =>
    stream(
      (async function* () {
        // No await between chunks: only the empty ones' being dropped with a turn of the loop lets others in.
        for (let i = 0; i < 200_000; i++) yield i % 2 === 0 ? '' : new Uint8Array(0);
        yield 'end';
      })(),
    ),
  );
  app.get('/ok', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    const order: string[] = [];
    const empties = request(port, '/empties', { timeout: 30_000 }).then((res) => {
      order.push('empties');
      return res;
    });
    await sleep(20);
    const ok = request(port, '/ok').then((res) => {
      order.push('ok');
      return res;
    });
    const [long, short] = await Promise.all([empties, ok]);
    assert.equal(long.text, 'end', 'the empty chunks are dropped, the rest is sent');
    assert.equal(short.status, 200);
    assert.deepEqual(order, ['ok', 'empties'], 'the short request was answered while the long body ran');
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});

test('a body whose iterator breaks its contract is cut, and the server serves on', async () => {
  let calls = 0;
  const app = new App({ logger: false, openapi: false });
  // next() returns a number, not a promise of { value, done }: bounded, so a regression ends too.
  const broken = { [Symbol.asyncIterator]: () => ({ next: () => (++calls > 100_000 ? { done: true, value: undefined } : 5) }) };
  app.get('/broken', () => stream(broken as unknown as AsyncIterable<string>));
  app.get('/ok', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    const conn = await RawConnection.open(port);
    try {
      conn.write(rawGet('/broken'));
      await waitFor(() => conn.closed, 'the connection to close', 5_000);
      const answer = framing(conn.pending);
      assert.ok(answer === null || !answer.complete, `cut, not a finished answer: ${JSON.stringify(conn.pending)}`);
    } finally {
      conn.destroy();
    }
    assert.ok(calls < 10, `the iterator was read ${calls} times, not spun`);
    assert.equal((await request(port, '/ok')).status, 200);
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});

test('a stream that failed before it was sent: the answer is cut or a 500, the process lives and serves on', async () => {
  const app = new App({ logger: false, openapi: false });
  app.get('/failed', async () => {
    const body = new Readable({ read() {} });
    body.destroy(new Error('failed before it was read'));
    return stream(body);
  });
  app.get('/ok', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    for (let i = 0; i < 3; i++) {
      const conn = await RawConnection.open(port);
      try {
        conn.write(rawGet('/failed'));
        await waitFor(() => conn.closed || conn.pending.startsWith('HTTP/1.1 500'), 'a cut or a 500', 5_000);
      } finally {
        conn.destroy();
      }
    }
    assert.equal((await request(port, '/ok')).status, 200);
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});

test("a streamed body's framing is loopwise's: a handler's Transfer-Encoding is dropped, a Content-Length that is not one whole number is a 500", async () => {
  const body = () => (async function* () { yield 'abc'; })();
  const app = new App({ logger: false, openapi: false });
  app.get('/te', () => stream(body(), { headers: { 'transfer-encoding': 'gzip' } }));
  app.get('/same-twice', () => stream(body(), { headers: { 'content-length': ['3', '3'] as never } }));
  for (const [path, length] of [['/two', ['3', '4']], ['/negative', '-1'], ['/fraction', '3.5'], ['/word', 'abc']] as const) {
    app.get(path, () => stream(body(), { headers: { 'content-length': length as string } }));
  }
  app.get('/informational', ({ reply }) => {
    reply.statusCode = 101;
    return { ok: true };
  });
  const { port } = await serveApp(app);
  try {
    const te = await request(port, '/te');
    assert.equal(te.status, 200);
    assert.equal(te.text, 'abc');
    assert.notEqual(te.headers['transfer-encoding'], 'gzip');
    const twice = await request(port, '/same-twice');
    assert.equal(twice.text, 'abc');
    assert.equal(twice.headers['content-length'], '3');
    for (const path of ['/two', '/negative', '/fraction', '/word', '/informational']) {
      const res = await request(port, path);
      assert.equal(res.status, 500, path);
      assert.deepEqual(res.json(), { detail: 'Internal Server Error' }, path);
    }
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});
