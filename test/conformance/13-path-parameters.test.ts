// Issue 21, cause 13 (path parameters): naming a parameter that spans slashes, FastAPI's
// `{file_path:path}`, written `/files/*file_path` in loopwise.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { App, createClient, t } from '../../src/index.js';

// docs_src/path_params/tutorial004.py:
//   @app.get("/files/{file_path:path}")
//   async def read_file(file_path: str): return {"file_path": file_path}
function filesApp(): App {
  const app = new App({ logger: false });
  app.get('/files/*file_path', async function readFile({ params }) {
    const filePath: string = params.file_path;
    return { file_path: filePath };
  });
  return app;
}

describe('docs_src/path_params/tutorial004.py', () => {
  // tests/test_tutorial/test_path_params/test_tutorial004.py test_file_path:
  // GET /files/home/johndoe/myfile.txt → 200 {"file_path": "home/johndoe/myfile.txt"}
  test('the rest of the path, slashes included, is params.file_path', async () => {
    const res = await filesApp().inject('/files/home/johndoe/myfile.txt');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { file_path: 'home/johndoe/myfile.txt' });
  });

  // test_tutorial004.py test_root_file_path:
  // GET /files//home/johndoe/myfile.txt → 200 {"file_path": "/home/johndoe/myfile.txt"}
  test('a leading slash is kept', async () => {
    const res = await filesApp().inject('/files//home/johndoe/myfile.txt');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { file_path: '/home/johndoe/myfile.txt' });
  });

  // test_tutorial004.py test_openapi: the path "/files/{file_path}", its parameter
  // {"name": "file_path", "in": "path", "required": true, "schema": {"type": "string", ...}}.
  test('OpenAPI documents it as {file_path}', () => {
    const paths = filesApp().openapi().paths as Record<string, { get: { parameters: { name: string; in: string; required: boolean; schema: { type?: string } }[] } }>;
    assert.deepEqual(Object.keys(paths), ['/files/{file_path}']);
    const [parameter] = paths['/files/{file_path}']!.get.parameters;
    assert.equal(parameter!.name, 'file_path');
    assert.equal(parameter!.in, 'path');
    assert.equal(parameter!.required, true);
    assert.equal(parameter!.schema.type, 'string');
  });
});

describe('validated and called like any other parameter', () => {
  // FastAPI validates a path parameter by its declared type: a failure is 422 at ["path", name].
  test('a params schema validates it, and a 422 names it at ["path","file_path"]', async () => {
    const app = new App({ logger: false });
    app.get('/files/*file_path', { params: t.Object({ file_path: t.String({ pattern: '^[a-z/.]+$' }) }, { additionalProperties: false }) }, ({ params }) => params);
    assert.deepEqual((await app.inject('/files/docs/a.txt')).json(), { file_path: 'docs/a.txt' });
    const res = await app.inject('/files/Docs/a.txt');
    assert.equal(res.statusCode, 422);
    const [issue] = res.json<{ detail: { type: string; loc: unknown[]; input: unknown }[] }>().detail;
    assert.equal(issue!.type, 'string_pattern_mismatch');
    assert.deepEqual(issue!.loc, ['path', 'file_path']);
    assert.equal(issue!.input, 'Docs/a.txt');
  });

  test('with other parameters before it', async () => {
    const app = new App({ logger: false });
    app.get('/users/:user_id/files/*file_path', { params: t.Object({ user_id: t.Integer(), file_path: t.String() }) }, ({ params }) => params);
    assert.deepEqual((await app.inject('/users/3/files/a/b%20c.txt')).json(), { user_id: 3, file_path: 'a/b c.txt' });
  });

  test('the typed client fills it, its slashes kept', async () => {
    const app = new App({ logger: false }).get('/files/*file_path', ({ params }) => ({ file_path: params.file_path }));
    const { port } = await app.listen({ port: 0, handleSignals: false });
    try {
      const client = createClient<typeof app>(`http://127.0.0.1:${port}`);
      const res = await client.get('/files/*file_path', { params: { file_path: 'home/johndoe/my file.txt' } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.data, { file_path: 'home/johndoe/my file.txt' });
    } finally {
      await app.close();
    }
  });

  test('"/files/*" and "/files/*file_path" are the same route; a wildcard must end the path', () => {
    const app = new App({ logger: false });
    app.get('/files/*', () => 1);
    app.get('/files/*file_path', () => 2);
    assert.throws(() => app.ready(), { code: 'LW_ERR_DUPLICATE_ROUTE' });
    assert.throws(() => new App({ logger: false }).get('/files/*file_path/meta', () => 1), {
      code: 'LW_ERR_INVALID_ROUTE',
      message: /has a "\*" that does not end it/,
    });
    assert.throws(() => new App({ logger: false }).get('/files/:name/*name', () => 1), {
      code: 'LW_ERR_INVALID_ROUTE',
      message: /names two parameters "name"/,
    });
  });
});
