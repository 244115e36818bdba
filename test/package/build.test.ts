// The published package: compiled ESM plus type declarations, importable by name with plain
// Node (no tsx), as a user's app would import it. One build, which every test below uses (each
// file here that needs dist/ builds it: they run one at a time, in any order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { onBun, skipOnBun } from '../support/runtime.js';

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

// An offload thread of the built package loads dist/worker/ (the `loopwise-offload-thread` export
// condition), a build without the server, router, docs and metrics, and still serves what an
// offloaded route needs at request time. Plain node, no loader, as a user's app would run.
// On Bun the threads load the full build (a Worker's --conditions is ignored there): the same
// routes must work, from dist/index.js.
const slimApp = `${root}test/package/fixtures/slim-worker-app.mjs`;

// The main thread's view next to the worker's: the app is imported here (full build), its
// offloaded routes run on a thread of its pool.
const slimScript = `
  const { app } = await import(${JSON.stringify(slimApp)});
  const slim = await app.inject('/slim/7');
  const teapot = await app.inject('/teapot');
  console.log(JSON.stringify({ main: import.meta.resolve('loopwise'), slim: [slim.statusCode, slim.json()], teapot: [teapot.statusCode, teapot.json()] }));
  await app.close();
`;

async function runApp(nodeArgs: string[] = []): Promise<any> {
  const { stdout } = await run(process.execPath, [...nodeArgs, '--input-type=module', '-e', slimScript], { cwd: root, timeout: 60_000 });
  return JSON.parse(stdout);
}

test('an offload thread of the built package loads the slim build and serves a route with a dependency, a response schema and a task()', async () => {
  assert.ok(existsSync(`${root}dist/worker/index.js`), 'run after the build test above');
  const result = await runApp();
  assert.match(result.main, /\/dist\/index\.js$/, 'the main thread loads the full build');
  const [status, body] = result.slim;
  assert.equal(status, 200);
  assert.notEqual(body.threadId, 0, 'the route ran on the main thread');
  if (onBun) {
    assert.match(body.from.loopwise, /\/dist\/index\.js$/, 'on Bun the thread loads the full build');
    assert.match(body.from.worker, /\/dist\/offload\/worker\.js$/);
    assert.equal(body.from.compile, 'works');
  } else {
    assert.match(body.from.loopwise, /\/dist\/worker\/index\.js$/, 'the thread resolved loopwise to the full build');
    assert.match(body.from.worker, /\/dist\/worker\/offload\/worker\.js$/, "the thread's worker module is not the slim build's");
    assert.match(body.from.compile, /runs on the main thread only/, "the thread's App is not the slim build's");
  }
  assert.deepEqual([body.doubled, body.tripled], [14, 21]);
  assert.equal(body.secret, undefined, 'the response schema did not filter the answer');
});

test("an offloaded route's exception handler runs on the slim build", async () => {
  const result = await runApp();
  const [status, body] = result.teapot;
  assert.equal(status, 418);
  assert.equal(body.teapot, 'short and stout');
  assert.notEqual(body.threadId, 0);
});

test('a main thread with Node options a worker refuses still offloads (the threads load the full build)', async () => {
  // --max-old-space-size is a V8 flag: given explicitly to a Worker it throws, so the pool keeps
  // inheriting the options and does without the condition.
  const result = await runApp(['--max-old-space-size=512']);
  const [status, body] = result.slim;
  assert.equal(status, 200);
  assert.match(body.from.loopwise, /\/dist\/index\.js$/);
  assert.equal(body.from.compile, 'works');
  assert.deepEqual([body.doubled, body.tripled], [14, 21]);
});

test('a main thread with Node options a worker accepts passes them on, with the condition', skipOnBun("a Worker's execArgv --conditions is ignored (threads resolve with the process's conditions): offload threads load the full build"), async () => {
  const result = await runApp(['--enable-source-maps']);
  assert.match(result.slim[1].from.loopwise, /\/dist\/worker\/index\.js$/);
});
