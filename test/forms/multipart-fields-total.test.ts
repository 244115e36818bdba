// Text fields of a multipart body are held in memory: each is bounded (maxFieldSize) and so is
// their sum (maxFieldsTotalSize), apart from the body limit, which files share. Over real sockets
// to an app in a child process (its POST /form: 1 KiB per field, 2 KiB in all); after each
// answer the same process (same pid) serves the next request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { multipartSettings } from '../../src/forms/multipart-options.js';
import { startEdgeCasesApp, type EdgeCasesApp } from '../support/edge-cases.js';
import { RawConnection, rawPost } from '../support/raw-http.js';

const BOUNDARY = 'fields-boundary';
let app: EdgeCasesApp;
let pid: number;

before(async () => {
  app = await startEdgeCasesApp();
  pid = await app.servedPid();
});
after(() => app.kill());

function form(fields: [string, string][]): string {
  const parts = fields.map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  return `${parts.join('')}--${BOUNDARY}--\r\n`;
}

async function post(fields: [string, string][]): Promise<{ status: number; body: unknown; connection: string | undefined }> {
  const connection = await RawConnection.open(app.port);
  try {
    connection.write(rawPost('/form', form(fields), `multipart/form-data; boundary=${BOUNDARY}`));
    const response = await connection.response();
    assert.ok(response !== null, 'an answer');
    return { status: response.status, body: JSON.parse(response.body), connection: response.headers.connection };
  } finally {
    connection.destroy();
  }
}

test('fields within both limits are served', async () => {
  const answer = await post([['a', 'x'.repeat(1000)], ['b', 'y'.repeat(1000)]]);
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body, { fields: ['a', 'b'] });
});

test('fields each within maxFieldSize but past maxFieldsTotalSize together → 413 naming the field that passed it', async () => {
  const answer = await post([['a', 'x'.repeat(1000)], ['b', 'y'.repeat(1000)], ['c', 'z'.repeat(100)]]);
  assert.equal(answer.status, 413);
  assert.deepEqual(answer.body, { detail: "Form field 'c' takes the form's text fields past the limit of 2048 bytes in all" });
  assert.equal(answer.connection, 'close');
  assert.equal(await app.servedPid(), pid);
});

test('one field past maxFieldSize → 413 naming it', async () => {
  const answer = await post([['big', 'x'.repeat(1500)]]);
  assert.equal(answer.status, 413);
  assert.deepEqual(answer.body, { detail: "Form field 'big' is larger than the limit of 1024 bytes per field" });
  assert.equal(await app.servedPid(), pid);
});

test('the total defaults to 2 MiB, or maxFieldSize when that is larger; an explicit total is kept, and checked', () => {
  assert.equal(multipartSettings(undefined, undefined, 'POST /x').maxFieldsTotalSize, 2 * 1024 * 1024);
  assert.equal(multipartSettings({ maxFieldSize: 5_000_000 }, undefined, 'POST /x').maxFieldsTotalSize, 5_000_000);
  assert.equal(multipartSettings(undefined, { maxFieldSize: 10, maxFieldsTotalSize: 5 }, 'POST /x').maxFieldsTotalSize, 5);
  assert.throws(() => multipartSettings({ maxFieldsTotalSize: 0 }, undefined, 'POST /x'), /multipart.maxFieldsTotalSize of the App must be a whole number ≥ 1, not 0/);
});
