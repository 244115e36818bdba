// Issue 21, cause 9: form fields' `input`, and fields declared nullable with a null default. FastAPI
// checks form fields one by one, so a missing one quotes `input: null`; `q: str | None = None` is None
// when absent. loopwise spells FastAPI's `str | None = None` as
// `t.Union([t.String(), t.Null()], { default: null })` (a union with t.Null() is FastAPI's `| None`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t } from '../../src/index.js';

const FORM = 'application/x-www-form-urlencoded';

/** docs_src/request_forms/tutorial001_an_py39.py: `login(username: str = Form(), password: str = Form())`. */
function loginApp(): App {
  const app = new App({ logger: false });
  app.post('/login/', { consumes: [FORM], body: t.Object({ username: t.String(), password: t.String() }) }, async ({ body }) => ({ username: body.username }));
  return app;
}

function postForm(app: App, url: string, body: string, type = FORM) {
  return app.inject({ method: 'POST', url, headers: { 'content-type': type }, body });
}

// FastAPI tests/test_tutorial/test_request_forms/test_tutorial001_an_py39.py::test_post_body_form_no_password → 422
// {"detail":[{"type":"missing","loc":["body","password"],"msg":"Field required","input":null}]}
test('request_forms tutorial001: a missing password quotes input null, not the form', async () => {
  const res = await postForm(loginApp(), '/login/', 'username=Foo');
  assert.deepEqual([res.statusCode, res.json()], [422, { detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null }] }]);
});

// FastAPI tests/test_tutorial/test_request_forms/test_tutorial001_an_py39.py::test_post_body_form_no_username → 422
// {"detail":[{"type":"missing","loc":["body","username"],"msg":"Field required","input":null}]}
test('request_forms tutorial001: a missing username quotes input null', async () => {
  const res = await postForm(loginApp(), '/login/', 'password=secret');
  assert.deepEqual([res.statusCode, res.json()], [422, { detail: [{ type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: null }] }]);
});

// FastAPI tests/test_tutorial/test_request_forms/test_tutorial001_an_py39.py::test_post_body_form_no_data and
// ::test_post_body_form (data={"username": "Foo", "password": "secret"} → 200 {"username": "Foo"}).
test('request_forms tutorial001: an empty form → both missing (input null); a full one → 200', async () => {
  const app = loginApp();
  const empty = await postForm(app, '/login/', '');
  assert.deepEqual([empty.statusCode, empty.json()], [422, {
    detail: [
      { type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null },
    ],
  }]);
  const full = await postForm(app, '/login/', 'username=Foo&password=secret');
  assert.deepEqual([full.statusCode, full.json()], [200, { username: 'Foo' }]);
});

// The same for a multipart form (FastAPI reads both encodings alike).
test('a multipart form: a missing field quotes input null', async () => {
  const app = new App({ logger: false });
  app.post('/login/', { consumes: ['multipart/form-data'], body: t.Object({ username: t.String(), password: t.String() }) }, async ({ body }) => ({ username: body.username }));
  const parts = '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nFoo\r\n--x--\r\n';
  const res = await postForm(app, '/login/', parts, 'multipart/form-data; boundary=x');
  assert.deepEqual([res.statusCode, res.json()], [422, { detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null }] }]);
});

// FastAPI docs_src/query_params/tutorial002_py310.py, `read_item(item_id: str, q: str | None = None)`, which
// answers {"item_id", "q"} when q is truthy: tests/test_tutorial/test_query_params/test_tutorial002.py::
// test_read_user_item, "/items/foo" → {"item_id": "foo"}, "/items/bar?q=somequery" → {"item_id": "bar", "q": "somequery"}.
// q is None when absent; Pydantic keeps None for `int | None = None` and `bool | None = None` too (a default is not
// validated), so the handler's values below are null, not "", 0 or false.
test('query: nullable fields with a null default are null when absent, not "", 0 or false', async () => {
  const app = new App({ logger: false });
  app.get('/items/:item_id', {
    params: t.Object({ item_id: t.String() }),
    query: t.Object({
      q: t.Union([t.String(), t.Null()], { default: null }),
      limit: t.Optional(t.Union([t.Integer(), t.Null()], { default: null })),
      short: t.Union([t.Boolean(), t.Null()], { default: null }),
    }),
  }, async ({ params, query }) => ({ item_id: params.item_id, ...query }));
  app.get('/tutorial002/items/:item_id', {
    params: t.Object({ item_id: t.String() }),
    query: t.Object({ q: t.Union([t.String(), t.Null()], { default: null }) }),
  }, async ({ params, query }) => (query.q ? { item_id: params.item_id, q: query.q } : { item_id: params.item_id }));
  assert.deepEqual((await app.inject('/tutorial002/items/foo')).json(), { item_id: 'foo' });
  assert.deepEqual((await app.inject('/tutorial002/items/bar?q=somequery')).json(), { item_id: 'bar', q: 'somequery' });

  const absent = await app.inject('/items/foo');
  assert.deepEqual([absent.statusCode, absent.json()], [200, { item_id: 'foo', q: null, limit: null, short: null }]);
  // Sent, they are read as their non-null type (Pydantic's words for a boolean: "on" is true).
  const sent = await app.inject('/items/foo?q=bar&limit=3&short=on');
  assert.deepEqual([sent.statusCode, sent.json()], [200, { item_id: 'foo', q: 'bar', limit: 3, short: true }]);
  // An empty q is the empty string, as in FastAPI (a query value "" is a str).
  const empty = await app.inject('/items/foo?q=');
  assert.deepEqual(empty.json().q, '');
});

// FastAPI: `Form()` fields `str | None = None` / `float | None = None` are None when absent (fastapi/dependencies/
// utils.py, _get_multidict_value returns the field's default), in urlencoded and multipart forms alike.
test('forms: nullable fields with a null default are null when absent', async () => {
  const app = new App({ logger: false });
  const body = t.Object({
    username: t.String(),
    nickname: t.Union([t.String(), t.Null()], { default: null }),
    age: t.Union([t.Number(), t.Null()], { default: null }),
  });
  app.post('/urlencoded', { consumes: [FORM], body }, async ({ body }) => body);
  app.post('/multipart', { consumes: ['multipart/form-data'], body }, async ({ body }) => body);
  const urlencoded = await postForm(app, '/urlencoded', 'username=Foo');
  assert.deepEqual([urlencoded.statusCode, urlencoded.json()], [200, { username: 'Foo', nickname: null, age: null }]);
  const parts = '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nFoo\r\n--x--\r\n';
  const multipart = await postForm(app, '/multipart', parts, 'multipart/form-data; boundary=x');
  assert.deepEqual([multipart.statusCode, multipart.json()], [200, { username: 'Foo', nickname: null, age: null }]);
  const sent = await postForm(app, '/urlencoded', 'username=Foo&nickname=F&age=36.5');
  assert.deepEqual(sent.json(), { username: 'Foo', nickname: 'F', age: 36.5 });
});
