// A promise a handler forgets (a missing await) that rejects ends a Node process by default. While
// an App listens it is logged instead and the server serves on; with a handler of the app's own,
// that one decides. In a child process: the test runner has its own unhandledRejection listener.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startAppProcess } from '../support/app-process.js';
import { request } from '../support/http.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/forgotten-promise-app.ts', import.meta.url));

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
