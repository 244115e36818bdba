// How workers find the app module: an App they cannot find (or a module that cannot load on a
// worker) fails listen() with LW_ERR_OFFLOAD_MODULE, at startup rather than on the first request;
// a module that listens at top level loads on workers without opening a socket there; close()
// ends the worker threads.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { App, LoopwiseError } from '../../src/index.js';
import { app as factoryApp } from './fixtures/factory-app.js';
import { app as factoryAppWithModule } from './fixtures/factory-app-with-module.js';
import { app as wrongModuleApp, missing } from './fixtures/wrong-module-app.js';
import { socketGet } from '../support/socket-get.js';
import { withTimeout } from '../support/with-timeout.js';
import { skipOnBun } from '../support/runtime.js';

const TIMEOUT = 10_000;
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const opened: App[] = [factoryApp, factoryAppWithModule, wrongModuleApp];
after(async () => {
  await Promise.all(opened.map((app) => withTimeout(app.close(), TIMEOUT, 'close()')));
});

/** listen() must reject with LW_ERR_OFFLOAD_MODULE, whose message passes `check`; no server is left open. */
async function assertListenRefused(app: App, check: (message: string) => void): Promise<void> {
  await assert.rejects(withTimeout(app.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()'), (error: unknown) => {
    assert.ok(error instanceof LoopwiseError, String(error));
    assert.equal(error.code, 'LW_ERR_OFFLOAD_MODULE');
    check(error.message);
    return true;
  });
  assert.equal(app.server, null, 'nothing listens after the refusal');
}

describe('an App the workers cannot find', () => {
  test('built by a factory in another module, without `module`: listen() rejects with LW_ERR_OFFLOAD_MODULE', async () => {
    await assertListenRefused(factoryApp, (message) => {
      assert.match(message, /factory\.ts/, 'names the module the workers imported');
      assert.match(message, /created no App/);
      assert.match(message, /module: import\.meta\.url/, 'says what to do');
    });
    // Again: the refusal is not cached into a half-started state, and inject() refuses as well.
    await assertListenRefused(factoryApp, (message) => assert.match(message, /created no App/));
    await assert.rejects(withTimeout(factoryApp.inject('/where'), TIMEOUT, 'inject()'), { code: 'LW_ERR_OFFLOAD_MODULE' });
  });

  test('the same factory given module: import.meta.url serves from a worker', async () => {
    const { port } = await withTimeout(factoryAppWithModule.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()');
    const res = await socketGet(port, '/where', false, TIMEOUT);
    assert.equal(res.status, 200);
    assert.notEqual(JSON.parse(res.body).threadId, 0);
    await withTimeout(factoryAppWithModule.close(), TIMEOUT, 'close()');
  });

  test('`module` naming a file that does not exist: listen() rejects with LW_ERR_OFFLOAD_MODULE naming it', async () => {
    await assertListenRefused(wrongModuleApp, (message) => {
      assert.ok(message.includes(missing), message);
      assert.match(message, /could not load the app module/);
    });
  });

  test('a module that throws when imported on a worker: listen() rejects with LW_ERR_OFFLOAD_MODULE and the reason', async () => {
    const { app } = await import('./fixtures/main-thread-only-app.js');
    opened.push(app);
    await assertListenRefused(app, (message) => {
      assert.match(message, /main-thread-only-app\.ts/);
      assert.match(message, /must not be imported on a worker thread/);
    });
  });

  test('`module` that is not a file URL or absolute path is refused when the App is constructed', () => {
    // No offloaded route: nothing here would start a worker.
    assert.throws(() => new App({ logger: false, module: 'relative/app.ts' }), { code: 'LW_ERR_INVALID_OPTION' });
  });
});

describe('an App in a module worker threads must not import', () => {
  test('declared in a test file, with an offloaded route: inject() and listen() refuse before any thread starts, saying where to move it', async () => {
    const app = new App({ logger: false });
    app.get('/hash/:n', { offload: true }, () => ({ ok: true }));
    const expected =
      "LW_ERR_OFFLOAD_MODULE: GET /hash/:n is offloaded, and its App is declared in test/offload/module.test.ts, a test file: worker threads import the App's module to find its routes, which would run the tests again inside each thread. Declare the App in a module of its own (e.g. app.ts, exporting it) and import it in the test (docs/testing.md).";
    await assert.rejects(withTimeout(app.inject('/hash/1'), TIMEOUT, 'inject()'), (error: Error) => error.message === expected);
    await assert.rejects(withTimeout(app.listen({ port: 0, handleSignals: false }), TIMEOUT, 'listen()'), (error: Error) => error.message === expected);
    assert.equal(app.server, null);
    await app.close();
  });

  test('a script that injects and closes at its top level: its workers load it (inject() refuses there, close() does nothing) and it is served', async () => {
    const { topLevel, app } = await withTimeout(import('./fixtures/inject-at-top-level-app.js'), TIMEOUT, 'import the script');
    assert.deepEqual(JSON.parse(topLevel), { worker: true });
    const res = await withTimeout(app.inject('/where'), TIMEOUT, 'inject() again');
    assert.equal(res.statusCode, 200, res.body);
    await app.close();
  });
});

describe('an app module that calls listen() at top level', () => {
  test('loads on the workers, whose listen() resolves at once with port 0 and opens no socket', async () => {
    const { app, listening } = await withTimeout(import('./fixtures/listening-app.js'), TIMEOUT, 'import the listening module');
    opened.push(app);
    assert.ok(listening.port > 0);
    assert.equal(listening.url, `http://127.0.0.1:${listening.port}`);

    const res = await socketGet(listening.port, '/where', false, TIMEOUT);
    assert.equal(res.status, 200, res.body);
    const got = JSON.parse(res.body);
    assert.notEqual(got.threadId, 0);
    assert.deepEqual(got.listening, { url: '', host: '', port: 0 });
    assert.equal(got.server, null);
  });

  test('one TCP server is open here and none on the worker (counted by process.getActiveResourcesInfo)', skipOnBun('process.getActiveResourcesInfo() always returns [] (no handle names to count)'), async () => {
    const { listening } = await withTimeout(import('./fixtures/listening-app.js'), TIMEOUT, 'import the listening module');
    assert.equal(process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length, 1, 'one server, here');
    const res = await socketGet(listening.port, '/where', false, TIMEOUT);
    assert.equal(res.status, 200, res.body);
    assert.equal(JSON.parse(res.body).tcpServers, 0, 'no server on the worker');
  });

  test('close() ends the worker threads, after an offloaded request in flight has finished', async (t) => {
    if (!existsSync('/proc/self/status')) {
      t.skip('counts OS threads through /proc (Linux)');
      return;
    }
    const { app, listening } = await import('./fixtures/listening-app.js');
    const osThreads = (): number => Number(/^Threads:\s+(\d+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]);
    await stat('.'); // libuv's thread pool starts on first use: have it running before counting
    const { port } = listening; // app.server is node:http's, null on Bun's native server
    const res = await socketGet(port, '/where', false, TIMEOUT);
    assert.notEqual(JSON.parse(res.body).threadId, 0, 'the worker (threads: 1) is up');
    const serving = osThreads();
    const inFlight = socketGet(port, '/hold', false, TIMEOUT);
    await sleep(100); // the request is on the worker, held for 300 ms
    await withTimeout(app.close(), TIMEOUT, 'close()');
    const held = await inFlight;
    assert.equal(held.status, 200, held.body);
    assert.deepEqual(JSON.parse(held.body).held, true);
    assert.equal(app.server, null);
    const closed = osThreads();
    assert.ok(closed <= serving - 1, `OS threads: ${serving} while serving, ${closed} after close()`);
  });
});
