// FastAPI's tutorial, replayed. Each describe ports one docs_src/<chapter>/tutorialNNN*.py app to
// loopwise the way a new user would (README.md and docs/*.md only, chiefly docs/coming-from-fastapi.md),
// and each test sends the requests of one FastAPI test (tests/test_tutorial/test_<chapter>/...)
// through app.inject(), comparing the status and the whole JSON body FastAPI's test asserts (current
// FastAPI with Pydantic v2: where a test file still lists Pydantic v1 answers, the v2 one is used).
// OpenAPI-document assertions (test_openapi_schema) are skipped, and counted apart.
//
// Summary: 36 tutorial apps ported (32 describes; four of them hold two apps), 127 expected answers
// checked, 126 match; 1 differs on purpose (todo: 008c's plain-text 500, listed in
// coming-from-fastapi.md). When first replayed, 5 more failed and were fixed: malformed JSON now
// quotes Python's json message in ctx.error (body/tutorial001 test_post_broken_body), and a second
// App's own schema with the $id 'Item' gets ajv instances of its own (body_multiple_params/tutorial001).
// Skipped: the test_openapi_schema test of each replayed FastAPI test file (not counted above).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  App, HTTPException, RequestValidationError, Router, cors, dependency, json, oauth2PasswordBearer, oauth2PasswordForm, t, upload,
  type InjectOptions, type Static,
} from '../../src/index.js';

const apps: App[] = [];
after(() => Promise.all(apps.map((a) => a.close())));
function newApp(): App {
  const app = new App({ logger: false });
  apps.push(app);
  return app;
}

/** One request, its expected status and JSON body (as FastAPI's test asserts them). */
async function replay(app: App, request: InjectOptions, status: number, body: unknown): Promise<void> {
  await replayWithHeaders(app, request, status, body);
}

/** replay(), giving back the response's headers for the tests that check one. */
async function replayWithHeaders(app: App, request: InjectOptions, status: number, body: unknown): Promise<Record<string, unknown>> {
  let res = await app.inject(request);
  // TestClient follows redirects (FastAPI's tests call /items for a route at /items/): so do we, once.
  if (res.statusCode === 307 && typeof res.headers.location === 'string') res = await app.inject({ ...request, url: res.headers.location });
  assert.deepEqual({ status: res.statusCode, body: res.json() }, { status, body });
  return res.headers as Record<string, unknown>;
}

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

function multipart(parts: { name: string; filename?: string; content: string }[]) {
  const boundary = 'replayboundary';
  const text = parts.map((p) => `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`
    + `${p.filename ? 'Content-Type: text/plain\r\n' : ''}\r\n${p.content}\r\n`).join('') + `--${boundary}--\r\n`;
  return { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: text };
}

// ---------------------------------------------------------------------------------------------- path_params

describe('docs_src/path_params/tutorial002 (item_id: int)', () => {
  const app = newApp();
  app.get('/items/:item_id', { params: t.Object({ item_id: t.Integer() }) }, ({ params }) => ({ item_id: params.item_id }));

  // tests/test_tutorial/test_path_params/test_tutorial002? (test_path_params.py: /path/int/...): 42 → {"item_id":42}
  test('GET /items/42 → 200 {"item_id":42}', () => replay(app, { url: '/items/42' }, 200, { item_id: 42 }));
  // FastAPI docs path-params "Data validation": /items/foo → int_parsing
  test('GET /items/foo → 422 int_parsing', () => replay(app, { url: '/items/foo' }, 422, {
    detail: [{ type: 'int_parsing', loc: ['path', 'item_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'foo' }],
  }));
  test('GET /items/4.2 → 422 int_parsing', () => replay(app, { url: '/items/4.2' }, 422, {
    detail: [{ type: 'int_parsing', loc: ['path', 'item_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: '4.2' }],
  }));
});

describe('docs_src/path_params/tutorial004 ({file_path:path})', () => {
  const app = newApp();
  app.get('/files/*file_path', ({ params }) => ({ file_path: params.file_path }));

  // test_path_params/test_tutorial004.py test_file_path: {"file_path":"home/johndoe/myfile.txt"}
  test('test_file_path', () => replay(app, { url: '/files/home/johndoe/myfile.txt' }, 200, { file_path: 'home/johndoe/myfile.txt' }));
  // test_root_file_path: /files//home/johndoe/myfile.txt → {"file_path":"/home/johndoe/myfile.txt"}
  test('test_root_file_path', () => replay(app, { url: '/files//home/johndoe/myfile.txt' }, 200, { file_path: '/home/johndoe/myfile.txt' }));
});

describe('docs_src/path_params/tutorial005 (ModelName enum)', () => {
  enum ModelName { alexnet = 'alexnet', resnet = 'resnet', lenet = 'lenet' }
  const app = newApp();
  app.get('/models/:model_name', { params: t.Object({ model_name: t.Enum(ModelName, { $id: 'ModelName', title: 'ModelName' }) }) }, ({ params }) => {
    if (params.model_name === ModelName.alexnet) return { model_name: params.model_name, message: 'Deep Learning FTW!' };
    if (params.model_name === 'lenet') return { model_name: params.model_name, message: 'LeCNN all the images' };
    return { model_name: params.model_name, message: 'Have some residuals' };
  });

  // test_path_params/test_tutorial005.py test_get_enums_alexnet / lenet / resnet
  test('test_get_enums_alexnet', () => replay(app, { url: '/models/alexnet' }, 200, { model_name: 'alexnet', message: 'Deep Learning FTW!' }));
  test('test_get_enums_lenet', () => replay(app, { url: '/models/lenet' }, 200, { model_name: 'lenet', message: 'LeCNN all the images' }));
  test('test_get_enums_resnet', () => replay(app, { url: '/models/resnet' }, 200, { model_name: 'resnet', message: 'Have some residuals' }));
  // test_get_enums_invalid: {"type":"enum","loc":["path","model_name"],"msg":"Input should be 'alexnet', 'resnet' or 'lenet'","input":"foo","ctx":{"expected":"'alexnet', 'resnet' or 'lenet'"}}
  test('test_get_enums_invalid', () => replay(app, { url: '/models/foo' }, 422, {
    detail: [{ type: 'enum', loc: ['path', 'model_name'], msg: "Input should be 'alexnet', 'resnet' or 'lenet'", input: 'foo', ctx: { expected: "'alexnet', 'resnet' or 'lenet'" } }],
  }));
});

// ---------------------------------------------------------------------------------------------- query_params

describe('docs_src/query_params/tutorial005 (required needy: str)', () => {
  const app = newApp();
  app.get('/items/:item_id', { query: t.Object({ needy: t.String() }) }, ({ params, query }) => ({ item_id: params.item_id, needy: query.needy }));

  // test_query_params/test_tutorial005.py test_foo_needy_very: {"item_id":"foo","needy":"very"}
  test('test_foo_needy_very', () => replay(app, { url: '/items/foo?needy=very' }, 200, { item_id: 'foo', needy: 'very' }));
  // test_foo_no_needy: missing, loc ["query","needy"], input null
  test('test_foo_no_needy', () => replay(app, { url: '/items/foo' }, 422, {
    detail: [{ type: 'missing', loc: ['query', 'needy'], msg: 'Field required', input: null }],
  }));
});

describe('docs_src/query_params/tutorial006 (needy, skip = 0, limit: int | None = None)', () => {
  const app = newApp();
  app.get('/items/:item_id', {
    query: t.Object({ needy: t.String(), skip: t.Integer({ default: 0 }), limit: t.Union([t.Integer(), t.Null()], { default: null }) }),
  }, ({ params, query }) => ({ item_id: params.item_id, needy: query.needy, skip: query.skip, limit: query.limit }));

  // test_query_params/test_tutorial006.py test_foo_needy_very: {"item_id":"foo","needy":"very","skip":0,"limit":null}
  test('test_foo_needy_very', () => replay(app, { url: '/items/foo?needy=very' }, 200, { item_id: 'foo', needy: 'very', skip: 0, limit: null }));
  // test_foo_no_needy (/items/foo?skip=a&limit=b): needy missing, skip and limit int_parsing
  test('test_foo_no_needy', () => replay(app, { url: '/items/foo?skip=a&limit=b' }, 422, {
    detail: [
      { type: 'missing', loc: ['query', 'needy'], msg: 'Field required', input: null },
      { type: 'int_parsing', loc: ['query', 'skip'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'a' },
      { type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'b' },
    ],
  }));
});

describe('docs_src/query_params_str_validations/tutorial010 (alias item-query, pattern)', () => {
  const app = newApp();
  app.get('/items/', {
    query: t.Object({ 'item-query': t.Optional(t.String({ minLength: 3, maxLength: 50, pattern: '^fixedquery$', deprecated: true })) }),
  }, ({ query }) => {
    const results: Record<string, unknown> = { items: [{ item_id: 'Foo' }, { item_id: 'Bar' }] };
    if (query['item-query'] !== undefined) results.q = query['item-query'];
    return results;
  });

  // test_query_params_str_validations/test_tutorial010.py test_query_params_str_validations_no_query
  test('test_query_params_str_validations_no_query', () => replay(app, { url: '/items/' }, 200, { items: [{ item_id: 'Foo' }, { item_id: 'Bar' }] }));
  test('test_query_params_str_validations_item_query_fixedquery', () =>
    replay(app, { url: '/items/?item-query=fixedquery' }, 200, { items: [{ item_id: 'Foo' }, { item_id: 'Bar' }], q: 'fixedquery' }));
  test('test_query_params_str_validations_q_fixedquery (q is not the alias)', () =>
    replay(app, { url: '/items/?q=fixedquery' }, 200, { items: [{ item_id: 'Foo' }, { item_id: 'Bar' }] }));
  // test_query_params_str_validations_item_query_nonregexquery: string_pattern_mismatch
  test('test_query_params_str_validations_item_query_nonregexquery', () => replay(app, { url: '/items/?item-query=nonregexquery' }, 422, {
    detail: [{ type: 'string_pattern_mismatch', loc: ['query', 'item-query'], msg: "String should match pattern '^fixedquery$'", input: 'nonregexquery', ctx: { pattern: '^fixedquery$' } }],
  }));
});

describe('docs_src/query_params_str_validations/tutorial011 (q: list[str] | None)', () => {
  const app = newApp();
  app.get('/items/', { query: t.Object({ q: t.Union([t.Array(t.String()), t.Null()], { default: null }) }) }, ({ query }) => ({ q: query.q }));

  // test_query_params_str_validations/test_tutorial011.py test_multi_query_values: {"q":["foo","bar"]}
  test('test_multi_query_values', () => replay(app, { url: '/items/?q=foo&q=bar' }, 200, { q: ['foo', 'bar'] }));
  // test_query_no_values: {"q":null}
  test('test_query_no_values', () => replay(app, { url: '/items/' }, 200, { q: null }));
});

// ---------------------------------------------------------------------------------------------- body

const Item = t.Object({
  name: t.String(),
  description: t.Union([t.String(), t.Null()], { default: null }),
  price: t.Number(),
  tax: t.Union([t.Number(), t.Null()], { default: null }),
}, { $id: 'Item', title: 'Item' });

describe('docs_src/body/tutorial001 (item: Item)', () => {
  const app = newApp();
  app.post('/items/', { body: Item }, ({ body }) => body);

  // test_body/test_tutorial001.py test_body_float: {"name":"Foo","price":50.5,"description":null,"tax":null}
  test('test_body_float', () => replay(app, { method: 'POST', url: '/items/', body: { name: 'Foo', price: 50.5 } }, 200,
    { name: 'Foo', price: 50.5, description: null, tax: null }));
  test('test_post_with_str_float', () => replay(app, { method: 'POST', url: '/items/', body: { name: 'Foo', price: '50.5' } }, 200,
    { name: 'Foo', price: 50.5, description: null, tax: null }));
  test('test_post_with_only_name: price missing, input the body', () => replay(app, { method: 'POST', url: '/items/', body: { name: 'Foo' } }, 422, {
    detail: [{ type: 'missing', loc: ['body', 'price'], msg: 'Field required', input: { name: 'Foo' } }],
  }));
  test('test_post_with_only_name_price: float_parsing', () => replay(app, { method: 'POST', url: '/items/', body: { name: 'Foo', price: 'twenty' } }, 422, {
    detail: [{ type: 'float_parsing', loc: ['body', 'price'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'twenty' }],
  }));
  test('test_post_with_no_data: {} → name and price missing', () => replay(app, { method: 'POST', url: '/items/', body: {} }, 422, {
    detail: [
      { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: {} },
      { type: 'missing', loc: ['body', 'price'], msg: 'Field required', input: {} },
    ],
  }));
  test('test_post_with_none: no body → missing at ["body"]', () => replay(app, { method: 'POST', url: '/items/', headers: { 'content-type': 'application/json' } }, 422, {
    detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
  }));
  test('test_post_broken_body: json_invalid', () => replay(app, { method: 'POST', url: '/items/', headers: { 'content-type': 'application/json' }, body: '{some broken json}' }, 422, {
    detail: [{ type: 'json_invalid', loc: ['body', 1], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting property name enclosed in double quotes' } }],
  }));
  test('test_post_form_for_json: model_attributes_type', () => replay(app, { method: 'POST', url: '/items/', ...form({ name: 'Foo', price: '50.5' }) }, 422, {
    detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: 'name=Foo&price=50.5' }],
  }));
});

describe('docs_src/body_multiple_params/tutorial001 (item: Item | None = None, Path(ge=0, le=1000))', () => {
  // The tutorial file's own Item, named as coming-from-fastapi.md shows ($id), as every tutorial file defines its own.
  const Item = t.Object({
    name: t.String(), description: t.Union([t.String(), t.Null()], { default: null }),
    price: t.Number(), tax: t.Union([t.Number(), t.Null()], { default: null }),
  }, { $id: 'Item', title: 'Item' });
  const app = newApp();
  app.put('/items/:item_id', {
    params: t.Object({ item_id: t.Integer({ minimum: 0, maximum: 1000 }) }),
    query: t.Object({ q: t.Optional(t.String()) }),
    body: t.Optional(Item),
  }, ({ params, query, body }) => {
    const results: Record<string, unknown> = { item_id: params.item_id };
    if (query.q) results.q = query.q;
    if (body) results.item = body;
    return results;
  });

  // test_body_multiple_params/test_tutorial001.py test_post_body_q_bar_content
  test('test_post_body_q_bar_content', () => replay(app, { method: 'PUT', url: '/items/5?q=bar', body: { name: 'Foo', price: 50.5 } }, 200,
    { item_id: 5, item: { name: 'Foo', price: 50.5, description: null, tax: null }, q: 'bar' }));
  test('test_post_no_body_q_bar', () => replay(app, { method: 'PUT', url: '/items/5?q=bar' }, 200, { item_id: 5, q: 'bar' }));
  test('test_post_no_body', () => replay(app, { method: 'PUT', url: '/items/5' }, 200, { item_id: 5 }));
  test('test_post_id_foo', () => replay(app, { method: 'PUT', url: '/items/foo', body: null }, 422, {
    detail: [{ type: 'int_parsing', loc: ['path', 'item_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'foo' }],
  }));
  test('item_id 1001 → less_than_equal', () => replay(app, { method: 'PUT', url: '/items/1001' }, 422, {
    detail: [{ type: 'less_than_equal', loc: ['path', 'item_id'], msg: 'Input should be less than or equal to 1000', input: '1001', ctx: { le: 1000 } }],
  }));
});

describe('docs_src/body_multiple_params/tutorial003 (item, user, importance: int = Body())', () => {
  const User = t.Object({ username: t.String(), full_name: t.Union([t.String(), t.Null()], { default: null }) }, { $id: 'User', title: 'User' });
  const app = newApp();
  app.put('/items/:item_id', { params: t.Object({ item_id: t.Integer() }), body: { item: Item, user: User, importance: t.Integer() } },
    ({ params, body }) => ({ item_id: params.item_id, item: body.item, user: body.user, importance: body.importance }));

  // test_body_multiple_params/test_tutorial003.py test_post_body_valid
  test('test_post_body_valid', () => replay(app, {
    method: 'PUT', url: '/items/5', body: { importance: 2, item: { name: 'Foo', price: 50.5 }, user: { username: 'Dave' } },
  }, 200, { item_id: 5, importance: 2, item: { name: 'Foo', price: 50.5, description: null, tax: null }, user: { username: 'Dave', full_name: null } }));
  // test_post_body_no_data ({}): item, user, importance missing, input null each
  test('test_post_body_no_data', () => replay(app, { method: 'PUT', url: '/items/5', body: {} }, 422, {
    detail: [
      { type: 'missing', loc: ['body', 'item'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'user'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'importance'], msg: 'Field required', input: null },
    ],
  }));
  test('test_post_body_empty_list: [] → the same three missing', () => replay(app, { method: 'PUT', url: '/items/5', body: [] }, 422, {
    detail: [
      { type: 'missing', loc: ['body', 'item'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'user'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['body', 'importance'], msg: 'Field required', input: null },
    ],
  }));
});

describe('docs_src/body_nested_models/tutorial009 (dict[int, float])', () => {
  const app = newApp();
  app.post('/index-weights/', { body: t.Record(t.Integer(), t.Number()) }, ({ body }) => body);

  // test_body_nested_models/test_tutorial009.py test_post_body
  test('test_post_body', () => replay(app, { method: 'POST', url: '/index-weights/', body: { 2: 2.2, 3: 3.3 } }, 200, { 2: 2.2, 3: 3.3 }));
  // test_post_invalid_body: loc ["body","foo","[key]"], int_parsing
  test('test_post_invalid_body', () => replay(app, { method: 'POST', url: '/index-weights/', body: { foo: 2.2, 3: 3.3 } }, 422, {
    detail: [{ type: 'int_parsing', loc: ['body', 'foo', '[key]'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'foo' }],
  }));
});

describe('docs_src/body_fields/tutorial001 (Field(gt=0), Body(embed=True))', () => {
  const FieldItem = t.Object({
    name: t.String(),
    description: t.Union([t.String({ maxLength: 300 }), t.Null()], { default: null }),
    price: t.Number({ exclusiveMinimum: 0 }),
    tax: t.Union([t.Number(), t.Null()], { default: null }),
  });
  const app = newApp();
  app.put('/items/:item_id', { params: t.Object({ item_id: t.Integer() }), body: { item: FieldItem } }, ({ params, body }) => ({ item_id: params.item_id, item: body.item }));

  // test_body_fields/test_tutorial001.py test_items_5 / test_items_6 / test_invalid_price (Pydantic v2 answer)
  test('test_items_5', () => replay(app, { method: 'PUT', url: '/items/5', body: { item: { name: 'Foo', price: 3.0 } } }, 200,
    { item_id: 5, item: { name: 'Foo', price: 3.0, description: null, tax: null } }));
  test('test_items_6 (tax "5.4" → 5.4)', () => replay(app, { method: 'PUT', url: '/items/6', body: { item: { name: 'Bar', price: 0.2, description: 'Some bar', tax: '5.4' } } }, 200,
    { item_id: 6, item: { name: 'Bar', price: 0.2, description: 'Some bar', tax: 5.4 } }));
  test('test_invalid_price: greater_than', () => replay(app, { method: 'PUT', url: '/items/5', body: { item: { name: 'Foo', price: -3.0 } } }, 422, {
    detail: [{ type: 'greater_than', loc: ['body', 'item', 'price'], msg: 'Input should be greater than 0', input: -3.0, ctx: { gt: 0 } }],
  }));
});

// ---------------------------------------------------------------------------------------------- headers, cookies

describe('docs_src/header_params/tutorial001 (user_agent: Header())', () => {
  const app = newApp();
  app.get('/items', { headers: t.Object({ 'user-agent': t.Union([t.String(), t.Null()], { default: null }) }) }, ({ headers }) => ({ 'User-Agent': headers['user-agent'] }));

  // test_header_params/test_tutorial001.py: TestClient's own agent is "testclient"; we send it
  test('/items with User-Agent testclient', () => replay(app, { url: '/items', headers: { 'user-agent': 'testclient' } }, 200, { 'User-Agent': 'testclient' }));
  test('/items with User-Agent FastAPI test', () => replay(app, { url: '/items', headers: { 'User-Agent': 'FastAPI test' } }, 200, { 'User-Agent': 'FastAPI test' }));
});

describe('docs_src/header_params/tutorial002 (convert_underscores=False)', () => {
  const app = newApp();
  app.get('/items/', { headers: t.Object({ strange_header: t.Union([t.String(), t.Null()], { default: null }) }) }, ({ headers }) => ({ strange_header: headers.strange_header }));

  // test_header_params/test_tutorial002.py
  test('no header → null', () => replay(app, { url: '/items/' }, 200, { strange_header: null }));
  test('strange_header: FastAPI test', () => replay(app, { url: '/items/', headers: { strange_header: 'FastAPI test' } }, 200, { strange_header: 'FastAPI test' }));
  test('strange-header (with a dash) is not it → null', () => replay(app, { url: '/items/', headers: { 'strange-header': 'Not really underscore' } }, 200, { strange_header: null }));
});

describe('docs_src/cookie_params/tutorial001 (ads_id: Cookie())', () => {
  const app = newApp();
  app.get('/items/', { cookies: t.Object({ ads_id: t.Union([t.String(), t.Null()], { default: null }) }) }, ({ cookies }) => ({ ads_id: cookies.ads_id }));

  // test_cookie_params/test_tutorial001.py test parametrized
  test('no cookie', () => replay(app, { url: '/items' }, 200, { ads_id: null }));
  test('ads_id=ads_track', () => replay(app, { url: '/items', cookies: { ads_id: 'ads_track' } }, 200, { ads_id: 'ads_track' }));
  test('ads_id and session', () => replay(app, { url: '/items', cookies: { ads_id: 'ads_track', session: 'cookiesession' } }, 200, { ads_id: 'ads_track' }));
  test('session only', () => replay(app, { url: '/items', cookies: { session: 'cookiesession' } }, 200, { ads_id: null }));
});

// ---------------------------------------------------------------------------------------------- forms, files

describe('docs_src/request_forms/tutorial001 (username, password: Form())', () => {
  const app = newApp();
  app.post('/login/', { consumes: ['application/x-www-form-urlencoded'], body: t.Object({ username: t.String(), password: t.String() }) },
    ({ body }) => ({ username: body.username }));

  // test_request_forms/test_tutorial001.py
  test('test_post_body_form', () => replay(app, { method: 'POST', url: '/login/', ...form({ username: 'Foo', password: 'secret' }) }, 200, { username: 'Foo' }));
  test('test_post_body_form_no_password', () => replay(app, { method: 'POST', url: '/login/', ...form({ username: 'Foo' }) }, 422, {
    detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null }],
  }));
  test('test_post_body_form_no_username', () => replay(app, { method: 'POST', url: '/login/', ...form({ password: 'secret' }) }, 422, {
    detail: [{ type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: null }],
  }));
  const bothMissing = { detail: [
    { type: 'missing', loc: ['body', 'username'], msg: 'Field required', input: null },
    { type: 'missing', loc: ['body', 'password'], msg: 'Field required', input: null },
  ] };
  test('test_post_body_form_no_data', () => replay(app, { method: 'POST', url: '/login/' }, 422, bothMissing));
  test('test_post_body_json', () => replay(app, { method: 'POST', url: '/login/', body: { username: 'Foo', password: 'secret' } }, 422, bothMissing));
});

describe('docs_src/request_files/tutorial001 (file: bytes = File(), UploadFile)', () => {
  const app = newApp();
  app.post('/files/', { consumes: ['multipart/form-data'], body: t.Object({ file: upload() }) }, async ({ body }) => ({ file_size: (await body.file.bytes()).length }));
  app.post('/uploadfile/', { consumes: ['multipart/form-data'], body: t.Object({ file: upload() }) }, ({ body }) => ({ filename: body.file.filename }));
  const missingFile = { detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }] };

  // test_request_files/test_tutorial001.py
  test('test_post_form_no_body', () => replay(app, { method: 'POST', url: '/files/' }, 422, missingFile));
  test('test_post_body_json', () => replay(app, { method: 'POST', url: '/files/', body: { file: 'Foo' } }, 422, missingFile));
  test('test_post_file', () => replay(app, { method: 'POST', url: '/files/', ...multipart([{ name: 'file', filename: 'test.txt', content: '<file content>' }]) }, 200, { file_size: 14 }));
  test('test_post_upload_file', () => replay(app, { method: 'POST', url: '/uploadfile/', ...multipart([{ name: 'file', filename: 'test.txt', content: '<file content>' }]) }, 200, { filename: 'test.txt' }));
  test('test_post_uploadfile_no_body', () => replay(app, { method: 'POST', url: '/uploadfile/' }, 422, missingFile));
});

// ---------------------------------------------------------------------------------------------- response_model

describe('docs_src/response_model/tutorial003 (UserIn → UserOut)', () => {
  const UserIn = t.Object({ username: t.String(), password: t.String(), email: t.String({ format: 'email' }), full_name: t.Union([t.String(), t.Null()], { default: null }) });
  const UserOut = t.Object({ username: t.String(), email: t.String({ format: 'email' }), full_name: t.Union([t.String(), t.Null()], { default: null }) });
  const app = newApp();
  app.post('/user/', { body: UserIn, response: { 200: UserOut } }, ({ body }) => body);

  // test_response_model/test_tutorial003.py test_post_user: the password never leaves
  test('test_post_user', () => replay(app, { method: 'POST', url: '/user/', body: { username: 'foo', password: 'fighter', email: 'foo@example.com' } }, 200,
    { username: 'foo', email: 'foo@example.com', full_name: null }));
});

describe('docs_src/response_model/tutorial004 (response_model_exclude_unset=True)', () => {
  const RItem = t.Object({
    name: t.String(), description: t.Union([t.String(), t.Null()], { default: null }), price: t.Number(),
    tax: t.Number({ default: 10.5 }), tags: t.Array(t.String(), { default: [] }),
  });
  const items: Record<string, object> = {
    foo: { name: 'Foo', price: 50.2 },
    bar: { name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 },
    baz: { name: 'Baz', description: null, price: 50.2, tax: 10.5, tags: [] },
  };
  const app = newApp();
  // The stored items leave out fields on purpose (that is what exclude_unset is about), hence the cast.
  app.get('/items/:item_id', { response: { 200: RItem }, responseExcludeUnset: true }, ({ params }) => items[params.item_id] as Static<typeof RItem>);

  // test_response_model/test_tutorial004.py test_get parametrized
  test('/items/foo', () => replay(app, { url: '/items/foo' }, 200, { name: 'Foo', price: 50.2 }));
  test('/items/bar', () => replay(app, { url: '/items/bar' }, 200, { name: 'Bar', description: 'The bartenders', price: 62, tax: 20.2 }));
  test('/items/baz', () => replay(app, { url: '/items/baz' }, 200, { name: 'Baz', description: null, price: 50.2, tax: 10.5, tags: [] }));
});

// ---------------------------------------------------------------------------------------------- handling_errors

describe('docs_src/handling_errors/tutorial001 + 002 (HTTPException, with headers)', () => {
  const items: Record<string, string> = { foo: 'The Foo Wrestlers' };
  const app = newApp();
  app.get('/items/:item_id', ({ params }) => {
    if (!(params.item_id in items)) throw new HTTPException(404, 'Item not found');
    return { item: items[params.item_id] };
  });
  app.get('/items-header/:item_id', ({ params }) => {
    if (!(params.item_id in items)) throw new HTTPException(404, 'Item not found', { 'X-Error': 'There goes my error' });
    return { item: items[params.item_id] };
  });

  // test_handling_errors/test_tutorial001.py test_get_item / test_get_item_not_found
  test('tutorial001 test_get_item', () => replay(app, { url: '/items/foo' }, 200, { item: 'The Foo Wrestlers' }));
  test('tutorial001 test_get_item_not_found', () => replay(app, { url: '/items/bar' }, 404, { detail: 'Item not found' }));
  // test_handling_errors/test_tutorial002.py test_get_item_header_not_found: x-error header
  test('tutorial002 test_get_item_header', () => replay(app, { url: '/items-header/foo' }, 200, { item: 'The Foo Wrestlers' }));
  test('tutorial002 test_get_item_not_found_header', async () => {
    const headers = await replayWithHeaders(app, { url: '/items-header/bar' }, 404, { detail: 'Item not found' });
    assert.equal(headers['x-error'], 'There goes my error');
  });
});

describe('docs_src/handling_errors/tutorial003 (a custom exception handler)', () => {
  class UnicornException extends Error { constructor(readonly unicorn: string) { super(unicorn); } }
  const app = newApp();
  app.exceptionHandler(UnicornException, (error) => json({ message: `Oops! ${error.unicorn} did something. There goes a rainbow...` }, { status: 418 }));
  app.get('/unicorns/:name', ({ params }) => {
    if (params.name === 'yolo') throw new UnicornException(params.name);
    return { unicorn_name: params.name };
  });

  // test_handling_errors/test_tutorial003.py
  test('test_get', () => replay(app, { url: '/unicorns/shinobi' }, 200, { unicorn_name: 'shinobi' }));
  test('test_get_exception', () => replay(app, { url: '/unicorns/yolo' }, 418, { message: 'Oops! yolo did something. There goes a rainbow...' }));
});

describe('docs_src/handling_errors/tutorial005 (RequestValidationError handler with the body)', () => {
  const app = newApp();
  app.exceptionHandler(RequestValidationError, (error, context) => json({ detail: error.errors, body: JSON.stringify(context.body) }, { status: 422 }));
  app.post('/items/', { body: t.Object({ title: t.String(), size: t.Integer() }) }, ({ body }) => body);

  // test_handling_errors/test_tutorial005.py test_post_validation_error: body is the request's text
  test('test_post_validation_error', () => replay(app, { method: 'POST', url: '/items/', body: { title: 'towel', size: 'XL' } }, 422, {
    detail: [{ type: 'int_parsing', loc: ['body', 'size'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'XL' }],
    body: '{"title":"towel","size":"XL"}',
  }));
  test('test_post', () => replay(app, { method: 'POST', url: '/items/', body: { title: 'towel', size: 5 } }, 200, { title: 'towel', size: 5 }));
});

// ---------------------------------------------------------------------------------------------- dependencies

describe('docs_src/dependencies/tutorial001 (common_parameters)', () => {
  const commons = dependency({ query: t.Object({ q: t.Union([t.String(), t.Null()], { default: null }), skip: t.Integer({ default: 0 }), limit: t.Integer({ default: 100 }) }) },
    ({ query }) => ({ q: query.q, skip: query.skip, limit: query.limit }));
  const app = newApp();
  app.get('/items', { deps: { commons } }, ({ deps }) => deps.commons);
  app.get('/users', { deps: { commons } }, ({ deps }) => deps.commons);

  // test_dependencies/test_tutorial001.py test_get parametrized
  test('/items', () => replay(app, { url: '/items' }, 200, { q: null, skip: 0, limit: 100 }));
  test('/items?q=foo', () => replay(app, { url: '/items?q=foo' }, 200, { q: 'foo', skip: 0, limit: 100 }));
  test('/items?q=foo&skip=5', () => replay(app, { url: '/items?q=foo&skip=5' }, 200, { q: 'foo', skip: 5, limit: 100 }));
  test('/items?q=foo&skip=5&limit=30', () => replay(app, { url: '/items?q=foo&skip=5&limit=30' }, 200, { q: 'foo', skip: 5, limit: 30 }));
  test('/users', () => replay(app, { url: '/users' }, 200, { q: null, skip: 0, limit: 100 }));
});

describe('docs_src/dependencies/tutorial006 (dependencies=[verify_token, verify_key])', () => {
  const verifyToken = dependency({ headers: t.Object({ 'x-token': t.String() }) }, ({ headers }) => {
    if (headers['x-token'] !== 'fake-super-secret-token') throw new HTTPException(400, 'X-Token header invalid');
  });
  const verifyKey = dependency({ headers: t.Object({ 'x-key': t.String() }) }, ({ headers }) => {
    if (headers['x-key'] !== 'fake-super-secret-key') throw new HTTPException(400, 'X-Key header invalid');
    return headers['x-key'];
  });
  const app = newApp();
  app.get('/items/', { dependencies: [verifyToken, verifyKey] }, () => [{ item: 'Foo' }, { item: 'Bar' }]);

  // test_dependencies/test_tutorial006.py
  test('test_get_no_headers', () => replay(app, { url: '/items/' }, 422, {
    detail: [
      { type: 'missing', loc: ['header', 'x-token'], msg: 'Field required', input: null },
      { type: 'missing', loc: ['header', 'x-key'], msg: 'Field required', input: null },
    ],
  }));
  test('test_get_invalid_one_header', () => replay(app, { url: '/items/', headers: { 'X-Token': 'invalid' } }, 400, { detail: 'X-Token header invalid' }));
  test('test_get_invalid_second_header', () => replay(app, { url: '/items/', headers: { 'X-Token': 'fake-super-secret-token', 'X-Key': 'invalid' } }, 400, { detail: 'X-Key header invalid' }));
  test('test_get_valid_headers', () => replay(app, { url: '/items/', headers: { 'X-Token': 'fake-super-secret-token', 'X-Key': 'fake-super-secret-key' } }, 200,
    [{ item: 'Foo' }, { item: 'Bar' }]));
});

describe('docs_src/dependencies/tutorial008b + 008c (yield dependencies and exceptions)', () => {
  class OwnerError extends Error {}
  class InternalError extends Error {}
  const data: Record<string, { description: string; owner: string }> = {
    plumbus: { description: 'Freshly pickled plumbus', owner: 'Morty' },
    'portal-gun': { description: 'Gun to create portals', owner: 'Rick' },
  };
  const username008b = dependency(function* () {
    try { yield 'Rick'; } catch (error) {
      if (error instanceof OwnerError) throw new HTTPException(400, `Owner error: ${error.message}`);
      throw error;
    }
  });
  const username008c = dependency(function* () {
    try { yield 'Rick'; } catch (error) {
      if (!(error instanceof InternalError)) throw error;
      // 008c swallows the error: "Oops, we didn't raise again, Britney 😱"
    }
  });
  const app = newApp();
  app.get('/items/:item_id', { deps: { username: username008b } }, ({ params, deps }) => {
    const item = data[params.item_id];
    if (item === undefined) throw new HTTPException(404, 'Item not found');
    if (item.owner !== deps.username) throw new OwnerError(deps.username);
    return item;
  });
  app.get('/c/items/:item_id', { deps: { username: username008c } }, ({ params }) => {
    if (params.item_id === 'portal-gun') throw new InternalError(`The portal gun is too dangerous to be owned by ${'Rick'}`);
    if (params.item_id !== 'plumbus') throw new HTTPException(404, "Item not found, there's only a plumbus here");
    return params.item_id;
  });

  // test_dependencies/test_tutorial008b.py
  test('008b test_get_no_item', () => replay(app, { url: '/items/foo' }, 404, { detail: 'Item not found' }));
  test('008b test_owner_error', () => replay(app, { url: '/items/plumbus' }, 400, { detail: 'Owner error: Rick' }));
  test('008b test_get_item', () => replay(app, { url: '/items/portal-gun' }, 200, { description: 'Gun to create portals', owner: 'Rick' }));
  // test_dependencies/test_tutorial008c.py
  test('008c test_get_no_item', () => replay(app, { url: '/c/items/foo' }, 404, { detail: "Item not found, there's only a plumbus here" }));
  test('008c test_get', () => replay(app, { url: '/c/items/plumbus' }, 200, 'plumbus'));
  // test_internal_error: FastAPI raises FastAPIError in the TestClient; a server answers 500 text/plain "Internal Server Error".
  // loopwise answers the JSON 500, a difference listed in docs/coming-from-fastapi.md (a yield dependency that swallows the error).
  test('008c test_internal_error (500)', { todo: 'deliberate: JSON {"detail":"Internal Server Error"} instead of the plain-text 500 (docs/coming-from-fastapi.md)' }, async () => {
    const res = await app.inject({ url: '/c/items/portal-gun' });
    assert.equal(res.statusCode, 500);
    assert.equal(res.body, 'Internal Server Error');
  });
});

// ---------------------------------------------------------------------------------------------- bigger_applications

describe('docs_src/bigger_applications/app (routers, prefixes, global dependency)', () => {
  const getTokenHeader = dependency({ headers: t.Object({ 'x-token': t.String() }) }, ({ headers }) => {
    if (headers['x-token'] !== 'fake-super-secret-token') throw new HTTPException(400, 'X-Token header invalid');
  });
  const getQueryToken = dependency({ query: t.Object({ token: t.String() }) }, ({ query }) => {
    if (query.token !== 'jessica') throw new HTTPException(400, 'No Jessica token provided');
  });
  const fakeItemsDb: Record<string, { name: string }> = { plumbus: { name: 'Plumbus' }, gun: { name: 'Portal Gun' } };

  const users = new Router();
  users.get('/users/', { tags: ['users'] }, () => [{ username: 'Rick' }, { username: 'Morty' }]);
  users.get('/users/me', { tags: ['users'] }, () => ({ username: 'fakecurrentuser' }));
  users.get('/users/:username', { tags: ['users'] }, ({ params }) => ({ username: params.username }));

  const items = new Router({ prefix: '/items', tags: ['items'], dependencies: [getTokenHeader] });
  items.get('/', () => fakeItemsDb);
  items.get('/:item_id', ({ params }) => {
    if (!(params.item_id in fakeItemsDb)) throw new HTTPException(404, 'Item not found');
    return { name: fakeItemsDb[params.item_id]!.name, item_id: params.item_id };
  });
  items.put('/:item_id', { tags: ['custom'] }, ({ params }) => {
    if (params.item_id !== 'plumbus') throw new HTTPException(403, 'You can only update the item: plumbus');
    return { item_id: params.item_id, name: 'The great Plumbus' };
  });

  const admin = new Router();
  admin.post('/', () => ({ message: 'Admin getting schwifty' }));

  const app = new App({ logger: false, dependencies: [getQueryToken] });
  apps.push(app);
  app.include(users);
  app.include(items);
  app.include(admin, { prefix: '/admin', tags: ['admin'], dependencies: [getTokenHeader] });
  app.get('/', () => ({ message: 'Hello Bigger Applications!' }));

  const token = { 'X-Token': 'fake-super-secret-token' };
  const tokenMissing = { type: 'missing', loc: ['query', 'token'], msg: 'Field required', input: null };
  const headerMissing = { type: 'missing', loc: ['header', 'x-token'], msg: 'Field required', input: null };
  // test_bigger_applications/test_main.py test_get_path parametrized, test_put*, test_admin*
  test('/users?token=jessica', () => replay(app, { url: '/users?token=jessica' }, 200, [{ username: 'Rick' }, { username: 'Morty' }]));
  test('/users (no token)', () => replay(app, { url: '/users/' }, 422, { detail: [tokenMissing] }));
  test('/users/foo?token=jessica', () => replay(app, { url: '/users/foo?token=jessica' }, 200, { username: 'foo' }));
  test('/users/me?token=jessica', () => replay(app, { url: '/users/me?token=jessica' }, 200, { username: 'fakecurrentuser' }));
  test('/users/me?token=monica', () => replay(app, { url: '/users/me?token=monica' }, 400, { detail: 'No Jessica token provided' }));
  test('/items?token=jessica + X-Token', () => replay(app, { url: '/items/?token=jessica', headers: token }, 200, { plumbus: { name: 'Plumbus' }, gun: { name: 'Portal Gun' } }));
  test('/items (no token, no header): both missing', () => replay(app, { url: '/items/' }, 422, { detail: [tokenMissing, headerMissing] }));
  test('/items/plumbus?token=jessica + X-Token', () => replay(app, { url: '/items/plumbus?token=jessica', headers: token }, 200, { name: 'Plumbus', item_id: 'plumbus' }));
  test('/items/bar?token=jessica + X-Token', () => replay(app, { url: '/items/bar?token=jessica', headers: token }, 404, { detail: 'Item not found' }));
  test('/items/plumbus?token=jessica (no header)', () => replay(app, { url: '/items/plumbus?token=jessica' }, 422, { detail: [headerMissing] }));
  test('/items?token=jessica + invalid X-Token', () => replay(app, { url: '/items/?token=jessica', headers: { 'X-Token': 'invalid' } }, 400, { detail: 'X-Token header invalid' }));
  test('/?token=jessica', () => replay(app, { url: '/?token=jessica' }, 200, { message: 'Hello Bigger Applications!' }));
  test('/ (no token)', () => replay(app, { url: '/' }, 422, { detail: [tokenMissing] }));
  test('test_put_no_header', () => replay(app, { method: 'PUT', url: '/items/foo?token=jessica' }, 422, { detail: [headerMissing] }));
  test('test_put_invalid_header', () => replay(app, { method: 'PUT', url: '/items/foo?token=jessica', headers: { 'X-Token': 'invalid' } }, 400, { detail: 'X-Token header invalid' }));
  test('test_put', () => replay(app, { method: 'PUT', url: '/items/plumbus?token=jessica', headers: token }, 200, { item_id: 'plumbus', name: 'The great Plumbus' }));
  test('test_put_forbidden', () => replay(app, { method: 'PUT', url: '/items/bar?token=jessica', headers: token }, 403, { detail: 'You can only update the item: plumbus' }));
  test('test_admin', () => replay(app, { method: 'POST', url: '/admin/?token=jessica', headers: token }, 200, { message: 'Admin getting schwifty' }));
  test('test_admin_invalid_header', () => replay(app, { method: 'POST', url: '/admin/?token=jessica', headers: { 'X-Token': 'invalid' } }, 400, { detail: 'X-Token header invalid' }));
});

// ---------------------------------------------------------------------------------------------- security

describe('docs_src/security/tutorial001 (OAuth2PasswordBearer)', () => {
  const oauth2 = oauth2PasswordBearer({ tokenUrl: 'token' });
  const app = newApp();
  app.get('/items/', { deps: { token: oauth2 } }, ({ deps }) => ({ token: deps.token }));

  // test_security/test_tutorial001.py
  test('test_no_token', async () => {
    const headers = await replayWithHeaders(app, { url: '/items' }, 401, { detail: 'Not authenticated' });
    assert.equal(headers['www-authenticate'], 'Bearer');
  });
  test('test_token', () => replay(app, { url: '/items', headers: { Authorization: 'Bearer testtoken' } }, 200, { token: 'testtoken' }));
  test('test_incorrect_token', async () => {
    const headers = await replayWithHeaders(app, { url: '/items', headers: { Authorization: 'Notexistent testtoken' } }, 401, { detail: 'Not authenticated' });
    assert.equal(headers['www-authenticate'], 'Bearer');
  });
});

describe('docs_src/security/tutorial003 (password form, current user)', () => {
  type UserInDb = { username: string; full_name: string; email: string; hashed_password: string; disabled: boolean };
  const usersDb: Record<string, UserInDb> = {
    johndoe: { username: 'johndoe', full_name: 'John Doe', email: 'johndoe@example.com', hashed_password: 'fakehashedsecret', disabled: false },
    alice: { username: 'alice', full_name: 'Alice Wonderson', email: 'alice@example.com', hashed_password: 'fakehashedsecret2', disabled: true },
  };
  const oauth2 = oauth2PasswordBearer({ tokenUrl: 'token' });
  const currentUser = dependency({ deps: { token: oauth2 } }, ({ deps }) => {
    const user = usersDb[deps.token];
    if (!user) throw new HTTPException(401, 'Invalid authentication credentials', { 'WWW-Authenticate': 'Bearer' });
    return user;
  });
  const currentActiveUser = dependency({ deps: { user: currentUser } }, ({ deps }) => {
    if (deps.user.disabled) throw new HTTPException(400, 'Inactive user');
    return deps.user;
  });
  const app = newApp();
  app.post('/token', oauth2PasswordForm, ({ body }) => {
    const user = usersDb[body.username];
    if (!user || `fakehashed${body.password}` !== user.hashed_password) throw new HTTPException(400, 'Incorrect username or password');
    return { access_token: user.username, token_type: 'bearer' };
  });
  app.get('/users/me', { deps: { user: currentActiveUser } }, ({ deps }) => deps.user);

  // test_security/test_tutorial003.py
  test('test_login', () => replay(app, { method: 'POST', url: '/token', ...form({ username: 'johndoe', password: 'secret' }) }, 200, { access_token: 'johndoe', token_type: 'bearer' }));
  test('test_login_incorrect_password', () => replay(app, { method: 'POST', url: '/token', ...form({ username: 'johndoe', password: 'incorrect' }) }, 400, { detail: 'Incorrect username or password' }));
  test('test_login_incorrect_username', () => replay(app, { method: 'POST', url: '/token', ...form({ username: 'foo', password: 'secret' }) }, 400, { detail: 'Incorrect username or password' }));
  test('test_no_token', async () => {
    const headers = await replayWithHeaders(app, { url: '/users/me' }, 401, { detail: 'Not authenticated' });
    assert.equal(headers['www-authenticate'], 'Bearer');
  });
  test('test_token', () => replay(app, { url: '/users/me', headers: { Authorization: 'Bearer johndoe' } }, 200, usersDb.johndoe));
  test('test_incorrect_token', async () => {
    const headers = await replayWithHeaders(app, { url: '/users/me', headers: { Authorization: 'Bearer nonexistent' } }, 401, { detail: 'Invalid authentication credentials' });
    assert.equal(headers['www-authenticate'], 'Bearer');
  });
  test('test_incorrect_token_type', async () => {
    const headers = await replayWithHeaders(app, { url: '/users/me', headers: { Authorization: 'Notexistent testtoken' } }, 401, { detail: 'Not authenticated' });
    assert.equal(headers['www-authenticate'], 'Bearer');
  });
  test('test_inactive_user', () => replay(app, { url: '/users/me', headers: { Authorization: 'Bearer alice' } }, 400, { detail: 'Inactive user' }));
});

// ---------------------------------------------------------------------------------------------- cors, middleware

describe('docs_src/cors/tutorial001 (CORSMiddleware with a list of origins)', () => {
  const app = newApp();
  app.use(cors({
    origin: ['http://localhost.tiangolo.com', 'https://localhost.tiangolo.com', 'http://localhost', 'http://localhost:8080'],
    credentials: true, methods: '*', allowedHeaders: '*',
  }));
  app.get('/', () => ({ message: 'Hello World' }));

  // test_cors/test_tutorial001.py test_cors: preflight 200 "OK", allow-origin, allow-headers X-Example
  test('preflight', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/', headers: { Origin: 'https://localhost.tiangolo.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'X-Example' } });
    assert.deepEqual({ status: res.statusCode, body: res.body, origin: res.headers['access-control-allow-origin'], allowHeaders: res.headers['access-control-allow-headers'] },
      { status: 200, body: 'OK', origin: 'https://localhost.tiangolo.com', allowHeaders: 'X-Example' });
  });
  test('simple request with Origin', async () => {
    const headers = await replayWithHeaders(app, { url: '/', headers: { Origin: 'https://localhost.tiangolo.com' } }, 200, { message: 'Hello World' });
    assert.equal(headers['access-control-allow-origin'], 'https://localhost.tiangolo.com');
  });
  test('request without Origin: no allow-origin', async () => {
    const headers = await replayWithHeaders(app, { url: '/' }, 200, { message: 'Hello World' });
    assert.equal(headers['access-control-allow-origin'], undefined);
  });
});

describe('docs_src/middleware/tutorial001 (X-Process-Time after call_next)', () => {
  const app = newApp();
  app.use(async (_req, res, next) => {
    const start = performance.now();
    await next();
    res.setHeader('X-Process-Time', String((performance.now() - start) / 1000));
  });
  app.get('/', () => ({ message: 'Hello World' }));

  // test_middleware/test_tutorial001.py test_response_headers: X-Process-Time present
  test('test_response_headers', async () => {
    const headers = await replayWithHeaders(app, { url: '/' }, 200, { message: 'Hello World' });
    assert.ok(Number(headers['x-process-time']) >= 0, `x-process-time: ${String(headers['x-process-time'])}`);
  });
});

// ---------------------------------------------------------------------------------------------- extra_models, path_operation_configuration

describe('docs_src/extra_models/tutorial003 + 005 (Union response, dict[str, float])', () => {
  const CarItem = t.Object({ description: t.String(), type: t.Literal('car') }, { title: 'CarItem' });
  const PlaneItem = t.Object({ description: t.String(), type: t.Literal('plane'), size: t.Integer() }, { title: 'PlaneItem' });
  const items: Record<string, object> = {
    item1: { description: 'All my friends drive a low rider', type: 'car' },
    item2: { description: "Music is my aeroplane, it's my aeroplane", type: 'plane', size: 5 },
  };
  const app = newApp();
  app.get('/items/:item_id', { response: { 200: t.Union([PlaneItem, CarItem]) } }, ({ params }) => items[params.item_id] as Static<typeof CarItem>);
  app.get('/keyword-weights/', { response: { 200: t.Record(t.String(), t.Number()) } }, () => ({ foo: 2.3, bar: 3.4 }));

  // test_extra_models/test_tutorial003.py test_get_car / test_get_plane
  test('test_get_car', () => replay(app, { url: '/items/item1' }, 200, { description: 'All my friends drive a low rider', type: 'car' }));
  test('test_get_plane', () => replay(app, { url: '/items/item2' }, 200, { description: "Music is my aeroplane, it's my aeroplane", type: 'plane', size: 5 }));
  // test_extra_models/test_tutorial005.py test_get_items
  test('test_get_items', () => replay(app, { url: '/keyword-weights/' }, 200, { foo: 2.3, bar: 3.4 }));
});

describe('docs_src/path_operation_configuration/tutorial005 + 006 (summary, response_description, tags, deprecated)', () => {
  const PItem = t.Object({
    name: t.String(), description: t.Union([t.String(), t.Null()], { default: null }), price: t.Number(),
    tax: t.Union([t.Number(), t.Null()], { default: null }), tags: t.Set(t.String(), { default: [] }),
  });
  const app = newApp();
  app.post('/items/', { body: PItem, response: { 200: PItem }, summary: 'Create an item', openapi: { responses: { 200: { description: 'The created item' } } } }, ({ body }) => body);
  app.get('/items/', { tags: ['items'] }, () => [{ name: 'Foo', price: 42 }]);
  app.get('/users/', { tags: ['users'] }, () => [{ username: 'johndoe' }]);
  app.get('/elements/', { tags: ['items'], deprecated: true }, () => [{ item_id: 'Foo' }]);

  // test_path_operation_configurations/test_tutorial005.py test_query_params_str_validations
  test('tutorial005 POST /items/', () => replay(app, { method: 'POST', url: '/items/', body: { name: 'Foo', price: 42 } }, 200,
    { name: 'Foo', price: 42, description: null, tax: null, tags: [] }));
  // test_path_operation_configurations/test_tutorial006.py test_query_params_str_validations parametrized
  test('tutorial006 /items/', () => replay(app, { url: '/items/' }, 200, [{ name: 'Foo', price: 42 }]));
  test('tutorial006 /users/', () => replay(app, { url: '/users/' }, 200, [{ username: 'johndoe' }]));
  test('tutorial006 /elements/', () => replay(app, { url: '/elements/' }, 200, [{ item_id: 'Foo' }]));
});
