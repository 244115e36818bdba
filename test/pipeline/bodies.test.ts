import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { App, t, type BodyMediaType } from '../../src/index.js';
import { withTimeout } from '../support/with-timeout.js';
import { socketGet as get, type SocketResponse } from '../support/socket-get.js';

const MIB = 1024 * 1024;
const TIMEOUT = 5_000;

/**
 * POSTs a body in chunks with no Content-Length (Transfer-Encoding: chunked), stopping as soon as
 * the server answers or after `maxChunks` chunks.
 */
function postChunked(port: number, path: string, chunks: Buffer[], contentType = 'application/json'): Promise<SocketResponse> {
  const run = new Promise<SocketResponse>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': contentType } });
    let answered = false;
    const answer = new Promise<void>((settle) => {
      req.on('response', (res) => {
        answered = true;
        settle();
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') });
          req.destroy();
        });
        res.on('error', reject);
      });
    });
    // Once the server has answered it may close the socket under our writes: that is expected.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    void (async () => {
      for (const chunk of chunks) {
        if (answered || req.destroyed) return;
        if (!req.write(chunk)) {
          await Promise.race([new Promise((r) => req.once('drain', r)), answer, new Promise((r) => req.once('close', r))]);
        }
        // Let each chunk leave as its own chunk.
        await new Promise((r) => setImmediate(r));
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
  return withTimeout(run, TIMEOUT, `POST ${path}`);
}

/** A JSON document `{"name":"aaa…"}` of exactly `size` bytes. */
function jsonOfSize(size: number): string {
  const frame = '{"name":""}';
  return `{"name":"${'a'.repeat(size - frame.length)}"}`;
}

function appWithNamedBody(options: { appLimit?: number; routeLimit?: number } = {}): App {
  const app = new App({ logger: false, ...(options.appLimit === undefined ? {} : { bodyLimit: options.appLimit }) });
  const routeOptions = {
    body: t.Object({ name: t.String() }),
    ...(options.routeLimit === undefined ? {} : { bodyLimit: options.routeLimit }),
  };
  app.post('/names', routeOptions, async ({ body }) => ({ length: body.name.length }));
  return app;
}

test('a JSON body is validated against its schema and reaches the handler typed', async () => {
  const app = new App({ logger: false });
  app.post('/users', { body: t.Object({ name: t.String(), age: t.Integer({ minimum: 0 }) }), status: 201 }, async ({ body }) => {
    const name: string = body.name;
    const age: number = body.age;
    return { greeting: `hello ${name}`, nextAge: age + 1 };
  });

  const ok = await app.inject({ method: 'POST', url: '/users', body: { name: 'Ann', age: 41 } });
  assert.equal(ok.statusCode, 201);
  assert.equal(ok.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(ok.json(), { greeting: 'hello Ann', nextAge: 42 });

  const bad = await app.inject({ method: 'POST', url: '/users', body: { name: 7, age: -1 } });
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.json(), {
    detail: [
      { type: 'string_type', loc: ['body', 'name'], msg: 'Input should be a valid string', input: 7 },
      { type: 'greater_than_equal', loc: ['body', 'age'], msg: 'Input should be greater than or equal to 0', input: -1, ctx: { ge: 0 } },
    ],
  });

  const missing = await app.inject({ method: 'POST', url: '/users', body: { name: 'Ann' } });
  assert.equal(missing.statusCode, 422);
  assert.deepEqual(missing.json(), {
    detail: [{ type: 'missing', loc: ['body', 'age'], msg: 'Field required', input: { name: 'Ann' } }],
  });
});

test('a body of exactly the default limit (1 MiB) is accepted', async () => {
  const app = appWithNamedBody();
  const payload = jsonOfSize(MIB);
  assert.equal(Buffer.byteLength(payload), MIB);
  const res = await app.inject({ method: 'POST', url: '/names', headers: { 'content-type': 'application/json' }, body: payload });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { length: MIB - '{"name":""}'.length });
});

test('a Content-Length above the default 1 MiB limit is answered 413 with a detail and Connection: close', async () => {
  const app = appWithNamedBody();
  const res = await app.inject({ method: 'POST', url: '/names', headers: { 'content-type': 'application/json' }, body: jsonOfSize(MIB + 1) });
  assert.equal(res.statusCode, 413);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(res.headers.connection, 'close');
  assert.deepEqual(res.json(), { detail: 'Request body is larger than the limit of 1048576 bytes' });
});

test('a declared Content-Length above the limit is answered 413 over a real socket before the body is sent', async () => {
  const app = appWithNamedBody();
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    const run = new Promise<SocketResponse>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/names',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(2 * MIB) },
      });
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    const res = await withTimeout(run, TIMEOUT, 'POST /names with a large Content-Length');
    assert.equal(res.status, 413);
    assert.equal(res.headers.connection, 'close');
    assert.deepEqual(JSON.parse(res.body), { detail: 'Request body is larger than the limit of 1048576 bytes' });
  } finally {
    await app.close();
  }
});

test('a chunked body without Content-Length that grows past 1 MiB is answered 413, and the server keeps serving', async () => {
  const app = appWithNamedBody();
  app.get('/health', async () => ({ ok: true }));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    // 40 chunks of 64 KiB = 2.5 MiB, far past the limit; the client stops once answered.
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 'a'));
    const res = await postChunked(port, '/names', chunks);
    assert.equal(res.status, 413);
    assert.equal(res.headers['transfer-encoding'], undefined);
    assert.equal(res.headers.connection, 'close');
    assert.deepEqual(JSON.parse(res.body), { detail: 'Request body is larger than the limit of 1048576 bytes' });

    const after = await get(port, '/health');
    assert.equal(after.status, 200);
    assert.deepEqual(JSON.parse(after.body), { ok: true });
  } finally {
    await withTimeout(app.close(), TIMEOUT, 'app.close()');
  }
});

test('a chunked body under the limit is reassembled and parsed', async () => {
  const app = appWithNamedBody();
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    const text = JSON.stringify({ name: 'x'.repeat(100_000) });
    const chunks = [text.slice(0, 5), text.slice(5, 50_000), text.slice(50_000)].map((s) => Buffer.from(s));
    const res = await postChunked(port, '/names', chunks);
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { length: 100_000 });
  } finally {
    await withTimeout(app.close(), TIMEOUT, 'app.close()');
  }
});

test("a route's bodyLimit replaces the default limit", async () => {
  const app = appWithNamedBody({ routeLimit: 20 });
  const fits = await app.inject({ method: 'POST', url: '/names', headers: { 'content-type': 'application/json' }, body: jsonOfSize(20) });
  assert.equal(fits.statusCode, 200);
  assert.deepEqual(fits.json(), { length: 9 });

  const over = await app.inject({ method: 'POST', url: '/names', headers: { 'content-type': 'application/json' }, body: jsonOfSize(21) });
  assert.equal(over.statusCode, 413);
  assert.deepEqual(over.json(), { detail: 'Request body is larger than the limit of 20 bytes' });
});

test("the App's bodyLimit applies to every route, and a route's own bodyLimit wins over it", async () => {
  const app = new App({ logger: false, bodyLimit: 30 });
  app.post('/app-limit', { body: t.Object({ name: t.String() }) }, async ({ body }) => ({ length: body.name.length }));
  app.post('/route-limit', { body: t.Object({ name: t.String() }), bodyLimit: 100 }, async ({ body }) => ({ length: body.name.length }));
  const headers = { 'content-type': 'application/json' };

  const atLimit = await app.inject({ method: 'POST', url: '/app-limit', headers, body: jsonOfSize(30) });
  assert.equal(atLimit.statusCode, 200);
  assert.deepEqual(atLimit.json(), { length: 19 });

  const overApp = await app.inject({ method: 'POST', url: '/app-limit', headers, body: jsonOfSize(31) });
  assert.equal(overApp.statusCode, 413);
  assert.deepEqual(overApp.json(), { detail: 'Request body is larger than the limit of 30 bytes' });

  const routeWins = await app.inject({ method: 'POST', url: '/route-limit', headers, body: jsonOfSize(100) });
  assert.equal(routeWins.statusCode, 200);
  assert.deepEqual(routeWins.json(), { length: 89 });

  const overRoute = await app.inject({ method: 'POST', url: '/route-limit', headers, body: jsonOfSize(101) });
  assert.equal(overRoute.statusCode, 413);
  assert.deepEqual(overRoute.json(), { detail: 'Request body is larger than the limit of 100 bytes' });
});

/** `message`: what Python's json says (FastAPI quotes it in ctx.error), not V8's wording. */
async function expectJsonInvalid(app: App, payload: string, position: number, message: string): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/names', headers: { 'content-type': 'application/json' }, body: payload });
  assert.equal(res.statusCode, 422, payload);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(
    res.json(),
    { detail: [{ type: 'json_invalid', loc: ['body', position], msg: 'JSON decode error', input: {}, ctx: { error: message } }] },
    payload,
  );
}

test('malformed JSON is answered 422 json_invalid with loc ["body", <position of the error>]', async () => {
  const app = appWithNamedBody();
  await expectJsonInvalid(app, '{"name": "x",}', 13, 'Expecting property name enclosed in double quotes'); // a trailing comma: the error is at the closing brace
  await expectJsonInvalid(app, '{"name" "x"}', 8, "Expecting ':' delimiter"); // a missing colon
  await expectJsonInvalid(app, '{"name": "x"', 12, "Expecting ',' delimiter"); // cut short
  await expectJsonInvalid(app, 'nope', 0, 'Expecting value');
});

test('malformed JSON with an unexpected token reports the position of that token, as FastAPI does', async () => {
  const app = appWithNamedBody();
  // Python's json (FastAPI): "Expecting value: line 1 column 10 (char 9)" → loc ["body", 9].
  await expectJsonInvalid(app, '{"name": }', 9, 'Expecting value');
  await expectJsonInvalid(app, '{"name": "x", "age": ]}', 21, 'Expecting value');
  // Cut short after the colon: "Expecting value: line 1 column 9 (char 8)".
  await expectJsonInvalid(app, '{"name":', 8, 'Expecting value');
});

test('a JSON body with a __proto__ key is refused 400 and Object.prototype stays clean', async () => {
  const app = new App({ logger: false });
  let called = false;
  app.post('/merge', { body: t.Object({}, { additionalProperties: true }) }, async ({ body }) => {
    called = true;
    return Object.assign({}, body);
  });
  const headers = { 'content-type': 'application/json' };
  const payloads = [
    '{"__proto__": {"polluted": "yes"}}',
    '{"nested": {"__proto__": {"polluted": "yes"}}}',
    '{"constructor": {"prototype": {"polluted": "yes"}}}',
  ];
  for (const payload of payloads) {
    const res = await app.inject({ method: 'POST', url: '/merge', headers, body: payload });
    assert.equal(res.statusCode, 400, payload);
    assert.deepEqual(res.json(), { detail: 'Request body contains a forbidden __proto__ or constructor.prototype key' }, payload);
  }
  assert.equal(called, false);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

test('a content type the route does not read is answered 422 as FastAPI does: the text reaches the schema unparsed', async () => {
  const app = appWithNamedBody();
  const res = await app.inject({
    method: 'POST',
    url: '/names',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: '<name>Ann</name>',
  });
  assert.equal(res.statusCode, 422);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.deepEqual(res.json(), {
    detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: '<name>Ann</name>' }],
  });
});

test('a form-urlencoded body is parsed and its strings coerced to the declared types', async () => {
  const app = new App({ logger: false });
  const form = { consumes: ['application/x-www-form-urlencoded'] as BodyMediaType[] };
  app.post('/pets', { ...form, body: t.Object({ name: t.String(), age: t.Integer(), vaccinated: t.Boolean() }) }, async ({ body }) => {
    const age: number = body.age;
    return { name: body.name, age, ageType: typeof age, vaccinated: body.vaccinated };
  });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };

  const ok = await app.inject({ method: 'POST', url: '/pets', headers, body: 'name=Rex+the+dog&age=3&vaccinated=true' });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { name: 'Rex the dog', age: 3, ageType: 'number', vaccinated: true });

  const bad = await app.inject({ method: 'POST', url: '/pets', headers, body: 'name=Rex&age=three&vaccinated=true' });
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.json(), {
    detail: [
      {
        type: 'int_parsing',
        loc: ['body', 'age'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: 'three',
      },
    ],
  });
});

test('a text/plain body is given to a t.String() body schema as a string', async () => {
  const app = new App({ logger: false });
  app.post('/notes', { body: t.String({ maxLength: 20 }), consumes: ['text/plain'] }, async ({ body }) => {
    const note: string = body;
    return { note, length: note.length };
  });
  const headers = { 'content-type': 'text/plain; charset=utf-8' };

  const ok = await app.inject({ method: 'POST', url: '/notes', headers, body: 'buy milk, café' });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { note: 'buy milk, café', length: 14 });

  const tooLong = await app.inject({ method: 'POST', url: '/notes', headers, body: 'x'.repeat(21) });
  assert.equal(tooLong.statusCode, 422);
  assert.deepEqual(tooLong.json(), {
    detail: [
      {
        type: 'string_too_long',
        loc: ['body'],
        msg: 'String should have at most 20 characters',
        input: 'x'.repeat(21),
        ctx: { max_length: 20 },
      },
    ],
  });
});

test('a missing body for a required body schema is answered 422 missing at loc ["body"]', async () => {
  const app = appWithNamedBody();
  for (const headers of [{}, { 'content-type': 'application/json' }]) {
    const res = await app.inject({ method: 'POST', url: '/names', headers });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
  }
});

test('a JSON body of null is no body, as in FastAPI: missing when required (even when its schema allows null), undefined when optional', async () => {
  const app = new App({ logger: false });
  app.post('/items', { body: t.Object({ name: t.String(), price: t.Number() }) }, ({ body }) => body);
  app.post('/nullable', { body: t.Union([t.Object({ name: t.String() }), t.Null()]) }, ({ body }) => ({ body }));
  app.post('/search', { body: t.Optional(t.Object({ term: t.String() })) }, ({ body }) => ({ absent: body === undefined }));
  const json = { 'content-type': 'application/json' };
  const missing = { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
  for (const url of ['/items', '/nullable']) {
    const res = await app.inject({ method: 'POST', url, headers: json, body: 'null' });
    assert.equal(res.statusCode, 422, url);
    assert.deepEqual(res.json(), missing, url);
  }
  const optional = await app.inject({ method: 'POST', url: '/search', headers: json, body: 'null' });
  assert.equal(optional.statusCode, 200);
  assert.deepEqual(optional.json(), { absent: true });
  // Not JSON: a text body "null" is a string, and a form has no such value.
  const ok = await app.inject({ method: 'POST', url: '/items', headers: json, body: '{"name":"x","price":1}' });
  assert.equal(ok.statusCode, 200);
});

test('an optional body that is absent reaches the handler as undefined', async () => {
  const app = new App({ logger: false });
  app.post('/search', { body: t.Optional(t.Object({ term: t.String() })) }, async ({ body }) => {
    return { absent: body === undefined, term: body?.term ?? null };
  });

  const absent = await app.inject({ method: 'POST', url: '/search' });
  assert.equal(absent.statusCode, 200);
  assert.deepEqual(absent.json(), { absent: true, term: null });

  const present = await app.inject({ method: 'POST', url: '/search', body: { term: 'shoes' } });
  assert.equal(present.statusCode, 200);
  assert.deepEqual(present.json(), { absent: false, term: 'shoes' });

  const invalid = await app.inject({ method: 'POST', url: '/search', body: { term: 5 } });
  assert.equal(invalid.statusCode, 422);
  assert.deepEqual(invalid.json(), {
    detail: [{ type: 'string_type', loc: ['body', 'term'], msg: 'Input should be a valid string', input: 5 }],
  });
});

test('application/json with a charset and +json types are read as JSON; a body without Content-Type is not (FastAPI 0.132 strict_content_type)', async () => {
  const app = appWithNamedBody();
  for (const contentType of ['application/json; charset=utf-8', 'application/vnd.api+json', 'Application/JSON']) {
    const res = await app.inject({ method: 'POST', url: '/names', headers: { 'content-type': contentType }, body: '{"name":"Ann"}' });
    assert.equal(res.statusCode, 200, contentType);
    assert.deepEqual(res.json(), { length: 3 }, contentType);
  }
  const untyped = await app.inject({ method: 'POST', url: '/names', body: '{"name":"Ann"}' });
  assert.equal(untyped.statusCode, 422);
  assert.equal(untyped.json().detail[0].type, 'model_attributes_type');
});

test('a route without a body schema never reads the body, so any content type is accepted', async () => {
  const app = new App({ logger: false });
  app.post('/ping', async () => ({ pong: true }));
  const res = await app.inject({ method: 'POST', url: '/ping', headers: { 'content-type': 'text/xml' }, body: '<x/>'.repeat(MIB) });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { pong: true });
});

test('a request failing in its path and its body reports the path issues first, then the body, as FastAPI does', async () => {
  const app = new App({ logger: false });
  app.put('/items/:id', { params: t.Object({ id: t.Integer() }), body: t.Object({ name: t.String() }) }, async ({ params, body }) => ({
    id: params.id,
    name: body.name,
  }));
  const res = await app.inject({ method: 'PUT', url: '/items/abc', body: { name: 5 } });
  assert.equal(res.statusCode, 422);
  assert.deepEqual(res.json(), {
    detail: [
      { type: 'int_parsing', loc: ['path', 'id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' },
      { type: 'string_type', loc: ['body', 'name'], msg: 'Input should be a valid string', input: 5 },
    ],
  });
});

test('a client that hangs up mid-body is dropped quietly: the handler never runs and the server keeps serving', async () => {
  const lines: string[] = [];
  const { pino } = await import('pino');
  const { Writable } = await import('node:stream');
  const sink = new Writable({ write: (chunk, _enc, next) => (lines.push(String(chunk)), next()) });
  const app = new App({ logger: pino({ level: 'debug' }, sink) });
  let calls = 0;
  app.post('/things', { body: t.Object({ name: t.String() }) }, ({ body }) => (calls++, body));
  app.get('/ping', () => ({ pong: true }));
  const { port } = await app.listen({ port: 0, handleSignals: false });
  try {
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/things', method: 'POST', agent: false, headers: { 'content-length': '100' } });
      req.on('error', () => resolve());
      req.write('{"name":');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    // Give the server a moment to see the reset, bounded.
    for (let i = 0; i < 40 && !lines.some((l) => l.includes('closed the connection')); i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(calls, 0);
    assert.ok(lines.some((l) => l.includes('before sending the whole body')), lines.join(''));
    assert.ok(!lines.some((l) => l.includes('"level":50')), 'an aborted upload is not an error');
    const after = await get(port, '/ping');
    assert.equal(after.status, 200);
    assert.deepEqual(JSON.parse(after.body), { pong: true });
  } finally {
    await app.close();
  }
});
