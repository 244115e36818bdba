// The published package: compiled ESM plus type declarations, importable by name with plain
// Node (no tsx), as a user's app would import it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

test('builds to dist/ with declarations and serves a route when imported as "loopwise"', async () => {
  await run(process.execPath, [`${root}scripts/build.mjs`], { cwd: root, timeout: 120_000 });
  assert.ok(existsSync(`${root}dist/index.js`));
  assert.ok(existsSync(`${root}dist/index.d.ts`));

  const script = `
    import { App, t } from 'loopwise';
    const app = new App({ logger: false });
    app.get('/users/:id', { params: t.Object({ id: t.Integer() }) }, async ({ params }) => ({ id: params.id }));
    const ok = await app.inject('/users/7');
    const bad = await app.inject('/users/x');
    console.log(JSON.stringify([ok.statusCode, ok.json(), bad.statusCode]));
  `;
  // Plain node, no loader: the compiled package must stand on its own.
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 30_000 });
  assert.deepEqual(JSON.parse(stdout), [200, { id: 7 }, 422]);
});

// The worker threads of an installed loopwise start from dist/offload/worker-entry.mjs and import
// the user's module, which may be JavaScript or TypeScript.
const runner = `${root}test/package/fixtures/run-offload-app.mjs`;
const major = Number(process.versions.node.split('.')[0]);

async function runOffloadApp(app: string, nodeArgs: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [...nodeArgs, runner, `${root}test/package/fixtures/${app}`], { cwd: root, timeout: 60_000 });
  return JSON.parse(stdout);
}

function assertOffloaded(result: any): void {
  assert.equal(result.where[0], 200);
  assert.notEqual(result.where[1].threadId, 0, 'the offloaded route ran on the main thread');
  assert.deepEqual([result.triple[0], result.triple[1].value], [200, 21]);
  assert.notEqual(result.triple[1].threadId, 0, 'the task ran on the main thread');
}

test('the built package offloads a JavaScript app module with plain node', async () => {
  assert.ok(existsSync(`${root}dist/offload/worker-entry.mjs`), 'run after the build test above');
  assertOffloaded(await runOffloadApp('offload-app.mjs', []));
});

test(`the built package offloads a TypeScript app module (${major >= 23 ? 'Node strips the types itself' : 'through tsx on this Node'})`, async () => {
  assertOffloaded(await runOffloadApp('offload-app.ts', major >= 23 ? [] : ['--import', 'tsx']));
});
