// `loopwise dev` as a user runs it: the banner names the URLs, an edit is served after a restart,
// a syntax error leaves the supervisor waiting, the fixing edit (an editor's write-then-rename
// save) serves again, and SIGTERM stops the child and the supervisor. Only the files the app
// imports restart it (not a scratch file, nor what --ignore names), and no process outlives it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { socketGet } from '../support/socket-get.js';
import { freePort, killAll, startCli, waitUntilRefused } from '../support/cli-process.js';

after(killAll);

const source = readFileSync(fileURLToPath(new URL('fixtures/dev-app.ts', import.meta.url)), 'utf8');
const loopwise = pathToFileURL(fileURLToPath(new URL('../../src/index.ts', import.meta.url))).href;

/** Polls (bounded) until GET /version answers `version`; errors while the app restarts are expected. */
async function waitForVersion(port: number, version: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const { body } = await socketGet(port, '/version', false, 2_000);
      if ((JSON.parse(body) as { version: string }).version === version) return;
      last = body;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(50);
  }
  assert.fail(`GET /version did not answer ${version} within ${ms} ms (last: ${last})`);
}

test('dev serves the app with a banner, restarts it on edits, and waits out a syntax error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-dev-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }'); // as an ESM project has it
    const app = join(dir, 'app.ts');
    const write = (version: string) => source.replace("'../../../src/index.js'", JSON.stringify(loopwise)).replace("const VERSION = 'one'", `const VERSION = '${version}'`);
    writeFileSync(app, write('one'));
    const port = await freePort();
    const cli = startCli(['dev', app, '--port', String(port)], { env: { LOOPWISE_HOST: undefined, LOOPWISE_DEV: undefined } });

    const url = `http://127.0.0.1:${port}`;
    await cli.waitForOutput(new RegExp(`metrics: +${url}/metrics`));
    assert.match(cli.stdout(), new RegExp(`Dev fixture is running at ${url}\\n +API docs: +${url}/docs\\n`));
    await waitForVersion(port, 'one');
    assert.deepEqual(JSON.parse((await socketGet(port, '/env')).body), { dev: '1' });

    writeFileSync(app, write('two'));
    await waitForVersion(port, 'two');
    await cli.waitForOutput(/loopwise dev: .*app\.ts changed; restarting/);

    writeFileSync(app, `${write('three')}\nexport const broken = ;\n`);
    await cli.waitForOutput(/the app did not start \(exit code 1\); its error is above\. Waiting for a change/);
    assert.equal(cli.child.exitCode, null, 'the supervisor exited on a syntax error');

    // The fix, saved as many editors do: a new file renamed over the old one.
    writeFileSync(`${app}.tmp`, write('four'));
    renameSync(`${app}.tmp`, app);
    await waitForVersion(port, 'four');

    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(15_000), 0, cli.stderr());
    assert.ok(await waitUntilRefused(port, 5_000), 'the app still serves after the supervisor exited');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Polls (bounded) until GET `path` answers 200 with a body matching `pattern`; returns the body. */
async function waitForBody(port: number, path: string, pattern: RegExp, ms = 30_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const { status, body } = await socketGet(port, path, false, 2_000);
      if (status === 200 && pattern.test(body)) return body;
      last = `${status} ${body}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(50);
  }
  return assert.fail(`GET ${path} did not match ${pattern} within ${ms} ms (last: ${last})`);
}

const pidOf = async (port: number): Promise<number> => (JSON.parse((await socketGet(port, '/pid')).body) as { pid: number }).pid;
const restarts = (cli: { stderr(): string }): string[] => cli.stderr().split('\n').filter((line) => line.includes('; restarting'));

/** The supervisor's child processes (the serving app and the standby), from Linux's /proc. */
function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

async function allGone(pids: number[], ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return true;
    await sleep(50);
  }
  return false;
}

test('dev restarts only for files the app imports: scratch files and --ignore\'d ones leave the same process serving', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-dev-graph-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    mkdirSync(join(dir, 'data'));
    const app = join(dir, 'app.ts');
    const writeApp = (imports: string[]) =>
      writeFileSync(app, [
        `import { App } from ${JSON.stringify(loopwise)};`,
        ...imports.map((name, index) => `import { TEXT as text${index} } from './${name}';`),
        `export const app = new App({ title: 'Graph fixture', logger: false, metrics: { defaultMetrics: false } });`,
        `app.get('/pid', () => ({ pid: process.pid }));`,
        `app.get('/text', () => ({ text: [${imports.map((_, index) => `text${index}`).join(', ')}].join(' ') }));`,
      ].join('\n'));
    const writeText = (name: string, text: string) => writeFileSync(join(dir, name), `export const TEXT = ${JSON.stringify(text)};\n`);
    writeText('message.ts', 'hello');
    writeText('data/seed.ts', 'seed');
    writeText('settings.local.ts', 'local');
    writeApp(['message.ts', 'data/seed.ts', 'settings.local.ts']);
    const port = await freePort();
    const cli = startCli(['dev', app, '--port', String(port), '--ignore', join(dir, 'data'), '--ignore', '*.local.ts'], { env: { LOOPWISE_HOST: undefined, LOOPWISE_DEV: undefined } });
    await waitForBody(port, '/text', /"hello seed local"/);
    const firstPid = await pidOf(port);

    // Not imported (a scratch module, a JSON file), or imported but ignored: none restarts the app.
    writeFileSync(join(dir, 'scratch.ts'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'notes.json'), '{}');
    writeText('data/seed.ts', 'seed two');
    writeText('settings.local.ts', 'local two');
    await sleep(1_500); // the watcher's debounce is 100 ms: any restart would have begun by now
    assert.equal(await pidOf(port), firstPid, 'the app was restarted');
    assert.deepEqual(restarts(cli), []);

    // A module it imports restarts it, with the new code (and the ignored edits, loaded afresh).
    writeText('message.ts', 'bonjour');
    await waitForBody(port, '/text', /"bonjour seed two local two"/);
    assert.notEqual(await pidOf(port), firstPid);
    assert.equal(restarts(cli).length, 1);
    assert.match(restarts(cli)[0]!, /message\.ts changed; restarting/);

    // A new file is not the app's until the app imports it; then its changes restart the app.
    writeText('extra.ts', 'extra');
    writeApp(['message.ts', 'extra.ts']);
    await waitForBody(port, '/text', /"bonjour extra"/);
    writeText('extra.ts', 'extra two');
    await waitForBody(port, '/text', /"bonjour extra two"/);
    assert.equal(restarts(cli).length, 3, cli.stderr());
    assert.doesNotMatch(cli.stderr(), /scratch\.ts|notes\.json|seed\.ts|settings\.local\.ts/);

    // An app that failed to load has no known imports: any source change tries it again.
    writeFileSync(app, 'export const broken = ;\n');
    await cli.waitForOutput(/the app did not start \(exit code 1\)/);
    writeFileSync(join(dir, 'scratch.ts'), 'export const x = 2;\n');
    await cli.waitForOutput(/scratch\.ts changed; restarting[^]*the app did not start/);
    writeApp(['message.ts']);
    await waitForBody(port, '/text', /"bonjour"/);

    // SIGTERM stops the app and the standby waiting behind it: no process is left.
    const children = childPids(cli.child.pid!);
    assert.equal(children.length, 2, `the app and its standby: ${children.join(', ')}`);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited(15_000), 0, cli.stderr());
    assert.ok(await allGone(children), 'a child outlived the supervisor');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dev\'s processes stop when the supervisor is killed outright', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-dev-kill-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    const app = join(dir, 'app.ts');
    writeFileSync(app, source.replace("'../../../src/index.js'", JSON.stringify(loopwise)));
    const port = await freePort();
    const cli = startCli(['dev', app, '--port', String(port)], { env: { LOOPWISE_HOST: undefined, LOOPWISE_DEV: undefined } });
    await waitForVersion(port, 'one');
    const pid = await pidOf(port);
    // Once the app listens the supervisor starts the standby: wait (bounded) to see both.
    let children: number[] = [];
    for (let attempt = 0; attempt < 300 && children.length < 2; attempt++) {
      children = childPids(cli.child.pid!);
      await sleep(50);
    }
    assert.deepEqual(children.sort(), [pid, ...children.filter((child) => child !== pid)].sort());
    assert.equal(children.length, 2);
    cli.child.kill('SIGKILL');
    await cli.exited(5_000);
    assert.ok(await allGone(children), 'the app or its standby outlived a killed supervisor');
    assert.ok(await waitUntilRefused(port, 5_000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dev refuses bad usage with exit 2, and a missing module with exit 1', async () => {
  const noDir = startCli(['dev', fileURLToPath(new URL('fixtures/dev-app.ts', import.meta.url)), '--watch', '/no/such/dir']);
  const missing = startCli(['dev', 'no/such/app.ts']);
  assert.equal(await noDir.exited(), 2);
  assert.match(noDir.stderr(), /--watch takes a directory; \/no\/such\/dir is none/);
  assert.equal(await missing.exited(), 1);
  assert.match(missing.stderr(), /loopwise dev: LW_ERR_INVALID_OPTION: no such app module: .*no\/such\/app\.ts/);
});
