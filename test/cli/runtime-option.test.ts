// `--runtime bun|node` as a user runs it: `loopwise run`, `dev`, `bench`, `routes` and `openapi` serve (or load) the
// app on the runtime asked for, whichever runtime runs the command itself (the other one is
// started for it, and stops with it); the output names the runtime; SIGTERM still drains and exits
// 0; no Bun to be found is a clear error. The project's pinned Bun (node_modules/.bin/bun) is used.
// `bench --runtime bun`, whose verdicts come from timings, is in runtime-option-bench.test.ts (run alone).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findRuntime, requireRuntime } from '../../src/cli/find-runtime.js';
import { socketGet } from '../support/socket-get.js';
import { PINNED_BUN_VERSION, cliCommand, freePort, killAll, startCli, waitUntilRefused, waitUntilServing, type CliProcess } from '../support/cli-process.js';

after(killAll);

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const onBun = process.versions.bun !== undefined;
const here = cliCommand();
const json = async (port: number, path: string) => JSON.parse((await socketGet(port, path, false, 10_000)).body) as Record<string, unknown>;

test('findRuntime: the project\'s node_modules/.bin (from a folder below it too) before PATH; none is null, and requireRuntime says how to install Bun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-runtime-'));
  try {
    const [project, onPath] = [join(dir, 'project'), join(dir, 'bin')];
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    mkdirSync(join(project, 'src', 'api'), { recursive: true });
    mkdirSync(onPath);
    const fake = (path: string) => {
      writeFileSync(path, '#!/bin/sh\n');
      chmodSync(path, 0o755);
    };
    const env = { PATH: onPath };
    assert.equal(findRuntime('bun', join(project, 'src'), env), null);
    assert.throws(
      () => requireRuntime('bun', join(project, 'src'), env),
      /LW_ERR_MISSING_PACKAGE: --runtime bun: no bun executable in node_modules\/\.bin of .*src or a folder above it, nor on PATH\. Install it in the project: npm install --save-dev bun/,
    );
    fake(join(onPath, 'bun'));
    assert.equal(findRuntime('bun', join(project, 'src'), env), join(onPath, 'bun'));
    writeFileSync(join(project, 'node_modules', '.bin', 'bun'), 'not executable');
    assert.equal(findRuntime('bun', join(project, 'src', 'api'), env), join(onPath, 'bun'), 'a file that cannot run is no runtime');
    fake(join(project, 'node_modules', '.bin', 'bun'));
    assert.equal(findRuntime('bun', join(project, 'src', 'api'), env), join(project, 'node_modules', '.bin', 'bun'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A GET of /slow whose first chunk has arrived; resolves with the whole answer. */
async function slowRequestInFlight(port: number, ms: number): Promise<Promise<string>> {
  let started!: () => void;
  const inFlight = new Promise<void>((resolve) => (started = resolve));
  const done = new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/slow?ms=${ms}`, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.startsWith('start\n')) started();
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  await Promise.race([inFlight, done.then(() => assert.fail('/slow ended before it started'))]);
  return done;
}

/** SIGTERM to the command (only): the in-flight request completes, the port closes, exit 0. */
async function assertGracefulStop(cli: CliProcess, port: number): Promise<void> {
  const answer = await slowRequestInFlight(port, 1000);
  cli.child.kill('SIGTERM');
  assert.ok(await waitUntilRefused(port), 'new connections were still accepted after SIGTERM');
  assert.match(await answer, /^start\nx+\nend\n$/);
  assert.equal(await cli.exited(15_000), 0, cli.stderr());
  assert.match(cli.stdout(), /SIGTERM received: finishing in-flight requests, then exiting/);
}

test(`run --runtime bun (from ${onBun ? 'Bun' : 'Node'}): served on Bun ${PINNED_BUN_VERSION}, said in the first line; SIGTERM drains and exits 0`, async () => {
  const port = await freePort();
  const cli = startCli(['run', '--runtime', 'bun', fixture('serve-app.ts'), '--host', '127.0.0.1', '--port', String(port)], { command: here, env: { LOG_LEVEL: undefined } });
  await waitUntilServing(port, cli);
  const served = await json(port, '/runtime');
  assert.equal(served.bun, PINNED_BUN_VERSION);
  // From Node, Bun runs in a process of its own; on Bun, there is nothing to start.
  assert.equal(served.pid === cli.child.pid, onBun);
  const first = JSON.parse(cli.stdout().split('\n')[0]!) as { msg: string; runtime: string; name: string };
  assert.deepEqual([first.name, first.runtime, first.msg], ['loopwise', `Bun ${PINNED_BUN_VERSION}`, `starting ${fixture('serve-app.ts')} on Bun ${PINNED_BUN_VERSION}`]);
  await assertGracefulStop(cli, port);
  assert.equal(cli.stderr(), '');
});

test('run --runtime node: served on Node, said in the first line; SIGTERM drains and exits 0', async () => {
  const port = await freePort();
  const cli = startCli(['run', fixture('serve-app.ts'), '--runtime=node', '--host', '127.0.0.1', '--port', String(port)], { command: here, env: { LOG_LEVEL: undefined } });
  await waitUntilServing(port, cli);
  assert.equal((await json(port, '/runtime')).bun, null);
  assert.match(cli.stdout().split('\n')[0]!, /"runtime":"Node \d+\.\d+\.\d+","msg":"starting .*serve-app\.ts on Node \d+\.\d+\.\d+"/);
  await assertGracefulStop(cli, port);
});

test('the command killed outright (SIGKILL) takes the server it started on the other runtime with it', async () => {
  const other = onBun ? 'node' : 'bun';
  const port = await freePort();
  const cli = startCli(['run', '--runtime', other, fixture('serve-app.ts'), '--host', '127.0.0.1', '--port', String(port)], { command: here });
  await waitUntilServing(port, cli);
  const { pid } = (await json(port, '/runtime')) as { pid: number };
  assert.notEqual(pid, cli.child.pid);
  cli.child.kill('SIGKILL');
  assert.ok(await waitUntilRefused(port, 15_000), `the ${other} server outlived its command`);
});

test('run --runtime bun where no Bun can be found: exit 1, saying how to install it; a wrong runtime name: exit 2 with the usage', async () => {
  // Node, started with no PATH, from a folder without node_modules: nothing to find Bun with.
  const node = onBun ? requireRuntime('node') : process.execPath;
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-nobun-'));
  try {
    const [command, ...args] = cliCommand(node);
    await assert.rejects(
      promisify(execFile)(command!, [...args, 'run', '--runtime', 'bun', fixture('serve-app.ts'), '--port', '0'], { cwd: dir, env: { ...process.env, PATH: '' }, timeout: 30_000 }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1, error.stderr);
        assert.match(error.stderr, /^loopwise run: LW_ERR_MISSING_PACKAGE: --runtime bun: no bun executable in node_modules\/\.bin of .* nor on PATH\. Install it in the project: npm install --save-dev bun/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const wrong = startCli(['run', '--runtime', 'deno', fixture('serve-app.ts')], { command: here });
  assert.equal(await wrong.exited(), 2);
  assert.match(wrong.stderr(), /loopwise run: --runtime takes bun or node, not "deno"\n\nUsage: loopwise run/);
});

test('routes and openapi --runtime bun load an app that imports bun:sqlite; on Node without it, exit 1 saying the app needs Bun', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-bun-only-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    const app = join(dir, 'app.ts');
    writeFileSync(
      app,
      `import { Database } from 'bun:sqlite';\nimport { App } from ${JSON.stringify(pathToFileURL(join(root, 'src/index.ts')).href)};\n` +
        "const db = new Database(':memory:');\nexport const app = new App({ title: 'notes' });\napp.get('/notes', async () => db.query('select 1 as one').all());\n",
    );
    const routes = startCli(['routes', app, '--runtime', 'bun', '--json'], { command: here });
    assert.equal(await routes.exited(30_000), 0, routes.stderr());
    const rows = JSON.parse(routes.stdout()) as { method: string; path: string; name: string | null }[];
    const notes = rows.find((row) => row.path === '/notes');
    assert.deepEqual([notes?.method, notes?.name], ['GET', 'getNotes']);
    const openapi = startCli(['openapi', app, '--runtime=bun', '--compact'], { command: here });
    assert.equal(await openapi.exited(30_000), 0, openapi.stderr());
    const document = JSON.parse(openapi.stdout()) as { info: { title: string }; paths: Record<string, { get?: { operationId: string } }> };
    assert.deepEqual([document.info.title, document.paths['/notes']?.get?.operationId], ['notes', 'getNotes']);

    // Loaded on Node (the CLI's own runtime there; --runtime node from Bun): Node cannot import bun:sqlite.
    const onNode = startCli(['openapi', app, ...(onBun ? ['--runtime', 'node'] : [])], { command: here });
    assert.equal(await onNode.exited(30_000), 1, onNode.stderr());
    assert.match(onNode.stderr(), /^loopwise openapi: LW_ERR_RUNTIME: .*app\.ts \(or a module it loads\) imports (bun:sqlite|a bun: module), which only Bun has, and this command runs on Node [\d.]+\. Add --runtime bun to the command/);
    const wrong = startCli(['routes', app, '--runtime', 'deno'], { command: here });
    assert.equal(await wrong.exited(), 2);
    assert.match(wrong.stderr(), /^loopwise routes: --runtime takes bun or node, not "deno"\n\nUsage: loopwise routes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run --runtime bun of an app that imports a file with a syntax error: exit 1, naming the file, line and column', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-syntax-'));
  try {
    writeFileSync(join(dir, 'broken.ts'), 'export const a = 1;\nfoo bar;\n');
    writeFileSync(join(dir, 'app.ts'), `import { App } from ${JSON.stringify(pathToFileURL(join(root, 'src/index.ts')).href)};\nimport './broken.ts';\nexport const app = new App();\n`);
    const cli = startCli(['run', '--runtime', 'bun', join(dir, 'app.ts'), '--port', '0'], { command: here });
    assert.equal(await cli.exited(30_000), 1, cli.stderr());
    // Bun's syntax error has no stack: only 'Expected ";" but found "bar"' was said.
    assert.match(cli.stderr(), /loopwise run: Expected ";" but found "bar"\n\s+at .*broken\.ts:2:5\n\s+foo bar;/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dev --runtime bun: the banner says Bun, the app is served on it; SIGTERM stops everything with exit 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-dev-bun-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    const loopwise = pathToFileURL(join(root, 'src/index.ts')).href;
    writeFileSync(join(dir, 'app.ts'), readFileSync(fixture('dev-app.ts'), 'utf8').replace("'../../../src/index.js'", JSON.stringify(loopwise)));
    const port = await freePort();
    const cli = startCli(['dev', join(dir, 'app.ts'), '--runtime', 'bun', '--port', String(port)], { command: here, env: { LOOPWISE_HOST: undefined, LOOPWISE_DEV: undefined } });
    await cli.waitForOutput(new RegExp(`loopwise dev on Bun ${PINNED_BUN_VERSION.replace(/\./g, '\\.')}\\n +Dev fixture is running at http://127\\.0\\.0\\.1:${port}\\n`));
    assert.deepEqual(await json(port, '/runtime'), { bun: PINNED_BUN_VERSION });
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(15_000), 0, cli.stderr());
    assert.ok(await waitUntilRefused(port));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
