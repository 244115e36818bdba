// inject()'s body options: json, form (urlencoded), files (multipart, with form fields), and the
// errors for a request that names two bodies or a value that cannot be sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, t, upload, type UploadFile } from '../../src/index.js';

function formApp(): App {
  const app = new App({ logger: false });
  app.post('/login', {
    consumes: ['application/x-www-form-urlencoded'],
    body: t.Object({ username: t.String(), age: t.Integer(), remember: t.Boolean(), tags: t.Array(t.String()) }),
  }, ({ body, headers }) => ({ body, contentType: headers['content-type'] }));
  app.post('/json', { body: t.Any() }, ({ body, headers }) => ({ body, contentType: headers['content-type'] }));
  app.post('/posts', {
    consumes: ['multipart/form-data'],
    body: t.Object({ title: t.String(), tags: t.Array(t.String()), cover: upload(), photos: t.Optional(t.Array(upload())) }),
  }, async ({ body }) => ({
    title: body.title,
    tags: body.tags,
    cover: await describe(body.cover),
    photos: await Promise.all((body.photos ?? []).map(describe)),
  }));
  return app;
}

async function describe(file: UploadFile): Promise<object> {
  return { field: file.fieldName, filename: file.filename, contentType: file.contentType, text: await file.text() };
}

test('form: sends application/x-www-form-urlencoded, numbers and booleans as text, an array as a repeated field', async () => {
  const res = await formApp().inject({ method: 'POST', url: '/login', form: { username: 'ada lovelace', age: 36, remember: true, tags: ['a', 'b&c'] } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    body: { username: 'ada lovelace', age: 36, remember: true, tags: ['a', 'b&c'] },
    contentType: 'application/x-www-form-urlencoded',
  });
});

test('json: sends the value as JSON, a string included (body would send a string as it is)', async () => {
  const app = formApp();
  const object = await app.inject({ method: 'POST', url: '/json', json: { name: 'pen' } });
  assert.deepEqual(object.json(), { body: { name: 'pen' }, contentType: 'application/json' });
  const string = await app.inject({ method: 'POST', url: '/json', json: 'hello' });
  assert.deepEqual(string.json(), { body: 'hello', contentType: 'application/json' });
  // null goes as the four bytes `null`; a required body reads it as none, as FastAPI does.
  let sent: unknown[] = [];
  const watched = formApp().use(async (req, _res, next) => {
    sent = [req.headers['content-type'], req.headers['content-length']];
    await next();
  });
  const nil = await watched.inject({ method: 'POST', url: '/json', json: null });
  assert.deepEqual(sent, ['application/json', '4']);
  assert.equal(nil.statusCode, 422);
  assert.deepEqual(nil.json(), { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
});

test('json and form: a content-type header of the caller wins', async () => {
  const res = await formApp().inject({ method: 'POST', url: '/json', headers: { 'Content-Type': 'application/merge-patch+json' }, json: { done: true } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { body: { done: true }, contentType: 'application/merge-patch+json' });
});

test('files: sends multipart/form-data with the form fields and each file’s name, type and bytes', async () => {
  const res = await formApp().inject({
    method: 'POST',
    url: '/posts',
    form: { title: 'Holiday', tags: ['sea', 'sun'] },
    files: {
      cover: { name: 'cover.txt', type: 'text/plain', content: 'the cover' },
      photos: [
        { name: 'a.bin', content: Buffer.from('first') },
        { name: 'b "quoted".png', type: 'image/png', content: new Uint8Array([104, 105]) },
      ],
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    title: 'Holiday',
    tags: ['sea', 'sun'],
    cover: { field: 'cover', filename: 'cover.txt', contentType: 'text/plain', text: 'the cover' },
    photos: [
      { field: 'photos', filename: 'a.bin', contentType: 'application/octet-stream', text: 'first' },
      { field: 'photos', filename: 'b %22quoted%22.png', contentType: 'image/png', text: 'hi' }, // a browser escapes the quote the same way
    ],
  });
});

test('files: a missing file field is the route’s 422, as from any client', async () => {
  const res = await formApp().inject({ method: 'POST', url: '/posts', form: { title: 'x', tags: ['y'] }, files: {} });
  assert.equal(res.statusCode, 422);
  assert.deepEqual(res.json().detail.map((e: { loc: unknown; type: string }) => [e.loc, e.type]), [[['body', 'cover'], 'missing']]);
});

test('two bodies in one request are refused, naming both', async () => {
  const app = formApp();
  await assert.rejects(app.inject({ method: 'POST', url: '/json', json: {}, body: {} }), {
    name: 'TypeError',
    message: 'inject(POST /json): give one of body, json, form or files (form may go with files, for a multipart body); got body and json.',
  });
  await assert.rejects(app.inject({ method: 'POST', url: '/login', json: {}, form: {} }), { message: /got json and form\.$/ });
});

test('values that cannot be sent are refused with what to send instead', async () => {
  const app = formApp();
  await assert.rejects(app.inject({ method: 'POST', url: '/login', form: { file: { name: 'x' } as never } }), {
    message: 'inject(POST /login): form field "file" must be a string, number or boolean (or an array of them); a file goes in files.',
  });
  await assert.rejects(app.inject({ method: 'POST', url: '/posts', files: { cover: { name: 'x.txt' } as never } }), {
    message: 'inject(POST /posts): file field "cover" must be { name: string, type?: string, content: string | Buffer | Uint8Array }.',
  });
  await assert.rejects(app.inject({ method: 'POST', url: '/posts', headers: { 'content-type': 'multipart/form-data' }, files: { cover: { name: 'a', content: 'b' } } }), {
    message: 'inject(POST /posts): remove the content-type header: with files, inject() writes multipart/form-data with its own boundary.',
  });
});

test('json<T>() names the type of the parsed body', async () => {
  const app = new App({ logger: false });
  app.get('/item', () => ({ id: 1, name: 'pen' }));
  const res = await app.inject('/item');
  const item = res.json<{ id: number; name: string }>();
  const id: number = item.id;
  assert.equal(id, 1);
});
