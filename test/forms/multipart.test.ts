// Forms: urlencoded and multipart bodies declared as schemas, uploaded files as UploadFile objects
// (in memory, or spooled to a temporary file past a size), validation in FastAPI's shape, and the
// temporary files removed once the response is done, whatever the handler did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LoopwiseError, UploadFile, t, upload, type BodyMediaType } from '../../src/index.js';
import { formData, type Form } from './fixtures/multipart-client.js';

const MULTIPART: BodyMediaType[] = ['multipart/form-data'];

function post(app: App, url: string, form: Form) {
  return app.inject({ method: 'POST', url, headers: { 'content-type': form.contentType }, body: form.body });
}

/** Polls until `dir` is empty: uploads are released on the response's 'close', just after the client has it. */
async function emptied(dir: string): Promise<string[]> {
  for (let i = 0; i < 40 && readdirSync(dir).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return readdirSync(dir);
}

function tempDir(ctx: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-forms-test-'));
  ctx.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('an urlencoded form declared as a schema is coerced (numbers, booleans, repeated keys as lists) and answered 422 in FastAPI shape', async () => {
  const app = new App({ logger: false });
  app.post(
    '/signup',
    {
      consumes: ['application/x-www-form-urlencoded'],
      body: t.Object({ name: t.String({ minLength: 2 }), age: t.Integer({ minimum: 0 }), newsletter: t.Boolean(), tags: t.Array(t.String()) }),
    },
    async ({ body }) => {
      const age: number = body.age;
      const tags: string[] = body.tags;
      return { ...body, age, tags };
    },
  );
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const ok = await app.inject({ method: 'POST', url: '/signup', headers, body: 'name=Ada+L&age=36&newsletter=on&tags=math&tags=engines' });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { name: 'Ada L', age: 36, newsletter: true, tags: ['math', 'engines'] });

  const one = await app.inject({ method: 'POST', url: '/signup', headers, body: 'name=Ada&age=36&newsletter=no&tags=solo' });
  assert.deepEqual(one.json(), { name: 'Ada', age: 36, newsletter: false, tags: ['solo'] });

  const bad = await app.inject({ method: 'POST', url: '/signup', headers, body: 'name=A&age=-1&newsletter=maybe' });
  assert.equal(bad.statusCode, 422);
  assert.deepEqual(bad.json().detail, [
    {
      type: 'missing',
      loc: ['body', 'tags'],
      msg: 'Field required',
      input: null, // FastAPI checks form fields one by one: a missing one quotes null, not the form
    },
    { type: 'string_too_short', loc: ['body', 'name'], msg: 'String should have at least 2 characters', input: 'A', ctx: { min_length: 2 } },
    { type: 'greater_than_equal', loc: ['body', 'age'], msg: 'Input should be greater than or equal to 0', input: '-1', ctx: { ge: 0 } },
    { type: 'bool_parsing', loc: ['body', 'newsletter'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe' },
  ]);
});

function uploadsApp(options: { tempDir?: string; spoolThreshold?: number } = {}): App {
  const app = new App({ logger: false, multipart: options });
  app.post(
    '/posts',
    {
      consumes: MULTIPART,
      body: t.Object({ title: t.String(), rating: t.Integer({ minimum: 1, maximum: 5 }), cover: upload(), photos: t.Optional(t.Array(upload())) }),
    },
    async ({ body }) => {
      // Typed: files are UploadFile, lists of them UploadFile[], text fields their declared types.
      const cover: UploadFile = body.cover;
      const photos: UploadFile[] | undefined = body.photos;
      const rating: number = body.rating;
      // @ts-expect-error an uploaded file is not a string
      const wrong: string = body.cover;
      void wrong;
      return {
        title: body.title,
        rating,
        cover: { ...cover.toJSON(), fieldName: cover.fieldName, inMemory: cover.inMemory, text: await cover.text() },
        photos: photos === undefined ? null : await Promise.all(photos.map(async (p) => ({ name: p.filename, type: p.contentType, bytes: [...(await p.bytes())] }))),
      };
    },
  );
  return app;
}

test('multipart: text fields are coerced, one file and several files arrive as UploadFile objects', async () => {
  const app = uploadsApp();
  const form = await formData([
    ['title', 'Holiday'],
    ['rating', '5'],
    ['cover', 'the cover, café', 'cover.txt', 'text/plain'],
    ['photos', new Uint8Array([1, 2, 3]), 'a.png', 'image/png'],
    ['photos', new Uint8Array([4]), 'b.jpg', 'image/jpeg'],
  ]);
  const res = await post(app, '/posts', form);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    title: 'Holiday',
    rating: 5,
    cover: { filename: 'cover.txt', contentType: 'text/plain', size: 16, fieldName: 'cover', inMemory: true, text: 'the cover, café' },
    photos: [
      { name: 'a.png', type: 'image/png', bytes: [1, 2, 3] },
      { name: 'b.jpg', type: 'image/jpeg', bytes: [4] },
    ],
  });

  // One photo is still a list; no photos at all leaves the optional field out.
  const single = await post(app, '/posts', await formData([['title', 'x'], ['rating', '1'], ['cover', 'c', 'c.txt'], ['photos', 'p', 'p.bin']]));
  assert.deepEqual(single.json().photos, [{ name: 'p.bin', type: 'application/octet-stream', bytes: [112] }]);
  const none = await post(app, '/posts', await formData([['title', 'x'], ['rating', '1'], ['cover', 'c', 'c.txt']]));
  assert.equal(none.json().photos, null);
});

test('multipart validation: every problem at once, in FastAPI shape and field order', async () => {
  const app = uploadsApp();
  const res = await post(
    app,
    '/posts',
    await formData([
      ['rating', 'ten'],
      ['cover', 'not a file'],
      ['photos', 'also not a file'],
    ]),
  );
  assert.equal(res.statusCode, 422);
  assert.deepEqual(res.json(), {
    detail: [
      { type: 'missing', loc: ['body', 'title'], msg: 'Field required', input: null },
      { type: 'int_parsing', loc: ['body', 'rating'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'ten' },
      { type: 'value_error', loc: ['body', 'cover'], msg: "Value error, Expected UploadFile, received: <class 'str'>", input: 'not a file', ctx: { error: {} } },
      { type: 'value_error', loc: ['body', 'photos', 0], msg: "Value error, Expected UploadFile, received: <class 'str'>", input: 'also not a file', ctx: { error: {} } },
    ],
  });

  // A file where text is expected is quoted by its name, type and size.
  const fileAsText = await post(app, '/posts', await formData([['title', 'x', 'title.txt', 'text/plain'], ['rating', '3'], ['cover', 'c', 'c.txt']]));
  assert.equal(fileAsText.statusCode, 422);
  assert.deepEqual(fileAsText.json().detail, [
    { type: 'string_type', loc: ['body', 'title'], msg: 'Input should be a valid string', input: { filename: 'title.txt', contentType: 'text/plain', size: 1 } },
  ]);

  // A required file that is missing; a browser's empty file input (no name, no bytes) counts as missing.
  for (const cover of [[], [['cover', '', '']]] as [string, string, string][][]) {
    const missing = await post(app, '/posts', await formData([['title', 'x'], ['rating', '3'], ...cover]));
    assert.equal(missing.statusCode, 422);
    assert.deepEqual(missing.json().detail, [{ type: 'missing', loc: ['body', 'cover'], msg: 'Field required', input: null }]);
  }
});

test('lists of files honour minItems and maxItems; a single file field sent twice keeps the last, as FastAPI', async () => {
  const app = new App({ logger: false });
  app.post('/album', { consumes: MULTIPART, body: t.Object({ cover: upload(), pages: t.Array(upload(), { minItems: 2, maxItems: 3 }) }) }, async ({ body }) => ({
    cover: body.cover.filename,
    pages: body.pages.map((p) => p.filename),
  }));
  const page = (n: number): [string, string, string] => ['pages', `page ${n}`, `p${n}.txt`];
  const ok = await post(app, '/album', await formData([['cover', '1', 'first.txt'], ['cover', '2', 'second.txt'], page(1), page(2)]));
  assert.deepEqual(ok.json(), { cover: 'second.txt', pages: ['p1.txt', 'p2.txt'] });

  const few = await post(app, '/album', await formData([['cover', '1', 'c.txt'], page(1)]));
  assert.equal(few.statusCode, 422);
  assert.deepEqual(few.json().detail, [
    {
      type: 'too_short',
      loc: ['body', 'pages'],
      msg: 'List should have at least 2 items after validation, not 1',
      input: [{ filename: 'p1.txt', contentType: 'application/octet-stream', size: 6 }],
      ctx: { field_type: 'List', min_length: 2, actual_length: 1 },
    },
  ]);
  const many = await post(app, '/album', await formData([['cover', '1', 'c.txt'], page(1), page(2), page(3), page(4)]));
  assert.equal(many.statusCode, 422);
  assert.equal(many.json().detail[0].type, 'too_long');
  assert.equal(many.json().detail[0].msg, 'List should have at most 3 items after validation, not 4');
});

test('UploadFile: bytes(), text(), stream() and save() work in memory and spooled to disk, and a spooled file is gone after the response', async (ctx) => {
  const spoolDir = tempDir(ctx);
  const saveDir = tempDir(ctx);
  const app = new App({ logger: false, multipart: { spoolThreshold: 1024, tempDir: spoolDir } });
  let spooledPath: string | undefined;
  app.post('/files', { consumes: MULTIPART, body: t.Object({ small: upload(), large: upload() }) }, async ({ body }) => {
    const out: Record<string, unknown> = {};
    for (const file of [body.small, body.large]) {
      const streamed: Buffer[] = [];
      for await (const chunk of file.stream()) streamed.push(chunk as Buffer);
      const target = join(saveDir, file.filename);
      await file.save(target);
      out[file.fieldName] = {
        size: file.size,
        inMemory: file.inMemory,
        inTempDir: file.path === undefined ? null : file.path.startsWith(spoolDir),
        bytesMatch: (await file.bytes()).equals(Buffer.concat(streamed)),
        text: (await file.text()).slice(0, 10),
        saved: readFileSync(target).equals(Buffer.concat(streamed)),
      };
    }
    spooledPath = body.large.path;
    assert.ok(spooledPath !== undefined && existsSync(spooledPath), 'the spooled file exists while the handler runs');
    return out;
  });
  const large = 'L'.repeat(100_000) + 'end';
  const res = await post(app, '/files', await formData([['small', 'small text', 'small.txt'], ['large', large, 'large.txt']]));
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    small: { size: 10, inMemory: true, inTempDir: null, bytesMatch: true, text: 'small text', saved: true },
    large: { size: 100_003, inMemory: false, inTempDir: true, bytesMatch: true, text: 'LLLLLLLLLL', saved: true },
  });
  assert.deepEqual(await emptied(spoolDir), [], 'temporary files are deleted once the response is done');
  assert.equal(existsSync(spooledPath!), false);
  // What the handler saved is the user's to keep.
  assert.deepEqual(readdirSync(saveDir).sort(), ['large.txt', 'small.txt']);
});

test('temporary files are removed when the handler throws, and when validation fails before it runs', async (ctx) => {
  const spoolDir = tempDir(ctx);
  const app = new App({ logger: false, multipart: { spoolThreshold: 0, tempDir: spoolDir } });
  let seen: string | undefined;
  app.post('/boom', { consumes: MULTIPART, body: t.Object({ file: upload(), n: t.Integer() }) }, async ({ body }) => {
    seen = body.file.path;
    throw new Error('handler failed');
  });
  const failing = await post(app, '/boom', await formData([['file', 'on disk', 'f.txt'], ['n', '1']]));
  assert.equal(failing.statusCode, 500);
  assert.deepEqual(failing.json(), { detail: 'Internal Server Error' });
  assert.ok(seen !== undefined && seen.startsWith(spoolDir), 'spoolThreshold 0 puts every file on disk');
  assert.deepEqual(await emptied(spoolDir), []);

  const invalid = await post(app, '/boom', await formData([['file', 'on disk', 'f.txt'], ['n', 'x']]));
  assert.equal(invalid.statusCode, 422);
  assert.deepEqual(await emptied(spoolDir), []);
});

test('an UploadFile read after its response was sent says so clearly', async () => {
  const app = new App({ logger: false });
  let kept: UploadFile | undefined;
  app.post('/keep', { consumes: MULTIPART, body: t.Object({ file: upload() }) }, ({ body }) => {
    kept = body.file;
    return { ok: true };
  });
  const res = await post(app, '/keep', await formData([['file', 'x', 'kept.txt']]));
  assert.equal(res.statusCode, 200);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  await assert.rejects(kept!.bytes(), /the upload "kept.txt" \(field "file"\) was released when its request's response was sent; read or save\(\) it in the handler/);
  assert.throws(() => kept!.stream(), /was released/);
  assert.deepEqual(kept!.toJSON(), { filename: 'kept.txt', contentType: 'application/octet-stream', size: 1 });
});

test('UploadFile can be built directly, e.g. to unit-test a handler', async () => {
  const file = new UploadFile({ filename: 'notes.txt', contentType: 'text/plain', data: 'hello' });
  assert.equal(file.size, 5);
  assert.equal(await file.text(), 'hello');
  assert.equal(file.inMemory, true);
});

test('media types, as FastAPI: JSON to a multipart route is an empty form (each field missing); a JSON route does not read multipart; a text-only form route may take both', async () => {
  const app = uploadsApp();
  app.post('/plain', { body: t.Object({ name: t.String() }) }, ({ body }) => body);
  app.post('/either', { consumes: ['multipart/form-data', 'application/x-www-form-urlencoded'], body: t.Object({ name: t.String(), n: t.Integer() }) }, ({ body }) => body);

  const missing = (field: string) => ({ type: 'missing', loc: ['body', field], msg: 'Field required', input: null });
  const json = await app.inject({ method: 'POST', url: '/posts', body: { title: 'x' } });
  assert.deepEqual([json.statusCode, json.json()], [422, { detail: [missing('title'), missing('rating'), missing('cover')] }]);
  // A urlencoded form to the multipart route: its text fields count, the file is missing.
  const urlencoded = await app.inject({ method: 'POST', url: '/posts', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=x&rating=2' });
  assert.deepEqual([urlencoded.statusCode, urlencoded.json()], [422, { detail: [missing('cover')] }]);

  const form = await formData([['name', 'Ann']]);
  const plain = await post(app, '/plain', form);
  assert.equal(plain.statusCode, 422);
  assert.equal(plain.json().detail[0].type, 'model_attributes_type');

  const viaMultipart = await post(app, '/either', await formData([['name', 'Ann'], ['n', '2']]));
  assert.deepEqual([viaMultipart.statusCode, viaMultipart.json()], [200, { name: 'Ann', n: 2 }]);
  const viaUrlencoded = await app.inject({ method: 'POST', url: '/either', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Bo&n=3' });
  assert.deepEqual([viaUrlencoded.statusCode, viaUrlencoded.json()], [200, { name: 'Bo', n: 3 }]);
});

test('malformed multipart bodies are answered 400 with a detail saying what is wrong', async () => {
  const app = uploadsApp();
  const send = (contentType: string, body: string) => app.inject({ method: 'POST', url: '/posts', headers: { 'content-type': contentType }, body });

  const noBoundary = await send('multipart/form-data', '--x\r\n');
  assert.equal(noBoundary.statusCode, 400);
  assert.deepEqual(noBoundary.json(), { detail: 'Invalid multipart/form-data body: the Content-Type header has no boundary parameter' });

  const form = await formData([['title', 'x'], ['rating', '1'], ['cover', 'c', 'c.txt']]);
  const wrongBoundary = await send('multipart/form-data; boundary=not-the-one-used', form.body.toString('latin1'));
  assert.equal(wrongBoundary.statusCode, 400);
  assert.deepEqual(wrongBoundary.json(), {
    detail: 'Invalid multipart/form-data body: Unexpected end of multipart data (does the body use the boundary its Content-Type names?)',
  });

  const cut = await send(form.contentType, form.body.subarray(0, form.body.length - 30).toString('latin1'));
  assert.equal(cut.statusCode, 400);
  assert.match(cut.json().detail, /^Invalid multipart\/form-data body: /);
});

test('text-field limits answer 413 naming the limit (over inject; the socket cases are in multipart-limits.test.ts)', async () => {
  const app = new App({ logger: false, multipart: { maxFields: 2, maxFieldSize: 10 } });
  app.post('/form', { consumes: MULTIPART, body: t.Object({}, { additionalProperties: t.String() }) }, ({ body }) => body);
  const tooMany = await post(app, '/form', await formData([['a', '1'], ['b', '2'], ['c', '3']]));
  assert.equal(tooMany.statusCode, 413);
  assert.equal(tooMany.headers.connection, 'close');
  assert.deepEqual(tooMany.json(), { detail: 'Too many form fields: the limit is 2 per request' });
  const tooLong = await post(app, '/form', await formData([['a', '12345678901']]));
  assert.equal(tooLong.statusCode, 413);
  assert.deepEqual(tooLong.json(), { detail: "Form field 'a' is larger than the limit of 10 bytes per field" });
  const ok = await post(app, '/form', await formData([['a', '1234567890'], ['b', '2']]));
  assert.deepEqual([ok.statusCode, ok.json()], [200, { a: '1234567890', b: '2' }]);
});

test('the OpenAPI document shows file fields as binary strings under multipart/form-data', () => {
  const app = uploadsApp();
  const operation = (app.openapi().paths['/posts'] as Record<string, any>).post;
  assert.deepEqual(operation.requestBody, {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['title', 'rating', 'cover'],
          properties: {
            title: { type: 'string' },
            rating: { type: 'integer', minimum: 1, maximum: 5 },
            cover: { type: 'string', format: 'binary' },
            photos: { type: 'array', items: { type: 'string', format: 'binary' } },
          },
        },
      },
    },
  });
  assert.ok(operation.responses['422'], 'a multipart route validates, so it documents 422');
});

test('misdeclared upload routes are refused at startup with a message saying what to change', () => {
  const cases: [string, (app: App) => void, RegExp][] = [
    ['file fields without consumes', (app) => app.post('/a', { body: t.Object({ f: upload() }) }, () => 1), /has file fields \(f\), which only multipart\/form-data carries; set consumes: \['multipart\/form-data'\]/],
    ['file fields with JSON too', (app) => app.post('/a', { consumes: ['application/json', 'multipart/form-data'], body: t.Object({ f: upload() }) }, () => 1), /has file fields \(f\)/],
    ['a nested upload', (app) => app.post('/a', { consumes: MULTIPART, body: t.Object({ meta: t.Object({ f: upload() }) }) }, () => 1), /uses upload\(\) where no file can arrive/],
    ['a body that is one file', (app) => app.post('/a', { consumes: MULTIPART, body: upload() }, () => 1), /uses upload\(\) where no file can arrive/],
    ['multipart without a body', (app) => app.post('/a', { consumes: MULTIPART }, () => 1), /consumes multipart\/form-data but declares no body/],
    ['a body that is not an object', (app) => app.post('/a', { consumes: MULTIPART, body: t.String() }, () => 1), /its body must be t.Object/],
    ['multipart limits on a JSON route', (app) => app.post('/a', { body: t.Object({}), multipart: { maxFiles: 1 } }, () => 1), /sets multipart limits but does not take multipart bodies/],
    ['a limit that is not a positive integer', (app) => app.post('/a', { consumes: MULTIPART, body: t.Object({}), multipart: { maxFiles: 0 } }, () => 1), /multipart.maxFiles of POST \/a must be a whole number ≥ 1, not 0/],
  ];
  for (const [what, declare, message] of cases) {
    const app = new App({ logger: false });
    declare(app);
    assert.throws(() => app.ready(), (error: unknown) => error instanceof LoopwiseError && message.test(error.message), what);
  }
  assert.throws(() => upload({ maxSize: -1 }), /upload\(\) maxSize must be a whole number of bytes ≥ 1/);
});
