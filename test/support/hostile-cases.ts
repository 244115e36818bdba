// Hostile requests over raw sockets, and what loopwise must answer to each: shared by the test
// (test/app/hostile-input.test.ts asserts the answers) and the table generator
// (scripts/hostile-inputs.ts prints them). After every case the runner also checks that the server
// answers the next request, on the same connection when it stays open and on a fresh one.
import { setTimeout as sleep } from 'node:timers/promises';
import { App, t } from '../../src/index.js';
import { RawConnection, rawGet, rawPost, type RawResponse } from './raw-http.js';

/** Small timeouts so the slow-client cases end in about a second (the defaults are 10 s and 60 s). */
export const HOSTILE_LIMITS = { headersTimeout: 500, requestTimeout: 1500, keepAliveTimeout: 1000 } as const;

export interface HostileApp {
  app: App;
  /** Requests that reached `GET /smuggled`: a smuggled request that was served. Must stay 0. */
  smuggledHits(): number;
}

/** The app every case runs against. */
export function hostileApp(): HostileApp {
  let smuggled = 0;
  const app = new App({ logger: false, ...HOSTILE_LIMITS });
  app.get('/ping', () => ({ pong: true }));
  app.get('/slow', async () => {
    await sleep(100);
    return { slow: true };
  });
  app.get('/smuggled', () => {
    smuggled++;
    return { smuggled: true };
  });
  app.get('/users/:name', ({ params }) => ({ name: params.name }));
  app.get('/search', { query: t.Object({ q: t.String() }) }, ({ query }) => ({ q: query.q }));
  app.post('/items', { body: t.Object({ name: t.String(), tags: t.Optional(t.Array(t.String(), { maxItems: 100 })) }) }, ({ body }) => ({ name: body.name }));
  app.post('/any', { body: t.Unknown() }, () => ({ received: true }));
  app.post('/numbers', { body: t.Object({ x: t.Optional(t.Number()), n: t.Optional(t.Integer()) }) }, ({ body }) => body);
  app.post('/form', { body: t.Object({ a: t.String() }), consumes: ['application/x-www-form-urlencoded'] }, ({ body }) => body);
  return { app, smuggledHits: () => smuggled };
}

/** A 422's issues, as their type and loc. */
export type IssueShape = { type: string; loc: (string | number)[] };

export interface HostileCase {
  /** Valid HTTP with a hostile request inside (query, path, body): loopwise's own answer on every runtime, not the HTTP parser's. */
  reachesApp?: true;
  /** Why the case cannot be checked on Bun (its server answers it, or not, itself). */
  bunSkip?: string;
  /** What is sent, for the table (markdown). */
  input: string;
  /** Bytes written at once; then, with `trickle`, one more byte every 100 ms until the server answers. */
  bytes: string | Buffer;
  trickle?: string;
  expect: {
    status: number;
    /** The exact `detail` string, or the 422's issues; for an answer that is not an error, `body` instead. */
    detail?: string | IssueShape[];
    /** The exact JSON body of an answer that is not an error; null for none. */
    body?: unknown;
    /** Whether the server closes the connection after its answer, or keeps it for the next request. */
    connection: 'close' | 'keep-alive';
    headers?: Record<string, string>;
    /** Slow-client cases: the answer comes no sooner than this many ms after the first byte. */
    notBefore?: number;
  };
}

export interface Observed {
  /** Null when the server closed the connection without answering. */
  response: RawResponse | null;
  /** The parsed JSON body, or undefined when there is none or it is not JSON. */
  json: unknown;
  ms: number;
  /** The server closed the connection after its answer. */
  closed: boolean;
  /** `GET /ping` on the same connection, when the server kept it open: its status, or null if that failed. */
  sameConnection: number | null;
  /** `GET /ping` on a new connection afterwards. */
  freshConnection: number | null;
  /** Requests `GET /smuggled` served during the case. */
  smuggled: number;
}

const CL = 'Content-Type: application/json\r\nContent-Length';
const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n';
const BAD = 'Invalid HTTP request';

function chunked(body: string): string {
  return `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

function issues(...list: [string, ...(string | number)[]][]): IssueShape[] {
  return list.map(([type, ...loc]) => ({ type, loc }));
}

const BUN_NO_HEADERS_TIMEOUT = "Bun's server has no headers timeout: a client that sends nothing, or trickles its head, is cut by its idle timeout, which uWebSockets checks every few seconds (measured 7 to 13 s with idleTimeout 1 s), with no 408";

export const HOSTILE_CASES: HostileCase[] = [
  // The request line and version
  { input: 'request line `GARBAGE`', bytes: 'GARBAGE\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed request line`, connection: 'close' } },
  { input: 'request line `GET` (no target, no version)', bytes: 'GET\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed request line`, connection: 'close' } },
  { input: 'a TLS ClientHello on the plain-HTTP port', bytes: Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), expect: { status: 400, detail: `${BAD}: malformed request line`, connection: 'close' } },
  { input: 'a space inside the URL (`GET /a b HTTP/1.1`)', bytes: 'GET /a b HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed request line`, connection: 'close' } },
  { input: '`HTTX/1.1` instead of `HTTP/1.1`', bytes: 'GET /ping HTTX/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed request line`, connection: 'close' } },
  { input: 'version `HTTP/1.2`', bytes: 'GET /ping HTTP/1.2\r\nHost: localhost\r\n\r\n', expect: { status: 505, detail: 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0', connection: 'close' } },
  { input: 'version `HTTP/2.0` in an HTTP/1 request line', bytes: 'GET /ping HTTP/2.0\r\nHost: localhost\r\n\r\n', expect: { status: 505, detail: 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0', connection: 'close' } },
  { input: 'no version (`GET /ping`, HTTP/0.9)', bytes: 'GET /ping\r\n\r\n', expect: { status: 505, detail: 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0', connection: 'close' } },
  { input: 'the HTTP/2 preface (`PRI * HTTP/2.0`)', bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', expect: { status: 505, detail: 'HTTP Version Not Supported: this server speaks HTTP/1.1; HTTP/2 without TLS (prior knowledge) is not served', connection: 'close' } },
  // Headers
  { input: 'a header line without a colon', bytes: 'GET /ping HTTP/1.1\r\nHost: localhost\r\nBadHeader\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed header line (no colon, whitespace before the colon, or a character not allowed in a name)`, connection: 'close' } },
  { input: 'a space before the colon (`X-A : 1`)', bytes: 'GET /ping HTTP/1.1\r\nHost: localhost\r\nX-A : 1\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed header line (no colon, whitespace before the colon, or a character not allowed in a name)`, connection: 'close' } },
  { input: 'a control character (0x01) in a header value', bytes: 'GET /ping HTTP/1.1\r\nHost: localhost\r\nX-A: a\x01b\r\n\r\n', expect: { status: 400, detail: `${BAD}: a header value contains a control character`, connection: 'close' } },
  { input: 'NUL in a header value', bytes: 'GET /ping HTTP/1.1\r\nHost: localhost\r\nX-A: a\x00b\r\n\r\n', expect: { status: 400, detail: `${BAD}: a header value contains a control character`, connection: 'close' } },
  { input: 'a header folded onto the next line (obs-fold)', bytes: 'GET /ping HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n', expect: { status: 400, detail: `${BAD}: a header continued on the next line (obsolete line folding) is not accepted`, connection: 'close' } },
  { input: 'HEAD with a header line without a colon (the answer has no body)', bytes: 'HEAD /ping HTTP/1.1\r\nHost: localhost\r\nBadHeader\r\n\r\n', expect: { status: 400, body: null, connection: 'close', headers: { 'content-type': 'application/json; charset=utf-8' } } },
  { input: 'LF-only line endings', bytes: 'GET /ping HTTP/1.1\nHost: localhost\n\n', expect: { status: 400, detail: `${BAD}: lines must end with CRLF`, connection: 'close' } },
  { input: 'a header line ending in a bare LF', bytes: 'GET /ping HTTP/1.1\r\nHost: localhost\n\r\n', expect: { status: 400, detail: `${BAD}: lines must end with CRLF`, connection: 'close' } },
  { input: 'HTTP/1.1 without `Host`', bytes: 'GET /ping HTTP/1.1\r\n\r\n', expect: { status: 400, detail: 'Bad Request: an HTTP/1.1 request must have a Host header', connection: 'close' } },
  { input: 'HTTP/1.0 without `Host` (allowed)', bytes: 'GET /ping HTTP/1.0\r\n\r\n', expect: { status: 200, body: { pong: true }, connection: 'close' } },
  { input: 'headers over 16 KiB', bytes: rawGet('/ping', `X-Big: ${'a'.repeat(17 * 1024)}\r\n`), expect: { status: 431, detail: 'Request Header Fields Too Large: the request line and headers are larger than the limit of 16384 bytes', connection: 'close' } },
  { input: 'a URL over 16 KiB', bytes: rawGet(`/ping?${'a'.repeat(17 * 1024)}`), expect: { status: 414, detail: 'URI Too Long: the request line is longer than the limit of 16384 bytes', connection: 'close' } },
  { input: 'a path parameter of 200 characters', bytes: rawGet(`/users/${'a'.repeat(200)}`), expect: { status: 414, detail: 'URI Too Long: a path parameter is longer than 100 characters', connection: 'keep-alive' } },
  // Body framing and request smuggling
  { input: '`Content-Length` twice, same value', bytes: `POST /any HTTP/1.1\r\nHost: localhost\r\n${CL}: 2\r\nContent-Length: 2\r\n\r\n{}`, expect: { status: 400, detail: `${BAD}: duplicate Content-Length`, connection: 'close' } },
  { input: '`Content-Length` twice, different values', bytes: `POST /any HTTP/1.1\r\nHost: localhost\r\n${CL}: 2\r\nContent-Length: 45\r\n\r\n{}`, expect: { status: 400, detail: `${BAD}: duplicate Content-Length`, connection: 'close' } },
  { input: '`Content-Length` + `Transfer-Encoding: chunked`, a second request smuggled in the body', bytes: `POST /any HTTP/1.1\r\nHost: localhost\r\n${CL}: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`, expect: { status: 400, detail: `${BAD}: Content-Length and Transfer-Encoding together (a request smuggling pattern)`, connection: 'close' } },
  { input: '`Transfer-Encoding: chunked` + `Content-Length`, a second request smuggled in the body', bytes: `POST /any HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n${SMUGGLED}`, expect: { status: 400, detail: `${BAD}: Content-Length and Transfer-Encoding together (a request smuggling pattern)`, connection: 'close' } },
  { input: '`Transfer-Encoding: gzip` (not chunked)', bytes: 'POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n', expect: { status: 400, detail: `${BAD}: unsupported Transfer-Encoding (only chunked, once and last, is accepted)`, connection: 'close' } },
  { input: '`Transfer-Encoding: chunked` twice', bytes: `POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${chunked('{"name":"a"}')}`, expect: { status: 400, detail: `${BAD}: unsupported Transfer-Encoding (only chunked, once and last, is accepted)`, connection: 'close' } },
  { input: 'chunk size `zz`', bytes: 'POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed chunked encoding (invalid chunk size)`, connection: 'close' } },
  { input: 'chunk data longer than its size', bytes: 'POST /items HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"name":"a"}\r\n0\r\n\r\n', expect: { status: 400, detail: `${BAD}: malformed chunked encoding`, connection: 'close' } },
  { input: '`Content-Length: -1`', bytes: `POST /items HTTP/1.1\r\nHost: localhost\r\n${CL}: -1\r\n\r\n`, expect: { status: 400, detail: `${BAD}: Content-Length must be a single non-negative whole number`, connection: 'close' } },
  { input: '`Content-Length: abc`', bytes: `POST /items HTTP/1.1\r\nHost: localhost\r\n${CL}: abc\r\n\r\n`, expect: { status: 400, detail: `${BAD}: Content-Length must be a single non-negative whole number`, connection: 'close' } },
  { input: '`Content-Length` of 23 digits', bytes: `POST /items HTTP/1.1\r\nHost: localhost\r\n${CL}: 99999999999999999999999\r\n\r\n`, expect: { status: 400, detail: `${BAD}: Content-Length is too large`, connection: 'close' } },
  { input: 'GET with a body (`Content-Length`) holding a second request', bytes: `GET /ping HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`, expect: { status: 200, body: { pong: true }, connection: 'keep-alive' } },
  { input: 'GET with a chunked body holding a second request', bytes: `GET /ping HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`, expect: { status: 200, body: { pong: true }, connection: 'keep-alive' } },
  // URLs
  { input: 'raw bytes 0xFF 0xFE (not UTF-8) in the path', bytes: Buffer.concat([Buffer.from('GET /users/'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: localhost\r\n\r\n')]), expect: { status: 400, detail: `${BAD}: the URL contains a character that is not allowed (non-ASCII bytes and spaces must be percent-encoded)`, connection: 'close' } },
  { reachesApp: true, input: 'path `/users/%ZZ` (bad percent-encoding)', bytes: rawGet('/users/%ZZ'), expect: { status: 400, detail: 'Bad Request: the URL is not valid percent-encoding', connection: 'keep-alive' } },
  { reachesApp: true, input: 'path `/users/%FF%FE` (percent-encoded, not UTF-8)', bytes: rawGet('/users/%FF%FE'), expect: { status: 400, detail: 'Bad Request: the URL is not valid percent-encoding', connection: 'keep-alive' } },
  { reachesApp: true, input: 'query `?q=%ZZ` (bad percent-encoding)', bytes: rawGet('/search?q=%ZZ'), expect: { status: 400, detail: 'Bad Request: the query string is not valid percent-encoding', connection: 'keep-alive' } },
  { reachesApp: true, input: 'query `?q=%FF` (percent-encoded, not UTF-8)', bytes: rawGet('/search?q=%FF'), expect: { status: 400, detail: 'Bad Request: the query string is not valid percent-encoding', connection: 'keep-alive' } },
  { reachesApp: true, input: 'query `?q=x&__proto__=a&__proto__=b`', bytes: rawGet('/search?q=x&__proto__=a&__proto__=b'), expect: { status: 400, detail: 'Bad Request: the query string has a forbidden __proto__ key', connection: 'keep-alive' } },
  { input: 'path `/../../etc/passwd`', bytes: rawGet('/../../etc/passwd'), expect: { status: 404, detail: 'Not Found', connection: 'keep-alive' } },
  { input: 'path `/users/../ping`', bytes: rawGet('/users/../ping'), expect: { status: 404, detail: 'Not Found', connection: 'keep-alive' } },
  { input: 'absolute-form target `GET http://localhost/ping`', bytes: 'GET http://localhost/ping HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 200, body: { pong: true }, connection: 'keep-alive' } },
  { input: '`OPTIONS *`', bytes: 'OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 204, body: null, connection: 'keep-alive', headers: { allow: 'GET, HEAD, POST' } } },
  { input: '`GET *`', bytes: 'GET * HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 400, detail: "Bad Request: the request target '*' is only valid with OPTIONS", connection: 'keep-alive' } },
  // Methods
  { input: 'unknown method `FOO /`', bytes: 'FOO / HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 501, detail: 'Not Implemented: the method FOO is not supported', connection: 'close' } },
  { input: 'lower-case method `get /ping`', bytes: 'get /ping HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 501, detail: 'Not Implemented: the method get is not supported', connection: 'close' } },
  { input: '`PROPFIND /ping` (a method Node knows, no route)', bytes: 'PROPFIND /ping HTTP/1.1\r\nHost: localhost\r\n\r\n', expect: { status: 405, detail: 'Method Not Allowed', connection: 'keep-alive', headers: { allow: 'GET, HEAD' } } },
  { input: '`CONNECT example.com:443`', bytes: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', expect: { status: 501, detail: 'Not Implemented: CONNECT is not supported (this server is not a proxy)', connection: 'close' } },
  // Bodies
  { reachesApp: true, input: 'JSON body with bytes 0xFF 0xFE (not UTF-8)', bytes: rawPost('/items', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])), expect: { status: 400, detail: 'Bad Request: the request body is not valid UTF-8', connection: 'keep-alive' } },
  { reachesApp: true, input: 'JSON body of 100 000 `[`', bytes: rawPost('/any', '['.repeat(100_000)), expect: { status: 400, detail: 'Bad Request: the JSON body nests deeper than 1000 levels', connection: 'keep-alive' } },
  { reachesApp: true, input: 'well-formed JSON nested 50 000 deep in a typed field', bytes: rawPost('/items', `{"name":${'['.repeat(50_000)}${']'.repeat(50_000)}}`), expect: { status: 400, detail: 'Bad Request: the JSON body nests deeper than 1000 levels', connection: 'keep-alive' } },
  { reachesApp: true, input: 'JSON nested 999 deep in a typed field (under the limit)', bytes: rawPost('/items', `{"name":${'['.repeat(999)}${']'.repeat(999)}}`), expect: { status: 422, detail: issues(['string_type', 'body', 'name']), connection: 'keep-alive' } },
  { reachesApp: true, input: 'truncated JSON `{"name":`', bytes: rawPost('/items', '{"name":'), expect: { status: 422, detail: issues(['json_invalid', 'body', 8]), connection: 'keep-alive' } },
  { reachesApp: true, input: 'JSON with a `__proto__` key', bytes: rawPost('/items', '{"name":"x","__proto__":{"admin":true}}'), expect: { status: 400, detail: 'Request body contains a forbidden __proto__ or constructor.prototype key', connection: 'keep-alive' } },
  { reachesApp: true, input: 'JSON with `constructor.prototype`', bytes: rawPost('/items', '{"name":"x","constructor":{"prototype":{"admin":true}}}'), expect: { status: 400, detail: 'Request body contains a forbidden __proto__ or constructor.prototype key', connection: 'keep-alive' } },
  { reachesApp: true, input: 'a JSON array of 1.2 MB (over the 1 MiB bodyLimit)', bytes: rawPost('/any', `[${'1,'.repeat(600_000)}1]`), expect: { status: 413, detail: 'Request body is larger than the limit of 1048576 bytes', connection: 'close' } },
  { reachesApp: true, input: '200 000 items (400 KB) against `maxItems: 100`', bytes: rawPost('/items', `{"name":"x","tags":[${'1,'.repeat(200_000)}1]}`), expect: { status: 422, detail: issues(['too_long', 'body', 'tags']), connection: 'keep-alive' } },
  { reachesApp: true, input: '`{"x":1e400}` for a number', bytes: rawPost('/numbers', '{"x":1e400}'), expect: { status: 422, detail: issues(['finite_number', 'body', 'x']), connection: 'keep-alive' } },
  { reachesApp: true, input: '`{"x":-1e400}` for a number', bytes: rawPost('/numbers', '{"x":-1e400}'), expect: { status: 422, detail: issues(['finite_number', 'body', 'x']), connection: 'keep-alive' } },
  { reachesApp: true, input: '`{"n":9007199254740993}` (2^53+1) for an integer', bytes: rawPost('/numbers', '{"n":9007199254740993}'), expect: { status: 422, detail: issues(['less_than_equal', 'body', 'n']), connection: 'keep-alive' } },
  { reachesApp: true, input: 'a JSON route sent `text/xml` (not parsed: FastAPI\'s model_attributes_type)', bytes: rawPost('/items', '<item><name>x</name></item>', 'text/xml'), expect: { status: 422, detail: issues(['model_attributes_type', 'body']), connection: 'keep-alive' } },
  { reachesApp: true, input: 'JSON to a route that `consumes` only forms (not parsed: an empty form)', bytes: rawPost('/form', '{"a":"b"}'), expect: { status: 422, detail: issues(['missing', 'body', 'a']), connection: 'keep-alive' } },
  { reachesApp: true, input: 'a cross-site form `name=x` to a JSON route (CSRF: not parsed)', bytes: rawPost('/items', 'name=x', 'application/x-www-form-urlencoded'), expect: { status: 422, detail: issues(['model_attributes_type', 'body']), connection: 'keep-alive' } },
  { reachesApp: true, input: 'form body `a=x&__proto__=y`', bytes: rawPost('/form', 'a=x&__proto__=y', 'application/x-www-form-urlencoded'), expect: { status: 400, detail: 'Bad Request: the form body has a forbidden __proto__ key', connection: 'keep-alive' } },
  { reachesApp: true, input: 'form body `a=%ZZ`', bytes: rawPost('/form', 'a=%ZZ', 'application/x-www-form-urlencoded'), expect: { status: 400, detail: 'Bad Request: the form body is not valid percent-encoding', connection: 'keep-alive' } },
  { reachesApp: true, input: 'empty body, `Content-Type: application/json`, body required', bytes: rawPost('/items', ''), expect: { status: 422, detail: issues(['missing', 'body']), connection: 'keep-alive' } },
  // Slow clients (the suite's app has headersTimeout 500 ms, requestTimeout 1500 ms)
  { bunSkip: BUN_NO_HEADERS_TIMEOUT, input: 'slowloris: headers trickled one byte per 100 ms', bytes: 'GET /ping HTTP/1.1\r\nHost: localhost\r\nX-Slow: ', trickle: 'a', expect: { status: 408, detail: 'Request Timeout: the request headers did not arrive within 500 ms', connection: 'close', notBefore: 450 } },
  { input: 'slow body: 1000 bytes declared, trickled one per 100 ms', bytes: `POST /items HTTP/1.1\r\nHost: localhost\r\n${CL}: 1000\r\n\r\n{"name":"`, trickle: 'a', expect: { status: 408, detail: 'Request Timeout: the request body did not arrive within 1500 ms', connection: 'close', notBefore: 1450 } },
  { bunSkip: BUN_NO_HEADERS_TIMEOUT, input: 'a connection that sends nothing', bytes: '', expect: { status: 408, detail: 'Request Timeout: the request headers did not arrive within 500 ms', connection: 'close', notBefore: 450 } },
];

const WAIT = 8_000;

/** `GET /ping` on a connection: its status, or null when the connection could not carry it. */
async function ping(connection: RawConnection): Promise<number | null> {
  connection.write(rawGet('/ping'));
  try {
    return (await connection.response(WAIT))?.status ?? null;
  } catch {
    return null;
  }
}

/** Sends one case, reads the answer, then checks the server serves the next request. Every socket is destroyed. */
export async function runCase(port: number, hostile: HostileApp, entry: HostileCase): Promise<Observed> {
  const before = hostile.smuggledHits();
  const connection = await RawConnection.open(port);
  let trickle: NodeJS.Timeout | undefined;
  try {
    const start = performance.now();
    connection.write(entry.bytes);
    if (entry.trickle !== undefined) trickle = setInterval(() => connection.write(entry.trickle!), 100);
    const response = await connection.response(WAIT, { head: entry.bytes.toString().startsWith('HEAD ') });
    const ms = performance.now() - start;
    clearInterval(trickle);
    let json: unknown;
    if (response !== null && response.body !== '' && response.headers['content-type']?.startsWith('application/json')) json = JSON.parse(response.body);
    let closed: boolean;
    let sameConnection: number | null = null;
    if (response === null || response.headers.connection?.toLowerCase() === 'close') {
      closed = await connection.closedWithin(3_000);
    } else {
      sameConnection = await ping(connection);
      closed = connection.closed;
    }
    const fresh = await RawConnection.open(port);
    let freshConnection: number | null;
    try {
      freshConnection = await ping(fresh);
    } finally {
      fresh.destroy();
    }
    return { response, json, ms, closed, sameConnection, freshConnection, smuggled: hostile.smuggledHits() - before };
  } finally {
    clearInterval(trickle);
    connection.destroy();
  }
}

/** One table row: `| input | answer | connection |`. */
export function tableRow(entry: HostileCase, observed: Observed): string {
  const { response } = observed;
  let answer = 'no answer';
  if (response !== null) {
    const shown = observed.json === undefined ? '' : ` \`${shorten(JSON.stringify(observed.json))}\``;
    const allow = response.headers.allow === undefined ? '' : ` (Allow: ${response.headers.allow})`;
    answer = `${response.status}${allow}${shown}`;
  }
  if (entry.expect.notBefore !== undefined) answer += ` after ${Math.round(observed.ms)} ms`;
  const connection = observed.closed
    ? 'closed'
    : `kept open; next request on it: ${observed.sameConnection ?? 'failed'}`;
  const smuggled = observed.smuggled > 0 ? ` — SMUGGLED REQUEST SERVED ×${observed.smuggled}` : '';
  return `| ${entry.input} | ${answer.replace(/\|/g, '\\|')} | ${connection}; new connection: ${observed.freshConnection ?? 'failed'}${smuggled} |`;
}

function shorten(text: string): string {
  return text.length <= 140 ? text : `${text.slice(0, 137)}…`;
}
