import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { App, LoopwiseError } from '../../src/index.js';
import { withTimeout } from '../support/with-timeout.js';
import { tryConnect } from '../support/try-connect.js';
import { socketGet as get, type SocketResponse } from '../support/socket-get.js';
import { onBun } from '../support/runtime.js';

const TIMEOUT = 5_000;


/** A latch a handler opens when it starts, so a test knows the request is in flight. */
function latch(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Makes sure no test leaves a server open, whatever close() did. */
function forceClose(app: App): void {
  const server = app.server;
  if (server !== null && server.listening) {
    server.closeAllConnections();
    server.close();
  }
}

test('listen() binds 127.0.0.1 by default and returns the url, host and port it listens on', async (t) => {
  const app = new App({ logger: false });
  app.get('/hello', () => ({ hello: 'world' }));
  t.after(() => forceClose(app));
  const listening = await app.listen({ port: 0, handleSignals: false });
  try {
    assert.equal(typeof listening.port, 'number');
    assert.ok(listening.port > 0);
    assert.deepEqual(listening, { url: `http://127.0.0.1:${listening.port}`, host: '127.0.0.1', port: listening.port });
    // On Bun the native server has no node:http Server to show: app.server stays null, app.listening says it listens.
    if (onBun) assert.equal(app.server, null);
    else assert.deepEqual(app.server!.address(), { address: '127.0.0.1', family: 'IPv4', port: listening.port });
    assert.equal(app.listening, true);

    const res = await get(listening.port, '/hello');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(res.body), { hello: 'world' });
  } finally {
    await withTimeout(app.close(), TIMEOUT, 'close()');
  }
  assert.equal(app.server, null);
});

test('listen() logs the url it listens on, and close() logs when it stops accepting and when the server closed', async (t) => {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = new App({ title: 'Shop', logger });
  t.after(() => forceClose(app));
  const { url } = await app.listen({ port: 0, handleSignals: false });
  await withTimeout(app.close(), TIMEOUT, 'close()');
  const messages = lines.map((line) => ({ level: line.level, msg: line.msg, url: line.url }));
  assert.deepEqual(messages, [
    { level: 30, msg: `Shop listening on ${url}`, url },
    { level: 30, msg: 'stopped accepting connections; waiting for in-flight requests', url: undefined },
    { level: 30, msg: 'server closed', url: undefined },
  ]);
});

test('listening twice is refused with LW_ERR_ALREADY_LISTENING, and the first server keeps serving', async (t) => {
  const app = new App({ logger: false });
  app.get('/ping', () => ({ pong: true }));
  t.after(() => forceClose(app));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    await assert.rejects(app.listen({ port: 0, handleSignals: false }), (error: unknown) => {
      assert.ok(error instanceof LoopwiseError);
      assert.equal(error.code, 'LW_ERR_ALREADY_LISTENING');
      assert.equal(error.message, 'LW_ERR_ALREADY_LISTENING: this app is already listening; call close() first.');
      return true;
    });
    const res = await get(port, '/ping');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { pong: true });
  } finally {
    await withTimeout(app.close(), TIMEOUT, 'close()');
  }
});

test('a listen() that fails because the port is taken rejects with EADDRINUSE and leaves the app free to listen again', async (t) => {
  const blocker = createNetServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as AddressInfo).port;
  const app = new App({ logger: false });
  app.get('/ping', () => ({ pong: true }));
  t.after(() => {
    forceClose(app);
    blocker.close();
  });

  await assert.rejects(app.listen({ port: taken, handleSignals: false }), { code: 'EADDRINUSE' });
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    const res = await get(port, '/ping');
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { pong: true });
  } finally {
    await withTimeout(app.close(), TIMEOUT, 'close()');
  }
});

test('listen() handles SIGTERM and SIGINT unless told not to, and close() removes its signal listeners', async (t) => {
  const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
  const app = new App({ logger: false });
  t.after(() => forceClose(app));
  await app.listen({ port: 0 });
  assert.equal(process.listenerCount('SIGTERM'), before.term + 1);
  assert.equal(process.listenerCount('SIGINT'), before.int + 1);
  await withTimeout(app.close(), TIMEOUT, 'close()');
  assert.equal(process.listenerCount('SIGTERM'), before.term);
  assert.equal(process.listenerCount('SIGINT'), before.int);

  const quiet = new App({ logger: false });
  t.after(() => forceClose(quiet));
  await quiet.listen({ port: 0, handleSignals: false });
  assert.equal(process.listenerCount('SIGTERM'), before.term);
  assert.equal(process.listenerCount('SIGINT'), before.int);
  await withTimeout(quiet.close(), TIMEOUT, 'close()');
});

test('close() stops accepting connections, lets an in-flight request finish with 200, then resolves', async (t) => {
  const app = new App({ logger: false });
  const started = latch();
  const events: string[] = [];
  app.get('/slow', async () => {
    started.open();
    await sleep(300);
    events.push('handler finished');
    return { message: 'done' };
  });
  t.after(() => forceClose(app));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());

  const inFlight = get(port, '/slow', agent);
  await withTimeout(started.opened, TIMEOUT, 'handler start');
  const startedClosing = Date.now();
  const closing = app.close().then(() => events.push('closed'));

  assert.equal(await tryConnect(port), 'ECONNREFUSED');

  const res = await inFlight;
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { message: 'done' });
  await withTimeout(closing, TIMEOUT, 'close()');
  assert.deepEqual(events, ['handler finished', 'closed']);
  // Well under the default 10 s closeTimeout: the idle keep-alive connection was closed, not waited for.
  assert.ok(Date.now() - startedClosing < 2_000, `close took ${Date.now() - startedClosing} ms`);
  assert.equal(app.server, null);
});

test('close() does not wait for idle keep-alive connections', async (t) => {
  const app = new App({ logger: false, closeTimeout: 5_000 });
  app.get('/ping', () => ({ pong: true }));
  t.after(() => forceClose(app));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  const agent = new Agent({ keepAlive: true });
  t.after(() => agent.destroy());
  const res = await get(port, '/ping', agent);
  assert.equal(res.status, 200);
  // Bun's server leaves HTTP/1.1's default unsaid; Node says it.
  assert.equal(res.headers.connection, onBun ? undefined : 'keep-alive');

  const start = Date.now();
  await withTimeout(app.close(), TIMEOUT, 'close()');
  assert.ok(Date.now() - start < 1_000, `close took ${Date.now() - start} ms`);
});

test('close() with a handler that never finishes resolves after closeTimeout and cuts the connection', async (t) => {
  const app = new App({ logger: false, closeTimeout: 200 });
  const started = latch();
  app.get('/forever', async () => {
    started.open();
    await new Promise(() => {});
  });
  t.after(() => forceClose(app));
  const { port } = await app.listen({ port: 0, handleSignals: false });

  const stuck = get(port, '/forever').then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code ?? error.message,
  );
  await withTimeout(started.opened, TIMEOUT, 'handler start');
  const start = Date.now();
  await withTimeout(app.close(), TIMEOUT, 'close()');
  const took = Date.now() - start;
  assert.ok(took >= 190, `close resolved after ${took} ms, before closeTimeout`);
  assert.ok(took < 2_000, `close resolved after ${took} ms`);
  assert.equal(await stuck, 'ECONNRESET');
  assert.equal(app.server, null);
});

test('close() logs a warning when it has to cut requests still running', async (t) => {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = new App({ logger, closeTimeout: 100 });
  const started = latch();
  app.get('/forever', async () => {
    started.open();
    await new Promise(() => {});
  });
  t.after(() => forceClose(app));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  const stuck = get(port, '/forever').catch(() => undefined);
  await withTimeout(started.opened, TIMEOUT, 'handler start');
  await withTimeout(app.close(), TIMEOUT, 'close()');
  await stuck;
  const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
  assert.deepEqual(warnings, ['requests still running after 100 ms; closing their connections']);
});

test('close() called twice returns the same promise', async (t) => {
  const app = new App({ logger: false });
  t.after(() => forceClose(app));
  await app.listen({ port: 0, handleSignals: false });
  const first = app.close();
  const second = app.close();
  assert.equal(first, second);
  await withTimeout(first, TIMEOUT, 'close()');
  assert.equal(app.server, null);
});

test('close() on an app that never listened resolves', async () => {
  const app = new App({ logger: false });
  await withTimeout(app.close(), TIMEOUT, 'close()');
  assert.equal(app.server, null);
});

test('an app closed and listening again serves, and its next close() stops it', async (t) => {
  const app = new App({ logger: false });
  app.get('/ping', () => ({ pong: true }));
  t.after(() => forceClose(app));
  await app.listen({ port: 0, handleSignals: false });
  await withTimeout(app.close(), TIMEOUT, 'first close()');

  const { port } = await app.listen({ port: 0, handleSignals: false });
  const res = await get(port, '/ping');
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.body), { pong: true });

  await withTimeout(app.close(), TIMEOUT, 'second close()');
  assert.equal(await tryConnect(port), 'ECONNREFUSED');
  assert.equal(app.server, null);
});
