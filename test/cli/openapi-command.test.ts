// `loopwise openapi <app module>` as a user runs it: a separate process that prints (or writes)
// the same document the app serves, without serving it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { app } from '../openapi/fixtures/every-feature.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/loopwise.ts', import.meta.url));
const fixture = fileURLToPath(new URL('../openapi/fixtures/every-feature.ts', import.meta.url));
const loopwise = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args], { timeout: 60_000 });

test('prints the document app.openapi() builds; --out writes it to a file, --compact on one line', async () => {
  const printed = await loopwise('openapi', fixture);
  assert.deepEqual(JSON.parse(printed.stdout), app.openapi());
  assert.match(printed.stdout, /^{\n  "openapi": "3\.1\.0",/);

  const dir = mkdtempSync(join(tmpdir(), 'loopwise-openapi-'));
  try {
    const out = join(dir, 'openapi.json');
    const written = await loopwise('openapi', fixture, '--out', out, '--compact');
    assert.equal(written.stdout, '');
    const text = readFileSync(out, 'utf8');
    assert.equal(text.trimEnd().split('\n').length, 1);
    assert.deepEqual(JSON.parse(text), app.openapi());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing module or argument fails with a clear message and exit code', async () => {
  await assert.rejects(loopwise('openapi', 'no/such/app.ts'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /loopwise openapi: LW_ERR_INVALID_OPTION: no such app module: .*no\/such\/app\.ts/);
    return true;
  });
  await assert.rejects(loopwise('openapi'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /Usage: loopwise openapi <app module>/);
    return true;
  });
  const help = await loopwise('--help');
  assert.match(help.stderr, /openapi {3}write the app's OpenAPI document/);
});
