// An offload thread of the built package loads dist/worker/ (the `loopwise-offload-thread` export
// condition), a build without the server, router, docs and metrics, and still serves what an
// offloaded route needs at request time. Plain node, no loader, as a user's app would run.
// On Bun the threads load the full build (a Worker's --conditions is ignored there): the same
// routes must work, from dist/index.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { onBun, skipOnBun } from '../support/runtime.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const app = `${root}test/package/fixtures/slim-worker-app.mjs`;

// The main thread's view next to the worker's: the app is imported here (full build), its
// offloaded routes run on a thread of its pool.
const script = `
  const { app } = await import(${JSON.stringify(app)});
  const slim = await app.inject('/slim/7');
  const teapot = await app.inject('/teapot');
  console.log(JSON.stringify({ main: import.meta.resolve('loopwise'), slim: [slim.statusCode, slim.json()], teapot: [teapot.statusCode, teapot.json()] }));
  await app.close();
`;

async function runApp(nodeArgs: string[] = []): Promise<any> {
  const { stdout } = await run(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
  return JSON.parse(stdout);
}

test('an offload thread of the built package loads the slim build and serves a route with a dependency, a response schema and a task()', async () => {
  await run(process.execPath, [`${root}scripts/build.mjs`], { cwd: root, timeout: 180_000 });
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
