// Issue 21, cause 3: which body a route reads, by Content-Type, answered as current FastAPI
// (0.132+, Pydantic v2) answers: 422 with Pydantic's entries, never 415. FastAPI's rules
// (fastapi/routing.py, get_request_handler): a form route reads `await request.form()`, which is
// empty for any other type; a JSON route parses application/json and application/*+json only,
// and with no Content-Type only when `strict_content_type=False`; any other body reaches Pydantic
// as undecoded bytes. loopwise adds one rule (docs/security.md, "CSRF"): a body of a type the
// route does not consume never reaches the handler as data and is never decoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t, upload } from '../../src/index.js';

const FORM = 'application/x-www-form-urlencoded';
const ITEM_JSON = '{"name": "Foo", "price": 50.5}';

const modelAttributesType = (input: unknown) => ({
  detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input }],
});
const missing = (...fields: string[]) => ({
  detail: fields.map((field) => ({ type: 'missing', loc: ['body', field], msg: 'Field required', input: null })),
});

/** docs_src/body/tutorial001_py310.py: `create_item(item: Item)`, Item(name, description?, price, tax?). */
function bodyTutorial(): App {
  const app = new App({ logger: false });
  const Item = t.Object({
    name: t.String(),
    description: t.Union([t.String(), t.Null()], { default: null }),
    price: t.Number(),
    tax: t.Union([t.Number(), t.Null()], { default: null }),
  });
  app.post('/items/', { body: Item }, async ({ body }) => body);
  return app;
}

function post(app: App, url: string, body?: string, contentType?: string) {
  return app.inject({ method: 'POST', url, headers: contentType === undefined ? {} : { 'content-type': contentType }, body });
}

// FastAPI tests/test_tutorial/test_body/test_tutorial001.py::test_explicit_content_type and ::test_geo_json:
// application/json and application/geo+json (an application/*+json type) are parsed: 200.
test('body tutorial001: application/json and application/geo+json are read as JSON', async () => {
  const app = bodyTutorial();
  for (const type of ['application/json', 'application/geo+json', 'application/json; charset=utf-8']) {
    const res = await post(app, '/items/', ITEM_JSON, type);
    assert.deepEqual([res.statusCode, res.json()], [200, { name: 'Foo', description: null, price: 50.5, tax: null }], type);
  }
});

// FastAPI tests/test_tutorial/test_body/test_tutorial001.py::test_wrong_headers: text/plain,
// application/geo+json-seq and application/not-really-json → 422
// {"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"{\"name\": \"Foo\", \"price\": 50.5}"}]}
test('body tutorial001: text/plain, application/geo+json-seq and application/not-really-json get model_attributes_type quoting the text', async () => {
  const app = bodyTutorial();
  for (const type of ['text/plain', 'application/geo+json-seq', 'application/not-really-json', 'text/xml; charset=utf-8']) {
    const res = await post(app, '/items/', ITEM_JSON, type);
    assert.deepEqual([res.statusCode, res.json()], [422, modelAttributesType(ITEM_JSON)], type);
  }
});

// FastAPI tests/test_tutorial/test_body/test_tutorial001.py::test_post_form_for_json: a form to a JSON route → 422
// {"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"name=Foo&price=50.5"}]}
test('body tutorial001: a urlencoded form to a JSON route is model_attributes_type quoting the form text', async () => {
  const res = await post(bodyTutorial(), '/items/', 'name=Foo&price=50.5', FORM);
  assert.deepEqual([res.statusCode, res.json()], [422, modelAttributesType('name=Foo&price=50.5')]);
});

// FastAPI 0.132 "strict_content_type" (docs: advanced/strict-content-type; fastapi/routing.py: with no
// Content-Type the body is parsed as JSON only when strict_content_type=False):
// tests/test_tutorial/test_body/test_tutorial001.py::test_no_content_type_json → 422. The bytes reach
// Pydantic, so the entry is model_attributes_type quoting them. (FastAPI before 0.132 answered 200.)
test('body tutorial001: a JSON body without Content-Type is not read as JSON: 422 model_attributes_type', async () => {
  const app = bodyTutorial();
  const res = await post(app, '/items/', ITEM_JSON);
  assert.deepEqual([res.statusCode, res.json()], [422, modelAttributesType(ITEM_JSON)]);
  const emptyHeader = await post(app, '/items/', ITEM_JSON, '');
  assert.deepEqual([emptyHeader.statusCode, emptyHeader.json()], [422, modelAttributesType(ITEM_JSON)]);
});

// FastAPI fastapi/routing.py: an empty body is no body (`if body_bytes:`), whatever its type; the
// required Item is then missing: {"type":"missing","loc":["body"],"msg":"Field required","input":null}.
test('body tutorial001: an empty body is missing whatever its Content-Type', async () => {
  const app = bodyTutorial();
  for (const type of [undefined, 'text/plain', FORM, 'application/json']) {
    const res = await post(app, '/items/', '', type);
    assert.deepEqual([res.statusCode, res.json()], [422, { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] }], String(type));
  }
});

// Pydantic v2: a list validated against bytes → {"type":"list_type","msg":"Input should be a valid list"}
// (pydantic-core's list validator takes no str or bytes); FastAPI passes the undecoded bytes to it.
test('a JSON route whose body is a list answers list_type to a text body', async () => {
  const app = new App({ logger: false });
  app.post('/ids', { body: t.Array(t.Integer()) }, async ({ body }) => body);
  const res = await post(app, '/ids', '[1, 2]', 'text/plain');
  assert.deepEqual([res.statusCode, res.json()], [422, { detail: [{ type: 'list_type', loc: ['body'], msg: 'Input should be a valid list', input: '[1, 2]' }] }]);
});

// The quote is bounded by the App's validation limits (src/schema/validation-limits.ts, 256 characters by
// default; docs/errors.md): FastAPI quotes the whole body.
test('the quoted text of a body that was not read is cut to the validation limit', async () => {
  const app = new App({ logger: false, validation: { maxInputLength: 20 } });
  app.post('/items/', { body: t.Object({ name: t.String() }) }, async ({ body }) => body);
  const res = await post(app, '/items/', 'x'.repeat(100_000), 'text/plain');
  assert.equal(res.statusCode, 422);
  const [issue] = res.json().detail;
  assert.equal(issue.type, 'model_attributes_type');
  assert.match(issue.input, /^x{20}…\(99980 more characters\)$/);
});

/** docs_src/request_files/tutorial001_an_py39.py: `create_file(file: bytes = File())`. */
function filesTutorial(): App {
  const app = new App({ logger: false });
  app.post('/files/', { consumes: ['multipart/form-data'], body: t.Object({ file: upload() }) }, async ({ body }) => ({ file_size: body.file.size }));
  return app;
}

// FastAPI tests/test_tutorial/test_request_files/test_tutorial001.py::test_post_form_no_body → 422
// {"detail":[{"type":"missing","loc":["body","file"],"msg":"Field required","input":null}]}
test('request_files tutorial001: no body at all → missing file', async () => {
  const res = await post(filesTutorial(), '/files/');
  assert.deepEqual([res.statusCode, res.json()], [422, missing('file')]);
});

// FastAPI tests/test_tutorial/test_request_files/test_tutorial001.py::test_post_body_json: json={"file": "Foo"}
// → the same 422 missing at ["body","file"]: request.form() of a JSON body is an empty form.
test('request_files tutorial001: a JSON body → missing file (the JSON is not read)', async () => {
  const res = await post(filesTutorial(), '/files/', '{"file": "Foo"}', 'application/json');
  assert.deepEqual([res.statusCode, res.json()], [422, missing('file')]);
});

// FastAPI tests/test_tutorial/test_request_files/test_tutorial001_02.py::test_post_form_no_body:
// `file: bytes | None = File(default=None)` → 200 {"message": "No file sent"}.
test('request_files tutorial001_02: no body to an optional file → 200', async () => {
  const app = new App({ logger: false });
  app.post('/files/', { consumes: ['multipart/form-data'], body: t.Object({ file: t.Optional(upload()) }) }, async ({ body }) =>
    body.file === undefined ? { message: 'No file sent' } : { file_size: body.file.size },
  );
  for (const [payload, type] of [[undefined, undefined], ['{"x":1}', 'application/json'], ['', FORM]] as const) {
    const res = await post(app, '/files/', payload, type);
    assert.deepEqual([res.statusCode, res.json()], [200, { message: 'No file sent' }], String(type));
  }
});

/** docs_src/request_forms_and_files/tutorial001_an_py39.py: `file: bytes = File(), fileb: UploadFile = File(), token: str = Form()`. */
function formsAndFilesTutorial(): App {
  const app = new App({ logger: false });
  app.post('/files/', { consumes: ['multipart/form-data'], body: t.Object({ file: upload(), fileb: upload(), token: t.String() }) }, async ({ body }) => ({
    file_size: body.file.size,
    token: body.token,
    fileb_content_type: body.fileb.contentType,
  }));
  return app;
}

// FastAPI tests/test_tutorial/test_request_forms_and_files/test_tutorial001_an_py39.py::test_post_form_no_body and
// ::test_post_body_json (json={"file": "Foo", "token": "Bar"}) → 422 missing file, fileb, token (input null).
test('request_forms_and_files tutorial001: no body, or a JSON body → missing file, fileb and token', async () => {
  const app = formsAndFilesTutorial();
  const none = await post(app, '/files/');
  assert.deepEqual([none.statusCode, none.json()], [422, missing('file', 'fileb', 'token')]);
  const json = await post(app, '/files/', '{"file": "Foo", "token": "Bar"}', 'application/json');
  assert.deepEqual([json.statusCode, json.json()], [422, missing('file', 'fileb', 'token')]);
});

// FastAPI tests/test_tutorial/test_request_forms_and_files/test_tutorial001_an_py39.py::test_post_form_no_file:
// data={"token": "foo"} (urlencoded) → 422 missing file and fileb: a File()/Form() route reads urlencoded forms too.
test('request_forms_and_files tutorial001: a urlencoded form to the multipart route → its text fields count, its files are missing', async () => {
  const app = formsAndFilesTutorial();
  const res = await post(app, '/files/', 'token=foo', FORM);
  assert.deepEqual([res.statusCode, res.json()], [422, missing('file', 'fileb')]);
  // Text where a file is expected, as FastAPI says it: value_error "Expected UploadFile, received: <class 'str'>".
  // A file field named as an Object method is not found on the form's prototype.
  const proto = new App({ logger: false });
  proto.post('/f', { consumes: ['multipart/form-data'], body: t.Object({ constructor: upload() }) }, async () => 'reached');
  const protoRes = await post(proto, '/f', 'a=1', FORM);
  assert.deepEqual([protoRes.statusCode, protoRes.json()], [422, missing('constructor')]);
  const text = await post(app, '/files/', 'token=foo&file=abc', FORM);
  assert.deepEqual(text.json().detail[0], {
    type: 'value_error',
    loc: ['body', 'file'],
    msg: "Value error, Expected UploadFile, received: <class 'str'>",
    input: 'abc',
    ctx: { error: {} },
  });
});

// FastAPI tests/test_tutorial/test_request_forms/test_tutorial001.py::test_post_body_json: json={"username": "Foo",
// "password": "secret"} to `login(username: str = Form(), password: str = Form())` → 422 missing username and password.
test('request_forms tutorial001: a JSON body to a form route → each field missing, input null', async () => {
  const app = new App({ logger: false });
  app.post('/login/', { consumes: [FORM], body: t.Object({ username: t.String(), password: t.String() }) }, async ({ body }) => ({ username: body.username }));
  for (const [payload, type] of [['{"username": "Foo", "password": "secret"}', 'application/json'], ['username=Foo', 'text/plain'], [undefined, undefined]] as const) {
    const res = await post(app, '/login/', payload, type);
    assert.deepEqual([res.statusCode, res.json()], [422, missing('username', 'password')], String(type));
  }
});

// FastAPI answers no 415 anywhere in get_request_handler (a body it cannot parse as JSON is 422
// json_invalid, any other failure reading it 400 "There was an error parsing the body").
test('no body type gets 415', async () => {
  const app = bodyTutorial();
  for (const type of ['image/png', 'multipart/form-data; boundary=x', 'application/octet-stream', 'text/html']) {
    const res = await post(app, '/items/', 'abc', type);
    assert.equal(res.statusCode, 422, type);
  }
});

// Security (docs/security.md "CSRF", issue 16): a route that does not list a form or text type in `consumes`
// never hands such a body to its handler, whatever its schema. FastAPI would pass a text body to a `str` or
// `Any` body (Pydantic's lax mode takes bytes as a string); loopwise refuses it with `unsupported_content_type`,
// because text a cross-site page can post without a preflight must not become data.
test('security: urlencoded, text/plain, multipart and untyped bodies never reach a JSON route handler, whatever its schema', async () => {
  const app = new App({ logger: false });
  let calls = 0;
  const schemas = {
    object: t.Object({ name: t.Optional(t.String()) }),
    string: t.String(),
    any: t.Any(),
    unknown: t.Unknown(),
    union: t.Union([t.Object({ a: t.Integer() }), t.String()]),
    optional: t.Optional(t.String()),
  };
  for (const [name, schema] of Object.entries(schemas)) {
    app.post(`/${name}`, { body: schema }, async () => {
      calls++;
      return { reached: true };
    });
  }
  const bodies: [string, string | undefined][] = [
    ['name=Ann', FORM],
    ['name=Ann', 'text/plain'],
    ['{"name":"Ann"}', 'text/plain;charset=UTF-8'],
    ['--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nAnn\r\n--x--\r\n', 'multipart/form-data; boundary=x'],
    ['"Ann"', undefined],
  ];
  for (const name of Object.keys(schemas)) {
    for (const [payload, type] of bodies) {
      const res = await post(app, `/${name}`, payload, type);
      assert.equal(res.statusCode, 422, `${name} ${type}`);
      const [issue] = res.json().detail;
      assert.ok(['model_attributes_type', 'union_error', 'unsupported_content_type'].includes(issue.type), `${name} ${type}: ${issue.type}`);
      assert.deepEqual(issue.loc, ['body']);
    }
  }
  assert.equal(calls, 0);
  const string = await post(app, '/string', 'hello', 'text/plain');
  assert.deepEqual(string.json(), {
    detail: [{
      type: 'unsupported_content_type',
      loc: ['body'],
      msg: "Input should be sent as application/json: this route does not read 'text/plain'",
      input: 'hello',
      ctx: { content_type: 'text/plain', expected: 'application/json' },
    }],
  });
  const untyped = await post(app, '/any', '1');
  assert.equal(untyped.json().detail[0].msg, 'Input should be sent as application/json: this route does not read a body without Content-Type');
  // A JSON body is read, as declared.
  const json = await post(app, '/string', '"Ann"', 'application/json');
  assert.deepEqual([json.statusCode, json.json()], [200, { reached: true }]);
});

// Security: nothing is decoded for a type the route does not consume. Each body below would be refused
// 400 (or json_invalid) had it been parsed: a __proto__ key in a form or JSON, a JSON nesting past the
// depth limit, malformed JSON, bytes that are not UTF-8, a multipart body with a __proto__ field.
test('security: no body is JSON-parsed or form-parsed for a type the route does not consume', async () => {
  const app = new App({ logger: false });
  let calls = 0;
  app.post('/json', { body: t.Object({ name: t.String() }) }, async () => ++calls);
  app.post('/form', { consumes: [FORM], body: t.Object({ name: t.Optional(t.String()) }) }, async ({ body }) => {
    calls++;
    return body;
  });
  const toJson: [string | Buffer, string][] = [
    ['__proto__[x]=1&name=a', FORM],
    ['{"__proto__": {"polluted": 1}}', 'text/plain'],
    ['--x\r\nContent-Disposition: form-data; name="__proto__"\r\n\r\n1\r\n--x--\r\n', 'multipart/form-data; boundary=x'],
    ['%zz', FORM],
  ];
  for (const [payload, type] of toJson) {
    const res = await app.inject({ method: 'POST', url: '/json', headers: { 'content-type': type }, body: payload });
    assert.equal(res.statusCode, 422, type);
    assert.equal(res.json().detail[0].type, 'model_attributes_type', type);
  }
  // The form route reads none of these: an empty form, whose one field is optional, so the handler gets {}.
  const toForm: string[] = ['{"__proto__": {"polluted": 1}}', '{"name": ', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, '{"name": "Ann"}'];
  for (const payload of toForm) {
    const res = await post(app, '/form', payload, 'application/json');
    assert.deepEqual([res.statusCode, res.json()], [200, {}], payload.slice(0, 20));
  }
  const notUtf8 = await app.inject({ method: 'POST', url: '/form', headers: { 'content-type': 'text/plain' }, body: Buffer.from([0xff, 0xfe]) });
  assert.deepEqual([notUtf8.statusCode, notUtf8.json()], [200, {}]);
  assert.equal(calls, toForm.length + 1);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
