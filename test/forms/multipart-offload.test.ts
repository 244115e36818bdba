// Multipart on an offloaded route: the main thread streams the upload (spooling past the threshold)
// and validates it; the worker gets each UploadFile rebuilt from its description (bytes for a small
// file, the temporary file's path for a large one); the main thread removes the temporary files
// once it has written the worker's response.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/index.js';
import { withTimeout } from '../support/with-timeout.js';
import { formData } from './fixtures/multipart-client.js';

const spoolDir = mkdtempSync(join(tmpdir(), 'loopwise-offload-spool-'));
const saveDir = mkdtempSync(join(tmpdir(), 'loopwise-offload-save-'));
process.env.LW_TEST_SPOOL_DIR = spoolDir;
process.env.LW_TEST_SAVE_DIR = saveDir;
let app: App;

before(async () => {
  app = (await import('./fixtures/multipart-offload-app.js')).app;
});

after(async () => {
  await withTimeout(app.close(), 10_000, 'close()');
  rmSync(spoolDir, { recursive: true, force: true });
  rmSync(saveDir, { recursive: true, force: true });
});

test('an offloaded handler gets working UploadFiles (in memory and spooled) and the temporary files are removed after its response', async () => {
  const large = 'L'.repeat(50_000);
  const form = await formData([
    ['note', 'from the main thread'],
    ['count', '3'],
    ['small', 'small!', 'small.txt', 'text/plain'],
    ['large', large, 'large.txt', 'text/plain'],
    ['more', 'm1', 'm1.bin'],
    ['more', 'M'.repeat(5_000), 'm2.bin'],
  ]);
  const res = await withTimeout(app.inject({ method: 'POST', url: '/offloaded', headers: { 'content-type': form.contentType }, body: form.body }), 10_000, 'offloaded upload');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.notEqual(body.threadId, 0, 'the handler ran on a worker thread');
  const file = (filename: string, fieldName: string, size: number, inMemory: boolean, head: string, contentType = 'text/plain') => ({
    filename, contentType, fieldName, size, inMemory, isUploadFile: true, head, streamed: size,
  });
  assert.deepEqual(body, {
    threadId: body.threadId,
    note: 'from the main thread',
    count: 3,
    small: file('small.txt', 'small', 6, true, 'small'),
    large: file('large.txt', 'large', 50_000, false, 'LLLLL'),
    more: [file('m1.bin', 'more', 2, true, 'm1', 'application/octet-stream'), file('m2.bin', 'more', 5_000, false, 'MMMMM', 'application/octet-stream')],
  });
  assert.equal(readFileSync(join(saveDir, 'large.txt'), 'utf8'), large, 'save() on the worker copies the spooled file');
  assert.equal(readFileSync(join(saveDir, 'small.txt'), 'utf8'), 'small!');
  for (let i = 0; i < 40 && readdirSync(spoolDir).length > 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.deepEqual(readdirSync(spoolDir), []);
});

test('an offloaded multipart route without files, and validation before the hand-off', async () => {
  const form = await formData([['note', 'only text']]);
  const res = await app.inject({ method: 'POST', url: '/offloaded-text', headers: { 'content-type': form.contentType }, body: form.body });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().note, 'only text');
  assert.notEqual(res.json().threadId, 0);

  const missing = await formData([['note', 'x'], ['count', 'two']]);
  const invalid = await app.inject({ method: 'POST', url: '/offloaded', headers: { 'content-type': missing.contentType }, body: missing.body });
  assert.equal(invalid.statusCode, 422);
  assert.deepEqual(invalid.json().detail.map((issue: { loc: unknown[] }) => issue.loc), [['body', 'count'], ['body', 'small'], ['body', 'large']]);
});
