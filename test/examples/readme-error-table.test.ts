// The README's "Error shapes" table, checked against what the apps really answer: each row's
// status, body (a `…` stands for any text) and headers come from a request sent over a socket,
// to the tutorial app where it can produce the error, and to a small app built for the row where
// it cannot (a limit, a timeout, a stall). A row without a probe, or a probe without a row, fails.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { App } from '../../src/index.js';
import { app as tutorial } from '../../examples/tutorial/app.js';
import { noQueue } from '../offload/fixtures/queue-app.js';
import { request, serveApp, type Listening } from '../support/http.js';
import { RawConnection } from '../support/raw-http.js';
import { startLogServer, type LogServer } from '../support/log-server.js';
import { skipOnBun } from '../support/runtime.js';

interface Row {
  situation: string;
  statuses: number[];
  body: string;
  headers: [string, string][];
}

/** What a probe saw: one answer per status the row lists, in its order. */
interface Seen {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

interface Probe {
  /** Sends the request(s); one answer per status in the row. */
  run(): Promise<Seen[]>;
  /** The row quotes a default (10000 ms, 5000 ms) the probe lowers to stay fast, or a measured delay: any number matches. */
  anyNumber?: boolean;
}

function readRows(): Row[] {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('## Error shapes'));
  const lines = section.slice(0, section.indexOf('\n## ', 4)).split('\n');
  return lines
    .filter((line) => line.startsWith('| ') && !line.startsWith('| situation') && !line.startsWith('|---'))
    .map((line) => {
      const cells = line.slice(2, -2).split(' | ');
      assert.equal(cells.length, 3, `a README error-table row with three cells: ${line}`);
      const spans = [...cells[2]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
      // A cell that starts "empty" shows no body, only headers.
      const empty = cells[2]!.startsWith('empty');
      return {
        situation: cells[0]!,
        statuses: cells[1]!.split(',').map((status) => Number(status.trim())),
        body: empty ? '' : spans[0]!,
        headers: spans
          .slice(empty ? 0 : 1)
          .filter((span) => /^[A-Z][a-z]*(?:-[A-Z][a-z]*)*: /.test(span)) // Header-Case names, not options such as `redirectSlashes: false`
          .map((span) => [span.slice(0, span.indexOf(':')).toLowerCase(), span.slice(span.indexOf(':') + 2)] as [string, string]),
      };
    });
}

/** The row's body as a pattern: literal text, `…` for any text, and (when the probe says so) any number for a number. */
function bodyPattern(body: string, anyNumber: boolean): RegExp {
  const parts = body.split('…').map((part) => {
    const escaped = part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return anyNumber ? escaped.replace(/\d+/g, '\\d+') : escaped;
  });
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

let shop: Listening;
let limits: Listening;
let queue: Listening;
let guard: LogServer;
const guardApp = fileURLToPath(new URL('../guard/fixtures/guard-app.ts', import.meta.url));

// Small apps for the rows the tutorial cannot produce: a route that throws, one past its timeout.
const limitsApp = new App({ logger: false, headersTimeout: 300 });
limitsApp.get('/boom', () => {
  throw new Error('a bug in the handler');
});
limitsApp.get('/slow', { timeout: 50 }, async () => {
  await sleep(1_000);
  return {};
});

before(async () => {
  shop = await serveApp(tutorial);
  limits = await serveApp(limitsApp);
  queue = await serveApp(noQueue);
  guard = await startLogServer(guardApp, { GUARD_MAX_LOOP_DELAY: '100', GUARD_SAMPLE_INTERVAL: '100' });
});
after(async () => {
  await Promise.all([shop?.close(), limits?.close(), queue?.close()]);
  guard?.stop();
});

async function send(port: number, path: string, options: Parameters<typeof request>[2] = {}): Promise<Seen> {
  const res = await request(port, path, options);
  return { status: res.status, body: res.text, headers: res.headers };
}

async function raw(port: number, bytes: string): Promise<Seen> {
  const connection = await RawConnection.open(port);
  try {
    connection.write(bytes);
    const res = await connection.response();
    assert.ok(res !== null, 'an answer before the connection closed');
    return { status: res.status, body: res.body, headers: res.headers };
  } finally {
    connection.destroy();
  }
}

const json = (body: string): Parameters<typeof request>[2] => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

const PROBES: Record<string, Probe> = {
  'a declared part fails validation': { run: async () => [await send(shop.port, '/items/abc')] },
  'a required field is missing': { run: async () => [await send(shop.port, '/items', json('{"name":"Pen"}'))] },
  'malformed JSON': { run: async () => [await send(shop.port, '/items', json('{"name": }'))] },
  "`throw new HTTPException(404, 'Item not found')`": { run: async () => [await send(shop.port, '/items/99')] },
  "a path that differs from a route's only by its trailing slash": { run: async () => [await send(shop.port, '/items/?tag=pen')] },
  'unknown route': { run: async () => [await send(shop.port, '/nowhere')] },
  'known path, other method': { run: async () => [await send(shop.port, '/openapi.json', { method: 'DELETE' })] },
  'body over `bodyLimit` (default 1 MiB)': { run: async () => [await send(shop.port, '/items', json(`{"name":"${'x'.repeat(1024 * 1024)}"}`))] },
  'body with a `Content-Type` the route does not read (or none)': {
    run: async () => [await send(shop.port, '/items', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Pen' })],
  },
  'body with a `__proto__` key (prototype poisoning)': { run: async () => [await send(shop.port, '/items', json('{"__proto__":{"admin":true}}'))] },
  'path parameter over `maxParamLength` (default 100)': { run: async () => [await send(shop.port, `/items/${'1'.repeat(101)}`)] },
  'malformed HTTP (a bad request line or header, duplicate `Content-Length`, `Content-Length` with `Transfer-Encoding`, bad chunks)': {
    run: async () => [await raw(shop.port, 'POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}')],
  },
  'headers over `maxHeaderSize` (16 KiB), or not sent within `headersTimeout` (10 s)': {
    anyNumber: true, // the probe's app waits 300 ms for the headers, not 10 s
    run: async () => [
      await raw(limits.port, `GET /boom HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`),
      await raw(limits.port, 'GET /boom HTTP/1.1\r\nHost: x\r\n'),
    ],
  },
  'the loop is stalled past `maxLoopDelay` (default 1 s)': {
    anyNumber: true, // the delay is measured
    async run() {
      const stall = fetch(`${guard.base}/block?ms=600`);
      await sleep(150); // the stall is under way: this request waits in the socket until it ends
      const during = await fetch(`${guard.base}/json`);
      await stall;
      return [{ status: during.status, body: await during.text(), headers: Object.fromEntries(during.headers) }];
    },
  },
  'the offload queue is full (default 1024 waiting)': {
    async run() {
      // One worker thread and no queue: a second call while the first runs is refused at once.
      const running = send(queue.port, '/block?ms=1500');
      for (let i = 0; i < 50; i++) {
        const answer = await send(queue.port, '/quick');
        if (answer.status === 503) {
          await running;
          return [answer];
        }
        await sleep(20);
      }
      await running;
      return [];
    },
  },
  'a handler past its `timeout`': { anyNumber: true, run: async () => [await send(limits.port, '/slow')] }, // 50 ms here, 5000 by default
  'any other error thrown by a handler': { run: async () => [await send(limits.port, '/boom')] },
};

test('every row of the README error table has a probe, and every probe a row', () => {
  const situations = readRows().map((row) => row.situation);
  assert.deepEqual(situations.filter((situation) => !(situation in PROBES)), [], 'rows without a probe');
  assert.deepEqual(Object.keys(PROBES).filter((situation) => !situations.includes(situation)), [], 'probes without a row');
});

/** Rows answered by the HTTP server before any route: on Bun, by Bun's own parser. */
const PARSED_BY_BUN = ['malformed HTTP', 'headers over maxHeaderSize'];

for (const row of readRows()) {
  const probe = PROBES[row.situation];
  if (probe === undefined) continue; // reported by the test above
  const bunSkip = PARSED_BY_BUN.find((start) => row.situation.replace(/`/g, '').startsWith(start));
  test(`README error table: ${row.situation.replace(/`/g, '')}`, bunSkip === undefined ? {} : skipOnBun("the row is Node's HTTP parser's answer; Bun's server parses HTTP itself and answers in its own words (docs/bun.md)"), async () => {
    const seen = await probe.run();
    assert.deepEqual(seen.map((answer) => answer.status), row.statuses);
    // The body and headers a row shows are those of its last status (408 in "431, 408").
    const last = seen[seen.length - 1]!;
    assert.match(last.body, bodyPattern(row.body, probe.anyNumber === true));
    for (const [name, value] of row.headers) assert.equal(String(last.headers[name]), value, `${name} header`);
  });
}
