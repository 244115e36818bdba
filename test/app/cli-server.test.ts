// Under `loopwise run`/`dev` the CLI owns the server: while it says so (cliServer.address), a
// listen() the app module makes itself opens nothing and resolves with the CLI's address, so a
// module written as a script (`await app.listen()` at top level) still runs under the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { App, cliServer } from '../../src/app.js';
import { onBun } from '../support/runtime.js';

test('while the CLI serves, listen() opens no server and resolves with the CLI\'s address; after, it serves again', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = new App({ logger: log });
  app.get('/json', () => ({ ok: true }));
  const address = { url: 'http://0.0.0.0:8123', host: '0.0.0.0', port: 8123 };
  cliServer.address = address;
  t.after(() => {
    cliServer.address = null;
  });

  const first = await app.listen({ port: 1, host: '127.0.0.1' });
  const second = await app.listen(); // twice: still no LW_ERR_ALREADY_LISTENING
  assert.deepEqual([first, second], [address, address]);
  assert.notEqual(first, address, 'a copy: the caller cannot change what the CLI reports');
  assert.equal(app.server, null);
  assert.ok(lines.some((line) => line.level === 20 && /the loopwise CLI serves this app/.test(String(line.msg))), JSON.stringify(lines));

  // The CLI's own call (flag cleared for it) serves as usual.
  cliServer.address = null;
  const served = await app.listen({ port: 0, handleSignals: false });
  try {
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(app.listening, true);
    if (!onBun) assert.notEqual(app.server, null); // Bun's native server is not a node:http Server
  } finally {
    await app.close();
  }
});
