// What a handler leaves behind can fail after its answer, where no request catches it: a promise it
// forgot (a missing await) that rejects, a timer or an emitter that throws. Each ends a Node process
// by default. While an App listens each is logged instead and the server serves on; with a handler
// of the app's own, that one decides. In a child process: the test runner has its own listeners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startAppProcess } from '../support/app-process.js';
import { request } from '../support/http.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/stray-errors-app.ts', import.meta.url));

test('a rejection nothing handles is logged as an error, and the process serves on', async (t) => {
  const app = await startAppProcess(FIXTURE);
  t.after(() => app.kill());
  for (const path of ['/forget', '/forget-later']) {
    const res = await request(app.port, path);
    assert.deepEqual(res.json(), { answered: true });
  }
  for (const message of ['the forgotten promise failed', 'a timer’s promise failed']) {
    const line = JSON.parse(await app.waitForLine((text) => text.includes(message), 5_000, `the log line for "${message}"`)) as { level: number; msg: string; err: { message: string; stack: string } };
    assert.equal(line.level, 50);
    assert.match(line.msg, /nothing handled it/);
    assert.equal(line.err.message, message);
  }
  const ok = await request(app.port, '/ok');
  assert.equal(ok.status, 200, 'the process still serves');
  assert.equal(app.child.exitCode, null);
});

test('a timer that throws, and an emitter’s error nobody listens for, are logged as errors, and the process serves on', async (t) => {
  const app = await startAppProcess(FIXTURE);
  t.after(() => app.kill());
  for (const [path, message] of [
    ['/timer-throws', 'a timer threw'],
    ['/emitter-error', 'an emitter failed with no error listener'],
  ] as const) {
    const res = await request(app.port, path);
    assert.deepEqual(res.json(), { answered: true });
    const line = JSON.parse(await app.waitForLine((text) => text.includes(message), 5_000, `the log line for "${message}"`)) as { level: number; msg: string; err: { message: string; stack: string } };
    assert.equal(line.level, 50);
    assert.match(line.msg, /nothing caught it/);
    assert.equal(line.err.message, message);
    assert.match(line.err.stack, /stray-errors-app\.ts/, 'the stack names where it was thrown');
    const ok = await request(app.port, '/ok');
    assert.equal(ok.status, 200, `the process still serves after ${path}`);
  }
  assert.equal(app.child.exitCode, null);
});

test('one listener for every App in the process, removed when the last one stops; an app’s own listener keeps the say', async () => {
  // The test runner listens already: its listener stands aside for this check and is put back after.
  const runners = process.listeners('unhandledRejection');
  const runnersExceptions = process.listeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  process.removeAllListeners('uncaughtException');
  const { App } = await import('../../src/index.js');
  const first = new App({ logger: false });
  const second = new App({ logger: false });
  try {
    await first.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
    await second.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
    assert.equal(process.listenerCount('unhandledRejection'), 1);
    assert.equal(process.listenerCount('uncaughtException'), 1);
    await first.close();
    assert.equal(process.listenerCount('unhandledRejection'), 1, 'the second App still listens');
    assert.equal(process.listenerCount('uncaughtException'), 1, 'the second App still listens');
    await second.close();
    assert.equal(process.listenerCount('unhandledRejection'), 0, "Node's default is back");
    assert.equal(process.listenerCount('uncaughtException'), 0, "Node's default is back");
    const own = (): void => {};
    process.on('unhandledRejection', own);
    const third = new App({ logger: false });
    await third.listen({ port: 0, host: '127.0.0.1', handleSignals: false });
    assert.deepEqual(process.listeners('unhandledRejection'), [own], 'the app’s own listener alone');
    assert.equal(process.listenerCount('uncaughtException'), 1, 'each event decided on its own: nothing else listened for this one');
    await third.close();
    assert.equal(process.listenerCount('uncaughtException'), 0);
    process.removeListener('unhandledRejection', own);
  } finally {
    await first.close();
    await second.close();
    for (const listener of runners) process.on('unhandledRejection', listener as (...args: unknown[]) => void);
    for (const listener of runnersExceptions) process.on('uncaughtException', listener as (...args: unknown[]) => void);
  }
});
