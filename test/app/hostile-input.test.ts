// Hostile input over raw sockets, as Node's test/parallel/test-http-* and Fastify's suites do it:
// each case gets its exact status and FastAPI-shaped detail (or a closed connection where HTTP
// says so), no stack or file path, and the server then answers the next request, on the same
// connection when it stays open and on a new one. The cases live in test/support/hostile-cases.ts,
// shared with scripts/hostile-inputs.ts, which prints them as a table.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/index.js';
import { HOSTILE_CASES, HOSTILE_LIMITS, hostileApp, runCase, type HostileApp, type IssueShape } from '../support/hostile-cases.js';
import { RawConnection, rawGet } from '../support/raw-http.js';
import { withTimeout } from '../support/with-timeout.js';
import { onBun, skipOnBun } from '../support/runtime.js';

/** What a response must never carry: a stack frame, a source file, Node's internals. */
const LEAK = /\n\s+at |node:internal|file:\/\/|\/[\w.-]+\/[\w.-]+\.(?:ts|js|mjs|cjs)\b|\bat [\w.<>]+ \(/;

let hostile: HostileApp;
let app: App;
let port: number;

before(async () => {
  hostile = hostileApp();
  app = hostile.app;
  ({ port } = await app.listen({ port: 0, handleSignals: false }));
});

after(async () => {
  await withTimeout(app.close(), 10_000, 'close()');
});

// On Bun, cases that reach the app (query, path, bodies) get loopwise's exact answers; the rest are
// answered by Bun's own HTTP parser, and checked for what must hold whoever answers.
describe('hostile input over raw sockets', () => {
  for (const entry of HOSTILE_CASES) {
    test(`${entry.input} → ${entry.expect.status}, connection ${entry.expect.connection === 'close' ? 'closed' : 'kept'}`, entry.bunSkip === undefined ? {} : skipOnBun(entry.bunSkip), async () => {
      const observed = await runCase(port, hostile, entry);
      const { response } = observed;
      if (onBun && entry.reachesApp !== true) {
        // Bun's server parses HTTP itself and answers what it refuses in its own words: what must
        // hold is that nothing leaks, nothing smuggled is served, and the server serves on.
        if (response !== null) assert.doesNotMatch(response.raw, LEAK, 'a stack trace or a file path in the response');
        assert.equal(observed.smuggled, 0, 'a request smuggled in a body was served');
        assert.equal(observed.freshConnection, 200, 'a new connection is served');
        return;
      }
      assert.ok(response !== null, 'the server closed the connection without an answer');
      const { expect } = entry;
      assert.equal(response.status, expect.status, `status; body: ${response.body.slice(0, 300)}`);
      assert.doesNotMatch(response.raw, LEAK, 'a stack trace or a file path in the response');

      if (expect.detail !== undefined) {
        assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
        const body = observed.json as { detail: unknown };
        if (typeof expect.detail === 'string') {
          assert.deepEqual(body, { detail: expect.detail });
        } else {
          assert.ok(Array.isArray(body.detail), `a 422 lists its issues: ${response.body.slice(0, 300)}`);
          const shapes: IssueShape[] = (body.detail as IssueShape[]).map(({ type, loc }) => ({ type, loc }));
          assert.deepEqual(shapes, expect.detail);
        }
      } else if (expect.body === null) {
        assert.equal(response.body, '');
      } else {
        assert.deepEqual(observed.json, expect.body);
      }
      for (const [name, value] of Object.entries(expect.headers ?? {})) assert.equal(response.headers[name], value, `header ${name}`);

      if (expect.connection === 'close') {
        assert.equal(response.headers.connection?.toLowerCase(), 'close', 'the answer says Connection: close');
        assert.equal(observed.closed, true, 'the server closed the connection after its answer');
      } else {
        assert.equal(observed.sameConnection, 200, 'the next request on the same connection is served');
      }
      assert.equal(observed.freshConnection, 200, 'a new connection is served');
      assert.equal(observed.smuggled, 0, 'a request smuggled in a body was served');

      if (expect.notBefore !== undefined) {
        // Bounded both ways: not cut early, and cut well before Node's own 60 s / 300 s defaults.
        assert.ok(observed.ms >= expect.notBefore, `answered after ${Math.round(observed.ms)} ms, before its timeout`);
        assert.ok(observed.ms < expect.notBefore + 4_000, `answered only after ${Math.round(observed.ms)} ms`);
      }
    });
  }
});

describe('keep-alive', () => {
  test('an idle kept-alive connection is closed after keepAliveTimeout (plus Node’s 1 s margin), without an answer', skipOnBun("Bun's server closes idle connections by its own idle timeout, checked every few seconds, and sends no Keep-Alive header"), async () => {
    const connection = await RawConnection.open(port);
    try {
      connection.write(rawGet('/ping'));
      const response = await connection.response();
      assert.equal(response?.status, 200);
      assert.equal(response?.headers['keep-alive'], `timeout=${HOSTILE_LIMITS.keepAliveTimeout / 1000}`);
      const start = performance.now();
      assert.equal(await connection.closedWithin(HOSTILE_LIMITS.keepAliveTimeout + 5_000), true, 'the idle connection was not closed');
      const ms = performance.now() - start;
      assert.ok(ms >= HOSTILE_LIMITS.keepAliveTimeout - 50, `closed after ${Math.round(ms)} ms`);
      assert.equal(connection.pending, '', 'nothing is sent to an idle connection');
    } finally {
      connection.destroy();
    }
  });

  test('a slowloris on the second request of a kept-alive connection is cut by headersTimeout too', skipOnBun("Bun's server has no headers timeout of its own: its idle timeout cuts a client that sends nothing, not one that trickles"), async () => {
    const connection = await RawConnection.open(port);
    let trickle: NodeJS.Timeout | undefined;
    try {
      connection.write(rawGet('/ping'));
      assert.equal((await connection.response())?.status, 200);
      const start = performance.now();
      connection.write('GET /ping HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      trickle = setInterval(() => connection.write('a'), 100);
      const response = await connection.response(8_000);
      const ms = performance.now() - start;
      assert.equal(response?.status, 408);
      assert.deepEqual(JSON.parse(response!.body), { detail: `Request Timeout: the request headers did not arrive within ${HOSTILE_LIMITS.headersTimeout} ms` });
      assert.ok(ms >= HOSTILE_LIMITS.headersTimeout - 50 && ms < HOSTILE_LIMITS.headersTimeout + 4_000, `answered after ${Math.round(ms)} ms`);
      assert.equal(await connection.closedWithin(3_000), true);
    } finally {
      clearInterval(trickle);
      connection.destroy();
    }
  });

  test('a malformed request pipelined behind a slow one is answered after it, in order', skipOnBun("Bun's server answers a malformed request itself, at once, not in pipeline order"), async () => {
    const connection = await RawConnection.open(port);
    try {
      connection.write(`${rawGet('/slow')}GET /ping HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n`);
      const first = await connection.response();
      assert.equal(first?.status, 200);
      assert.deepEqual(JSON.parse(first!.body), { slow: true });
      const second = await connection.response();
      assert.equal(second?.status, 400);
      assert.match(JSON.parse(second!.body).detail, /^Invalid HTTP request: malformed header line/);
      assert.equal(await connection.closedWithin(3_000), true);
    } finally {
      connection.destroy();
    }
  });

  test('pipelined requests after a malformed one are never served: the connection closes at the error', skipOnBun("Bun's server answers malformed requests itself (checked for smuggling by the cases above)"), async () => {
    const connection = await RawConnection.open(port);
    try {
      connection.write(`${rawGet('/ping')}GET /ping HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      assert.equal((await connection.response())?.status, 200);
      const refused = await connection.response();
      assert.equal(refused?.status, 400);
      assert.equal(await connection.response(), null, 'nothing after the refused request is answered');
      assert.equal(hostile.smuggledHits(), 0);
    } finally {
      connection.destroy();
    }
  });
});
