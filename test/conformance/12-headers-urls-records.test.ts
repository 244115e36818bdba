// Cause 12 of issue 21 (the parts done here): a header sent twice to a list header, URL errors,
// integer-keyed records.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';
import { request, serveApp, type Listening } from '../support/http.js';
import { skipOnBun } from '../support/runtime.js';

describe('12a: a header sent twice to a list header (docs_src/header_params/tutorial003.py)', () => {
  // x_token: list[str] | None = Header(default=None) → {"X-Token values": x_token}
  function headerApp(): App {
    const app = new App({ logger: false });
    app.get('/items/', { headers: t.Object({ 'x-token': t.Optional(t.Array(t.String())), 'user-agent': t.Optional(t.String()) }) }, ({ headers }) => ({
      'X-Token values': headers['x-token'] ?? null,
      agent: headers['user-agent'] ?? null,
    }));
    return app;
  }
  let server: Listening;
  after(() => server?.close());

  // tests/test_tutorial/test_header_params/test_tutorial003.py: headers [("x-token", "foo"),
  // ("x-token", "bar")] → 200 {"X-Token values": ["foo", "bar"]}; none → {"X-Token values": None}.
  test('two x-token lines over a socket: ["foo", "bar"], not ["foo, bar"]', skipOnBun('Bun\'s Headers join a header sent twice into one value (set-cookie aside), so a list header gets ["foo, bar"]; the lines are not kept apart'), async () => {
    server = await serveApp(headerApp());
    const res = await request(server.port, '/items/', { headers: { 'x-token': ['foo', 'bar'] } as unknown as Record<string, string> });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { 'X-Token values': ['foo', 'bar'], agent: null });
    const none = await request(server.port, '/items/');
    assert.deepEqual(none.json(), { 'X-Token values': null, agent: null });
  });

  // Starlette does not split one header line at commas: "foo, bar" sent once is one value.
  test('one line "foo, bar" stays one value; a string header keeps Node\'s joined form', async () => {
    server ??= await serveApp(headerApp()); // the test above, which starts it, is skipped on Bun
    const res = await request(server.port, '/items/', { headers: { 'x-token': 'foo, bar', 'user-agent': 'probe' } });
    assert.deepEqual(res.json(), { 'X-Token values': ['foo, bar'], agent: 'probe' });
  });
});

describe('12b: URL errors (docs_src/body_nested_models/tutorial005.py: url: HttpUrl)', () => {
  function urlApp(): App {
    const app = new App({ logger: false });
    app.post('/images', { body: t.Object({ url: t.HttpUrl(), name: t.String() }) }, ({ body }) => body);
    app.post('/links', { body: t.Object({ link: t.String({ format: 'uri' }) }) }, ({ body }) => body);
    return app;
  }
  async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
    const res = await urlApp().inject({ method: 'POST', url: path, body });
    return { status: res.statusCode, json: res.json() };
  }

  // pydantic-core src/errors/types.rs: UrlParsing "Input should be a valid URL, {error}", ctx
  // {"error": ...}, the error being rust-url's ParseError text ("relative URL without a base").
  test('a word for an HttpUrl: url_parsing "relative URL without a base"', async () => {
    const { status, json } = await post('/images', { url: 'not-a-url', name: 'x' });
    assert.equal(status, 422);
    assert.deepEqual(json, {
      detail: [
        {
          type: 'url_parsing',
          loc: ['body', 'url'],
          msg: 'Input should be a valid URL, relative URL without a base',
          input: 'not-a-url',
          ctx: { error: 'relative URL without a base' },
        },
      ],
    });
  });

  // pydantic-core src/url.rs: an empty string is "input is empty"; rust-url: "http://" is "empty host".
  test('"" is "input is empty"; "http://" is "empty host"; a port past 65535 "invalid port number"', async () => {
    assert.equal((await post('/images', { url: '', name: 'x' })).json.detail[0].msg, 'Input should be a valid URL, input is empty');
    assert.deepEqual((await post('/images', { url: 'http://', name: 'x' })).json.detail[0].ctx, { error: 'empty host' });
    assert.deepEqual((await post('/images', { url: 'http://example.com:99999/', name: 'x' })).json.detail[0].ctx, { error: 'invalid port number' });
  });

  // pydantic-core src/errors/types.rs: UrlScheme "URL scheme should be {expected_schemes}";
  // HttpUrl allows 'http' or 'https'.
  test('an ftp URL for an HttpUrl: url_scheme', async () => {
    const { json } = await post('/images', { url: 'ftp://example.com/a.jpg', name: 'x' });
    assert.deepEqual(json, {
      detail: [
        {
          type: 'url_scheme',
          loc: ['body', 'url'],
          msg: "URL scheme should be 'http' or 'https'",
          input: 'ftp://example.com/a.jpg',
          ctx: { expected_schemes: "'http' or 'https'" },
        },
      ],
    });
  });

  // HttpUrl's max_length is 2083: UrlTooLong "URL should have at most {max_length} characters".
  test('a URL over 2083 characters: url_too_long, one entry', async () => {
    const long = `http://example.com/${'a'.repeat(2100)}`;
    const { json } = await post('/images', { url: long, name: 'x' });
    assert.equal(json.detail.length, 1);
    assert.deepEqual([json.detail[0].type, json.detail[0].msg, json.detail[0].ctx], ['url_too_long', 'URL should have at most 2083 characters', { max_length: 2083 }]);
  });

  // tests/test_tutorial/test_body_nested_models/test_tutorial005.py (openapi): the url property is
  // {"type": "string", "maxLength": 2083, "minLength": 1, "format": "uri", "title": "Url"}.
  test('t.HttpUrl() is documented as FastAPI documents HttpUrl; a valid URL passes', async () => {
    const doc = urlApp().openapi() as any;
    const url = doc.paths['/images'].post.requestBody.content['application/json'].schema.properties.url;
    assert.deepEqual(url, { type: 'string', format: 'uri', minLength: 1, maxLength: 2083 });
    const ok = await post('/images', { url: 'http://example.com/baz.jpg', name: 'The Foo live' });
    assert.deepEqual(ok, { status: 200, json: { url: 'http://example.com/baz.jpg', name: 'The Foo live' } });
  });

  // A plain `format: 'uri'` string is pydantic's AnyUrl: the same url_parsing entry.
  test("t.String({ format: 'uri' }) answers url_parsing too", async () => {
    const { json } = await post('/links', { link: 'example.com' });
    assert.deepEqual([json.detail[0].type, json.detail[0].ctx], ['url_parsing', { error: 'relative URL without a base' }]);
  });
});

describe('12c: integer keys (docs_src/body_nested_models/tutorial009.py: weights: dict[int, float])', () => {
  function weightsApp(): App {
    const app = new App({ logger: false });
    app.post('/index-weights/', { body: t.Record(t.Integer(), t.Number()) }, ({ body }) => body);
    return app;
  }

  // tests/test_tutorial/test_body_nested_models/test_tutorial009.py test_post_invalid_body:
  // {"foo": 2.2, "3": 3.3} → 422 [{"type": "int_parsing", "loc": ["body", "foo", "[key]"],
  // "msg": "Input should be a valid integer, unable to parse string as an integer", "input": "foo"}]
  test('a key that is not an integer: int_parsing at ["body","foo","[key]"], input the key', async () => {
    const res = await weightsApp().inject({ method: 'POST', url: '/index-weights/', body: { foo: 2.2, '3': 3.3 } });
    assert.equal(res.statusCode, 422);
    assert.deepEqual(res.json(), {
      detail: [{ type: 'int_parsing', loc: ['body', 'foo', '[key]'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'foo' }],
    });
  });

  // Same file, test_post_body: {"2": 2.2, "3": 3.3} → 200, the same JSON back.
  test('integer keys pass and come back as sent', async () => {
    const res = await weightsApp().inject({ method: 'POST', url: '/index-weights/', body: { '2': 2.2, '3': 3.3 } });
    assert.deepEqual([res.statusCode, res.json()], [200, { '2': 2.2, '3': 3.3 }]);
  });

  // Pydantic's lax str → int (pydantic-core input/shared.rs str_as_int): "03" and "1.0" are ints
  // 3 and 1; the dict's keys are then those ints, written back by JSON as "3" and "1". JavaScript
  // objects have string keys: the handler gets "3" and "1".
  test('keys pydantic coerces are written as the integer: "03" → "3", "1.0" → "1", "-0" → "0"', async () => {
    const res = await weightsApp().inject({ method: 'POST', url: '/index-weights/', body: { '03': 3.3, '1.0': 1.1, '-0': 0 } });
    assert.deepEqual([res.statusCode, res.json()], [200, { '3': 3.3, '1': 1.1, '0': 0 }]);
  });

  // A key and a value both wrong: both reported (pydantic validates each key and each value).
  test('a bad key with a bad value: both entries', async () => {
    const res = await weightsApp().inject({ method: 'POST', url: '/index-weights/', body: { x: 'y' } });
    assert.deepEqual(
      res.json().detail.map((d: { type: string; loc: unknown[] }) => [d.type, d.loc]),
      [
        ['float_parsing', ['body', 'x']],
        ['int_parsing', ['body', 'x', '[key]']],
      ],
    );
  });

  // tests/test_tutorial/test_body_nested_models/test_tutorial009.py (openapi): the body is
  // {"type": "object", "additionalProperties": {"type": "number"}} (FastAPI adds "title": "Weights").
  test('documented as FastAPI documents dict[int, float]', () => {
    const doc = weightsApp().openapi() as any;
    assert.deepEqual(doc.paths['/index-weights/'].post.requestBody.content['application/json'].schema, { type: 'object', additionalProperties: { type: 'number' } });
  });
});
