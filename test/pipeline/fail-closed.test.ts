// Issue 16, over real sockets to an app in a child process that must answer the next request
// itself (same pid): a JSON route reads only JSON, so a cross-site form cannot reach it (CSRF);
// a `__proto__` key in a query string or a form body is refused as in JSON; response filtering
// fails closed for a status the route has no schema for, inline and offloaded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { logLines, startAppProcess, type AppProcess } from '../support/app-process.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/fail-closed-app.ts', import.meta.url));
const TIMEOUT = 10_000;
const FORM = 'application/x-www-form-urlencoded';
const INTERNAL = { detail: 'Internal Server Error' };
const SECRET = 'internal-token-123';

let server: AppProcess & { port: number };

before(async () => {
  server = await startAppProcess(FIXTURE, { env: { LOG_LEVEL: 'info', LOOPWISE_LOG_FORMAT: 'json' } });
});

after(() => server.kill());

interface Answer {
  status: number;
  text: string;
  json(): any;
}

async function send(method: string, path: string, body?: string | FormData | Blob, contentType?: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    body,
    headers: contentType === undefined ? undefined : { 'content-type': contentType },
    signal: AbortSignal.timeout(TIMEOUT),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** The same process answers the next request: nothing above ended or replaced it. */
async function assertSameProcessServes(): Promise<void> {
  const res = await send('GET', '/pid');
  assert.equal(res.status, 200);
  assert.equal(res.json().pid, server.child.pid);
  assert.equal(server.child.exitCode, null);
}

test('A: a JSON route reads only JSON: the form, text, multipart and untyped bodies a cross-site page can send are 422, never read', async () => {
  const refused = (input: string) => ({
    detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input }],
  });

  const form = await send('POST', '/notes', 'name=a&age=1', FORM);
  assert.deepEqual([form.status, form.json()], [422, refused('name=a&age=1')]);
  // fetch labels a string body text/plain;charset=UTF-8, as an HTML form with enctype="text/plain" does.
  const text = await send('POST', '/notes', '{"name":"a","age":1}');
  assert.deepEqual([text.status, text.json()], [422, refused('{"name":"a","age":1}')]);
  const parts = new FormData();
  parts.set('name', 'a');
  parts.set('age', '1');
  const multipart = await send('POST', '/notes', parts);
  assert.equal(multipart.status, 422);
  assert.equal(multipart.json().detail[0].type, 'model_attributes_type');
  // An untyped Blob (no Content-Type, no preflight) is not JSON either: FastAPI 0.132's strict content-type check.
  const untyped = await send('POST', '/notes', new Blob(['{"name":"a","age":1}']));
  assert.deepEqual([untyped.status, untyped.json()], [422, refused('{"name":"a","age":1}')]);
  await assertSameProcessServes();

  const json = await send('POST', '/notes', '{"name":"a","age":1}', 'application/json');
  assert.deepEqual([json.status, json.json()], [201, { name: 'a', age: 1 }]);
  // A route that declares forms reads them, coerced; JSON is not read: an empty form, each field missing (FastAPI).
  const declared = await send('POST', '/notes/form', 'name=a&age=1', FORM);
  assert.deepEqual([declared.status, declared.json()], [201, { name: 'a', age: 1 }]);
  const jsonToForm = await send('POST', '/notes/form', '{"name":"a","age":1}', 'application/json');
  assert.deepEqual([jsonToForm.status, jsonToForm.json()], [422, {
    detail: [
      { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'age'], msg: 'Field required', input: null },
    ],
  }]);
  await assertSameProcessServes();
});

test('B: a __proto__ key in a query string is refused 400, declared or not, inline and on a worker thread', async () => {
  const detail = { detail: 'Bad Request: the query string has a forbidden __proto__ key' };
  for (const path of ['/search', '/search/declared', '/search/offloaded']) {
    // Plain, percent-encoded, and repeated (an array: the value Object.assign would take as a prototype).
    for (const query of ['__proto__=x', 'q=1&__%70roto__=x', '__proto__=a&__proto__=b']) {
      const res = await send('GET', `${path}?${query}`);
      assert.deepEqual([res.status, res.json()], [400, detail], `${path}?${query}`);
    }
    await assertSameProcessServes();
  }
});

test('B: a __proto__ key in an urlencoded or a multipart form body is refused 400, as in a JSON body', async () => {
  const detail = { detail: 'Bad Request: the form body has a forbidden __proto__ key' };
  const form = await send('POST', '/fields', 'a=1&__proto__=x&__proto__=y', FORM);
  assert.deepEqual([form.status, form.json()], [400, detail]);

  const field = new FormData();
  field.set('a', '1');
  field.set('__proto__', 'x');
  const multipartField = await send('POST', '/fields/multipart', field);
  assert.deepEqual([multipartField.status, multipartField.json()], [400, detail]);
  const file = new FormData();
  file.set('__proto__', new Blob(['{"polluted":true}'], { type: 'application/json' }), 'p.json');
  const multipartFile = await send('POST', '/fields/multipart', file);
  assert.deepEqual([multipartFile.status, multipartFile.json()], [400, detail]);
  await assertSameProcessServes();
});

test('B: constructor and prototype stay ordinary keys, as in JSON: they reach no prototype', async () => {
  const expected = { keys: ['constructor', 'prototype'], values: { constructor: 'x', prototype: 'y' }, copyPrototypeIntact: true };
  const query = await send('GET', '/search?constructor=x&prototype=y');
  assert.deepEqual([query.status, query.json()], [200, expected]);
  const form = await send('POST', '/fields', 'constructor=x&prototype=y', FORM);
  assert.deepEqual([form.status, form.json()], [200, expected]);
  await assertSameProcessServes();
});

for (const where of ['inline', 'offloaded'] as const) {
  test(`C (${where}): a status set at run time without a response schema is a logged 500, never the unfiltered value`, async () => {
    const declared = await send('GET', `/${where}/status/200`);
    assert.deepEqual([declared.status, declared.text], [200, '{"id":1,"name":"a"}']);

    const undeclared = await send('GET', `/${where}/status/202`);
    assert.deepEqual([undeclared.status, undeclared.json()], [500, INTERNAL]);
    assert.equal(undeclared.text.includes(SECRET), false);
    const route = `GET /${where}/status/:status`;
    const line = await server.waitForLine((l) => l.includes(route) && l.includes('status 202, which has no response schema'), TIMEOUT, `the 500 of ${route} logged`);
    const [logged] = logLines([line]);
    assert.equal(logged!.level, 50);
    assert.equal(logged!.route, route);
    assert.match(logged!.err.message, /^LW_ERR_RESPONSE_SERIALIZATION: GET \/\w+\/status\/:status returned a value with status 202, which has no response schema \(declared: 200\); answered 500/);
    assert.match(logged!.err.message, /list 202 in the route's unfiltered option/);

    // A bodiless status sends nothing, so there is nothing to filter.
    const empty = await send('GET', `/${where}/status/204`);
    assert.deepEqual([empty.status, empty.text], [204, '']);
    await assertSameProcessServes();
  });

  test(`C (${where}): a status listed in unfiltered sends the value as it is; others still answer 500`, async () => {
    const optedIn = await send('GET', `/${where}/unfiltered/202`);
    assert.deepEqual([optedIn.status, optedIn.json()], [202, { id: 1, name: 'a', secret: SECRET }]);
    const filtered = await send('GET', `/${where}/unfiltered/200`);
    assert.deepEqual([filtered.status, filtered.text], [200, '{"id":1,"name":"a"}']);
    const other = await send('GET', `/${where}/unfiltered/203`);
    assert.deepEqual([other.status, other.json()], [500, INTERNAL]);
    assert.equal(other.text.includes(SECRET), false);
    await assertSameProcessServes();
  });
}
