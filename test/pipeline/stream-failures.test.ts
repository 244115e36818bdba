// A streamed body (stream(), sse()) whose source throws after the head went out: the client gets
// the head and what was sent, then the connection is cut (it must see the body is incomplete); the
// failure is one JSON log line at error level naming the route, as a handler's throw is; nothing
// goes to stderr (Bun printed its own multi-line dump of the error there); the server serves on.
// With a middleware in front (on Bun the body then goes through write()), the same. A body that
// breaks the Content-Length its head gave is cut the same way, on Bun too (which frames it itself).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { request } from '../support/http.js';

const fixture = fileURLToPath(new URL('./fixtures/stream-failures-app.ts', import.meta.url));

/** Everything the server sends for one GET on a fresh connection, until it closes it (at most 5 s). */
function rawGet(port: number, path: string): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => finish(false), 5_000);
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', () => {});
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  });
}

const CASES = [
  { path: '/later', sent: 'a', message: /^the source failed a turn later$/ },
  { path: '/same-turn', sent: 'a', message: /^the source failed in the same turn$/ },
  // Node's stream refuses the chunk itself (ERR_INVALID_ARG_TYPE), Bun's front door says so in its words.
  { path: '/not-bytes', sent: 'a', message: /\bnumber\b/ },
  { path: '/events', sent: 'data: first', message: /^the event source failed$/ },
  { path: '/past-length', sent: 'abc', message: /a streamed body went past its Content-Length of 3 bytes/ },
  { path: '/short-of-length', sent: 'abc', message: /a streamed body ended at 3 of its Content-Length of 10 bytes/ },
];

/** The error line about `path`'s route (the access log is off: no other line names it). */
const errorLineOf = (path: string) => (line: string) => line.includes('"level":50') && line.includes(`"route":"GET ${path}"`);

for (const middleware of [false, true]) {
  describe(`a streamed body that fails after its head went out${middleware ? ', behind a middleware' : ''}`, () => {
    let app: AppProcess & { port: number };
    before(async () => {
      app = await startAppProcess(fixture, { env: { MIDDLEWARE: middleware ? '1' : '0', LOOPWISE_ACCESS_LOG: '0' } });
    });
    after(() => app.kill());

    for (const { path, sent, message } of CASES) {
      it(`GET ${path}: the head and what was sent reach the client, then the cut; one error line names the route`, async () => {
        const { text, closed } = await rawGet(app.port, path);
        assert.ok(closed, 'the connection was not closed');
        assert.match(text, /^HTTP\/1\.1 200 /);
        assert.ok(text.includes(sent), `what was sent before the failure is missing: ${JSON.stringify(text)}`);
        // A chunked body that ended cleanly ends with its last, empty chunk: a cut one does not.
        assert.ok(!text.endsWith('0\r\n\r\n'), `the body looks complete: ${JSON.stringify(text)}`);
        const line = await app.waitForLine(errorLineOf(path), 5_000, `the error line for ${path}`);
        const entry = JSON.parse(line) as { level: number; route: string; err: { message: string }; msg: string };
        assert.equal(entry.level, 50);
        assert.equal(entry.route, `GET ${path}`);
        assert.match(entry.err.message, message);
        assert.match(entry.msg, new RegExp(`after the response to GET ${path} had started`));
        assert.equal((await request(app.port, '/ok')).status, 200);
      });
    }

    it('nothing was written to stderr, and each failure was logged once', () => {
      assert.equal(app.stderr(), '');
      for (const { path } of CASES) assert.equal(app.lines.filter(errorLineOf(path)).length, 1, path);
    });
  });
}
