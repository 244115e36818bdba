import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventSource } from 'eventsource';
import { App, formatSseEvent, LoopwiseError, sse, t } from '../../src/index.js';
import { openResponse, serveApp } from '../support/http.js';
import { RawConnection, rawGet } from '../support/raw-http.js';
import { waitFor } from '../support/wait-for.js';
import { withTimeout } from '../support/with-timeout.js';

/**
 * Closes an app an EventSource talked to. After an aborted fetch, Node 20's bundled fetch opens a
 * spare connection that sends nothing, and Node 20's server.close() waits ~3 s for it (Node 24
 * does not): cut connections first, the streams under test are over by then.
 */
async function stop(app: App): Promise<void> {
  app.server?.closeAllConnections();
  await app.close();
}

/** Collects `count` events of the given types from an EventSource, failing after 5 s. */
function collect(source: EventSource, types: string[], count: number): Promise<MessageEvent[]> {
  const events: MessageEvent[] = [];
  const run = new Promise<MessageEvent[]>((resolve) => {
    for (const type of types) {
      source.addEventListener(type, (event) => {
        events.push(event as MessageEvent);
        if (events.length === count) resolve(events);
      });
    }
  });
  return withTimeout(run, 5_000, `${count} server-sent events`);
}

describe('formatSseEvent', () => {
  test('a string is data; each of its lines (\\n, \\r\\n or \\r) gets its own data field', () => {
    assert.equal(formatSseEvent('hello'), 'data: hello\n\n');
    assert.equal(formatSseEvent('a\nb\r\nc\rd'), 'data: a\ndata: b\ndata: c\ndata: d\n\n');
    assert.equal(formatSseEvent(''), 'data: \n\n');
  });

  test('any other value is JSON data; an object of event fields is an event', () => {
    assert.equal(formatSseEvent({ price: 3, name: 'tea' }), 'data: {"price":3,"name":"tea"}\n\n');
    assert.equal(formatSseEvent([1, 2]), 'data: [1,2]\n\n');
    assert.equal(formatSseEvent(42), 'data: 42\n\n');
    assert.equal(formatSseEvent(null), 'data: null\n\n');
    assert.equal(
      formatSseEvent({ id: 7, event: 'update', retry: 1000, data: { ok: true } }),
      'event: update\nid: 7\nretry: 1000\ndata: {"ok":true}\n\n',
    );
    assert.equal(formatSseEvent({ comment: 'hi\nthere' }), ': hi\n: there\n\n');
    // A key that is not an event field: the whole object is data.
    assert.equal(formatSseEvent({ data: 1, user: 'ann' }), 'data: {"data":1,"user":"ann"}\n\n');
    // No data, comment or retry: data too.
    assert.equal(formatSseEvent({ id: 3 }), 'data: {"id":3}\n\n');
  });

  test('CR, LF and NUL cannot inject fields or events through event or id', () => {
    const frame = formatSseEvent({ event: 'x\ndata: injected\n\nevent: evil', id: '1\r\nretry: 1\0', data: 'ok' });
    assert.equal(frame, 'event: xdata: injectedevent: evil\nid: 1retry: 1\ndata: ok\n\n');
    assert.equal(frame.split('\n\n').length, 2, 'one event');
    // A retry that is not a whole number of ms is left out.
    assert.equal(formatSseEvent({ retry: 1.5, data: 'x' }), 'data: x\n\n');
  });

  test('bad options are refused when the response is made', () => {
    const none = (async function* () {})();
    assert.throws(() => sse(none, { heartbeat: -1 }), LoopwiseError);
    assert.throws(() => sse(none, { retry: 2.5 }), LoopwiseError);
  });
});

describe('sse()', () => {
  test('the real EventSource client gets ids, event types, multi-line and JSON data', async () => {
    const app = new App({ logger: false, openapi: false });
    app.get('/events', async () =>
      sse(
        (async function* () {
          yield { id: '1', event: 'greeting', data: 'hello\nworld' };
          yield { data: { price: 3.5 } };
          yield 'plain text';
          yield { id: 2, event: 'x\ndata: injected', data: 'safe' };
          yield { comment: 'ignored by clients' };
          yield { event: 'done', data: '' };
        })(),
      ),
    );
    const { url } = await serveApp(app);
    const source = new EventSource(`${url}/events`);
    try {
      const events = await collect(source, ['greeting', 'message', 'xdata: injected', 'done'], 5);
      assert.deepEqual(
        events.map((e) => [e.type, e.data, e.lastEventId]),
        [
          ['greeting', 'hello\nworld', '1'],
          ['message', '{"price":3.5}', '1'],
          ['message', 'plain text', '1'],
          ['xdata: injected', 'safe', '2'],
          ['done', '', '2'],
        ],
      );
    } finally {
      source.close();
      await stop(app);
    }
  });

  test('headers: text/event-stream, no-cache, X-Accel-Buffering: no; retry goes first', async () => {
    const app = new App({ logger: false, openapi: false });
    app.get('/events', async () => sse((async function* () { yield 'one'; })(), { retry: 2500 }));
    const { url } = await serveApp(app);
    try {
      const res = await fetch(`${url}/events`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.equal(res.headers.get('x-accel-buffering'), 'no');
      assert.equal(await res.text(), 'retry: 2500\n\ndata: one\n\n');
    } finally {
      await app.close();
    }
  });

  test('a reconnecting client sends Last-Event-ID and the handler resumes after it', async () => {
    const seen: (string | undefined)[] = [];
    const app = new App({ logger: false, openapi: false });
    const Resume = t.Object({ 'last-event-id': t.Optional(t.String({ pattern: '^[0-9]+$' })) });
    app.get('/feed', { headers: Resume }, async ({ headers }) => {
      const lastId = headers['last-event-id'];
      seen.push(lastId);
      const start = lastId === undefined ? 1 : Number(lastId) + 1;
      // Three events per connection, then the stream ends and the client reconnects.
      return sse(
        (async function* () {
          for (let id = start; id < start + 3; id++) yield { id: String(id), data: `event ${id}` };
        })(),
        { retry: 20 },
      );
    });
    const { url } = await serveApp(app);
    const source = new EventSource(`${url}/feed`);
    try {
      const events = await collect(source, ['message'], 6);
      assert.deepEqual(
        events.map((e) => e.data),
        ['event 1', 'event 2', 'event 3', 'event 4', 'event 5', 'event 6'],
      );
      assert.deepEqual(seen.slice(0, 2), [undefined, '3']);
    } finally {
      source.close();
      await stop(app);
    }
  });

  test('an idle stream gets ": ping" comments every heartbeat ms', async () => {
    let cleanedUp = false;
    const app = new App({ logger: false, openapi: false });
    app.get('/idle', async () =>
      sse(
        async function* (signal) {
          try {
            yield 'first';
            await sleep(10_000, undefined, { signal }); // nothing to say for a long time
            yield 'never';
          } finally {
            cleanedUp = true;
          }
        },
        { heartbeat: 40 },
      ),
    );
    const { port } = await serveApp(app);
    const { req, res } = await openResponse(port, '/idle');
    try {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      await waitFor(() => text.split(': ping\n\n').length > 3, 'three heartbeats', 2_000);
      assert.ok(text.startsWith('data: first\n\n: ping\n\n: ping\n\n'), text);
      req.destroy();
      await waitFor(() => cleanedUp, "the generator's finally", 2_000);
    } finally {
      req.destroy();
      await app.close();
    }
  });

  test('closing the EventSource stops the server generator: its finally runs', async () => {
    let cleanedUp = false;
    let sent = 0;
    const app = new App({ logger: false, openapi: false });
    app.get('/ticks', async () =>
      sse(
        (async function* () {
          try {
            for (;;) {
              await sleep(10);
              yield { id: String(++sent), data: 'tick' };
            }
          } finally {
            cleanedUp = true;
          }
        })(),
      ),
    );
    const { url } = await serveApp(app);
    const source = new EventSource(`${url}/ticks`);
    try {
      await collect(source, ['message'], 2);
      source.close();
      await waitFor(() => cleanedUp, "the generator's finally", 2_000);
      const after = sent;
      await sleep(50);
      assert.equal(sent, after);
    } finally {
      source.close();
      await stop(app);
    }
  });

  test('with the AbortSignal form, a generator waiting on an event stops at once when the client leaves', async () => {
    const bus = new EventEmitter();
    let cleanedUp = false;
    const app = new App({ logger: false, openapi: false });
    app.get('/bus', async () =>
      sse(async function* (signal) {
        try {
          for (;;) {
            const [message] = await once(bus, 'message', { signal });
            yield { data: message };
          }
        } finally {
          cleanedUp = true;
        }
      }),
    );
    const { url } = await serveApp(app);
    const source = new EventSource(`${url}/bus`);
    try {
      await withTimeout(once(source, 'open'), 5_000, 'EventSource open');
      bus.emit('message', { n: 1 });
      const [event] = await collect(source, ['message'], 1);
      assert.equal(event!.data, '{"n":1}');
      source.close();
      // No more messages will ever come: only the signal can end the wait.
      await waitFor(() => cleanedUp, "the generator's finally", 2_000);
      assert.equal(bus.listenerCount('message'), 0, 'the listener was removed');
    } finally {
      source.close();
      await stop(app);
    }
  });

  test('a generator that throws cuts the stream; the client sees an error and may reconnect', async () => {
    const app = new App({ logger: false, openapi: false });
    app.get('/broken', async () =>
      sse(
        (async function* () {
          yield 'before';
          throw new Error('boom');
        })(),
        { retry: 10_000 },
      ),
    );
    const { port } = await serveApp(app);
    const { res } = await openResponse(port, '/broken');
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    const [error] = await withTimeout(once(res, 'error').catch((e: unknown) => [e]), 2_000, 'the cut');
    assert.ok(error instanceof Error);
    assert.ok(text.includes('data: before\n\n'));
    await app.close();
  });
});

test('an sse() whose source fails as the stream starts is cut; the process lives and serves on', async () => {
  const app = new App({ logger: false, openapi: false });
  const sources: Record<string, () => unknown> = {
    '/throws': () => sse(() => {
      throw new Error('the source failed at once');
    }),
    '/number': () => sse(5 as never),
    '/returns-number': () => sse((() => 5) as never),
    '/sync-generator': () => sse((function* () { yield 'a'; }) as never),
  };
  for (const [path, handler] of Object.entries(sources)) app.get(path, async () => handler() as never);
  app.get('/ok', () => ({ ok: true }));
  const { port } = await serveApp(app);
  try {
    for (const path of Object.keys(sources)) {
      const conn = await RawConnection.open(port);
      try {
        conn.write(rawGet(path));
        await waitFor(() => conn.closed || conn.pending.startsWith('HTTP/1.1 500'), `${path}: a cut or a 500`, 5_000);
        assert.ok(!conn.pending.includes('data:'), `${path}: no event was sent`);
      } finally {
        conn.destroy();
      }
    }
    const ok = await fetch(`http://127.0.0.1:${port}/ok`);
    assert.equal(ok.status, 200);
  } finally {
    app.server?.closeAllConnections();
    await app.close();
  }
});

test('an sse() whose source fails before its first event never ends as a complete stream, with or without middleware', async () => {
  for (const withMiddleware of [false, true]) {
    const app = new App({ logger: false, openapi: false });
    if (withMiddleware) app.use(async (_req, _res, next) => next());
    app.get('/late-failure', () =>
      sse(
        (async function* () {
          await sleep(60); // past the 20 ms after which Bun's head goes out with an SSE comment
          throw new Error('the source failed before its first event');
        })(),
      ),
    );
    const { port } = await serveApp(app);
    const conn = await RawConnection.open(port);
    try {
      conn.write(rawGet('/late-failure'));
      await waitFor(() => conn.closed, 'the connection to be cut', 5_000);
      // On Bun the comment was followed by the chunked body's last chunk: a clean, empty stream.
      assert.ok(conn.pending.startsWith('HTTP/1.1 200'), conn.pending);
      assert.ok(!conn.pending.endsWith('0\r\n\r\n'), `middleware ${withMiddleware}: ${JSON.stringify(conn.pending.slice(-40))}`);
    } finally {
      conn.destroy();
      app.server?.closeAllConnections();
      await app.close();
    }
  }
});

test('an sse() whose first event is late sends its head at once, with or without middleware (on Bun, with an SSE comment)', async () => {
  for (const withMiddleware of [false, true]) {
    const app = new App({ logger: false, openapi: false });
    if (withMiddleware) app.use(async (_req, _res, next) => next());
    let release = (): void => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    app.get('/late', () =>
      sse(
        (async function* () {
          await released; // the first event waits until the client has the head
          yield { data: 'first' };
        })(),
      ),
    );
    const { port } = await serveApp(app);
    const conn = await RawConnection.open(port);
    try {
      conn.write(rawGet('/late'));
      // With middleware on Bun the head waited for the first event: this wait timed out.
      await waitFor(() => conn.pending.includes('\r\n\r\n'), `middleware ${withMiddleware}: the head before the first event`, 3_000);
      release();
      await waitFor(() => conn.pending.includes('data: first'), 'the first event', 3_000);
    } finally {
      release();
      conn.destroy();
      app.server?.closeAllConnections();
      await app.close();
    }
  }
});
