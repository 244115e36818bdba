// A socket's end: a handler that throws closes its socket with 1011 (logged, never sent) and the
// server keeps serving; app.close() closes every open socket with 1001 and resolves promptly, even
// when a peer never answers; a peer that stops answering pings is cut; a send nobody awaited on a
// closed socket never crashes the process.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { App, HTTPException, WebSocketDisconnect, WebSocketException, t } from '../../src/index.js';
import { connect, refusal } from '../support/ws-client.js';

function appWithLog(): { app: App; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { app: new App({ logger }), lines };
}

async function listen(app: App): Promise<string> {
  const { port } = await app.listen({ port: 0, handleSignals: false });
  return `ws://127.0.0.1:${port}`;
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
after(() => process.off('unhandledRejection', onUnhandled));

describe('handler errors', () => {
  const { app, lines } = appWithLog();
  app.ws('/boom', { message: t.Object({ n: t.Integer() }) }, async (socket) => {
    const { n } = await socket.receive();
    if (n === 1) throw new Error('kaboom: secret detail');
    if (n === 2) throw new WebSocketException(4001, 'you asked for it');
    if (n === 3) throw new HTTPException(403, 'Not yours');
    await socket.send({ n });
  });
  app.ws('/sync-throw', () => {
    throw new Error('thrown before any await');
  });
  after(() => app.close());

  test('a throw closes with 1011 "Internal Server Error", logs the stack, and the server keeps serving', async () => {
    const base = await listen(app);
    const client = await connect(`${base}/boom`);
    client.sendJson({ n: 1 });
    assert.deepEqual(await client.closed(), { code: 1011, reason: 'Internal Server Error' });
    const logged = lines.find((line) => line.msg === 'Unhandled error in WS /boom');
    assert.ok(logged, 'the error is logged');
    assert.equal(logged.level, 50);
    assert.match(logged.err.stack, /kaboom: secret detail/);

    const sync = await connect(`${base}/sync-throw`);
    assert.equal((await sync.closed()).code, 1011);

    const next = await connect(`${base}/boom`);
    next.sendJson({ n: 7 });
    assert.deepEqual(await next.json(), { n: 7 });
    assert.equal((await next.closed()).code, 1000);
  });

  test('WebSocketException closes with its code and reason; an HTTPException after the handshake with 1008 and its detail', async () => {
    const base = `ws://127.0.0.1:${(app.server!.address() as { port: number }).port}`;
    const custom = await connect(`${base}/boom`);
    custom.sendJson({ n: 2 });
    assert.deepEqual(await custom.closed(), { code: 4001, reason: 'you asked for it' });
    const http = await connect(`${base}/boom`);
    http.sendJson({ n: 3 });
    assert.deepEqual(await http.closed(), { code: 1008, reason: 'Not yours' });
    assert.ok(!lines.some((line) => line.level >= 50 && /4001|Not yours/.test(JSON.stringify(line))), 'neither is logged as an error');
  });
});

describe('shutdown', () => {
  test('app.close() closes every open socket with 1001 and resolves promptly; handlers see the end of their loop', async () => {
    const { app } = appWithLog();
    const ended: (number | undefined)[] = [];
    app.ws('/hold', async (socket) => {
      for await (const _ of socket);
      ended.push(socket.closeCode);
    });
    const base = await listen(app);
    const clients = await Promise.all([1, 2, 3].map(() => connect(`${base}/hold`)));
    const start = Date.now();
    await app.close();
    const took = Date.now() - start;
    assert.ok(took < 1_000, `close() took ${took} ms`);
    for (const client of clients) assert.deepEqual(await client.closed(), { code: 1001, reason: 'Server shutting down' });
    assert.deepEqual(ended, [1001, 1001, 1001]);
    assert.equal(app.server, null);
  });

  test('a peer that never answers the close is cut after the 1 s grace: close() still resolves', async () => {
    const { app } = appWithLog();
    app.ws('/hold', async (socket) => {
      for await (const _ of socket);
    });
    const base = await listen(app);
    const client = await connect(`${base}/hold`);
    client.ws.pause(); // it will not read the server's close frame, so never answers it
    const start = Date.now();
    await app.close();
    const took = Date.now() - start;
    assert.ok(took >= 900 && took < 3_000, `close() took ${took} ms`);
    client.ws.resume(); // it then reads the 1001 that was sent, and finds the connection cut
    assert.ok([1001, 1006].includes((await client.closed()).code));
  });

  test('dependency cleanups and the handler\'s last work finish before close() resolves', async () => {
    const { app } = appWithLog();
    const events: string[] = [];
    app.ws('/slow-goodbye', async (socket) => {
      for await (const _ of socket);
      await new Promise((resolve) => setTimeout(resolve, 100));
      events.push('handler finished');
    });
    const base = await listen(app);
    await connect(`${base}/slow-goodbye`);
    await app.close();
    assert.deepEqual(events, ['handler finished']);
  });

  test('the app listens again after close(), WebSockets included', async () => {
    const { app } = appWithLog();
    app.ws('/hi', (socket) => socket.sendText('hi'));
    for (let round = 0; round < 2; round++) {
      const base = await listen(app);
      const client = await connect(`${base}/hi`);
      assert.equal(await client.next(), 'hi');
      await app.close();
    }
  });
});

describe('dead peers and stray sends', () => {
  test('heartbeat: a peer that does not answer pings is cut', async () => {
    const { app } = appWithLog();
    app.ws('/beat', { heartbeat: 50 }, async (socket) => {
      for await (const _ of socket);
    });
    after(() => app.close());
    const base = await listen(app);
    const silent = await connect(`${base}/beat`, { autoPong: false });
    assert.equal((await silent.closed(2_000)).code, 1006);
    const alive = await connect(`${base}/beat`); // answers pings: still open after several beats
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(alive.ws.readyState, alive.ws.OPEN);
    alive.ws.close();
  });

  test('send() after the peer left rejects with WebSocketDisconnect; one nobody awaited does not crash', async () => {
    const { app, lines } = appWithLog();
    let rejected: unknown;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    app.ws('/gone', async (socket) => {
      await socket.closed;
      void socket.sendText('nobody hears this'); // not awaited: must not become an unhandled rejection
      rejected = await socket.sendText('nor this').catch((error: unknown) => error);
      done();
    });
    after(() => app.close());
    const base = await listen(app);
    const client = await connect(`${base}/gone`);
    client.ws.close(4000, 'bye');
    await finished;
    assert.ok(rejected instanceof WebSocketDisconnect);
    assert.equal((rejected as WebSocketDisconnect).code, 4000);
    assert.equal((rejected as WebSocketDisconnect).reason, 'bye');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
    assert.ok(!lines.some((line) => line.level >= 50), 'nothing logged as an error');
  });

  test('handshakes that arrive while the app closes are refused with 503', async () => {
    const { app } = appWithLog();
    let release!: () => void;
    let waiting!: () => void;
    const handshakeWaits = new Promise<void>((resolve) => (waiting = resolve));
    const { dependency } = await import('../../src/index.js');
    const slowDependency = dependency(() => {
      waiting();
      return new Promise<number>((resolve) => (release = () => resolve(1)));
    });
    app.ws('/slow', { deps: { value: slowDependency } }, (socket) => socket.sendText('in'));
    const base = await listen(app);
    const refused = refusal(`${base}/slow`);
    await handshakeWaits; // on its dependency (a fixed wait was too short on a loaded machine)
    const closing = app.close();
    release();
    const answer = await refused;
    assert.equal(answer.status, 503);
    assert.deepEqual(JSON.parse(answer.body), { detail: 'Service Unavailable: the server is shutting down' });
    await closing;
  });
});
