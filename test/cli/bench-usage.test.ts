// `loopwise bench` refusing what it cannot run, as a user runs it (a separate process): a module
// without an App, bad options, a URL that shows no loop guard. Nothing is loaded or timed, so
// unlike bench-command.test.ts this file need not run alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tsImport } from '../support/runtime.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/loopwise.ts', import.meta.url));
const fixture = fileURLToPath(new URL('../evidence/fixtures/bench-app.ts', import.meta.url));
const realApp = fileURLToPath(new URL('../evidence/fixtures/real-app.ts', import.meta.url));
const bench = (args: string[]) => run(process.execPath, [...tsImport, cli, 'bench', ...args], { timeout: 60_000 });

test('a malformed --header, or --auth-token with an Authorization header, is refused (exit 2)', async () => {
  await assert.rejects(bench([realApp, '--header', 'Authorization Bearer secret']), (error: any) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /--header takes 'Name: value' .*: there is no colon/);
    return true;
  });
  await assert.rejects(bench([realApp, '--auth-token', 'secret', '--header', 'authorization: Bearer x']), (error: any) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /give --auth-token or --header 'Authorization: …', not both/);
    return true;
  });
});

test('a module without an App, or bad options, fail with a clear message and exit code', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-cli-'));
  try {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const x = 1;\n');
    await assert.rejects(run(process.execPath, [...tsImport, cli, 'bench', empty], { timeout: 30_000 }), (error: any) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /exports no App: export it/);
      return true;
    });
    await assert.rejects(run(process.execPath, [...tsImport, cli, 'bench', fixture, '--concurrency', 'zero'], { timeout: 30_000 }), (error: any) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /--concurrency takes whole numbers/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a URL that shows no loop guard (nothing listens) fails with a clear message (exit 1)', async () => {
  await assert.rejects(run(process.execPath, [...tsImport, cli, 'bench', 'http://127.0.0.1:9', '--route', 'GET /'], { timeout: 30_000 }), (error: any) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /does not show loopwise's loop guard/);
    return true;
  });
});
