// FastAPI's TestClient raises a handler's unhandled error in the test (raise_server_exceptions=True):
// so does app.testClient(), for inline and offloaded routes alike, with the stack the log got.
// Errors the app answers itself (HTTPException, an exception handler) are answers, not raised.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';

const { app } = await import('../offload/fixtures/errors-app.js');
const client = app.testClient();
after(() => client.close());

for (const at of ['/inline', '/offloaded']) {
  test(`${at}: an unhandled error is thrown in the test, with its message and stack`, async () => {
    await assert.rejects(client.get(`${at}/boom`), (error: Error) => {
      assert.equal(error.message, 'database password is hunter2');
      assert.match(error.stack ?? '', /errors-app\.ts/, 'the stack points at the handler');
      return true;
    });
    await assert.rejects(client.get(`${at}/async-boom`), Error);
  });

  test(`${at}: an HTTPException or a handled error is an answer, not raised`, async () => {
    assert.equal((await client.get(`${at}/unauthorized`)).statusCode, 401);
    assert.equal((await client.get(`${at}/teapot`)).statusCode, 418);
  });

  test(`${at}: raiseServerExceptions: false gives the 500 a client sees; inject() carries the error beside it`, async () => {
    const quiet = await client.get(`${at}/boom`, { raiseServerExceptions: false });
    assert.equal(quiet.statusCode, 500);
    assert.deepEqual(quiet.json(), { detail: 'Internal Server Error' });
    const injected = await app.inject(`${at}/boom`);
    assert.equal(injected.statusCode, 500);
    assert.equal((injected.serverError as Error).message, 'database password is hunter2');
    assert.equal((await app.inject(`${at}/unauthorized`)).serverError, undefined);
  });
}

test('a client made with raiseServerExceptions: false returns every 500', async () => {
  const lenient = app.testClient({ raiseServerExceptions: false });
  assert.equal((await lenient.get('/offloaded/boom')).statusCode, 500);
});
