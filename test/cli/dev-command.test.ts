// `loopwise dev` as a user runs it: the banner names the URLs, an edit is served after a restart,
// a syntax error leaves the supervisor waiting, the fixing edit (an editor's write-then-rename
// save) serves again, and SIGTERM stops the child and the supervisor.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

test('dev refuses bad usage with exit 2, and a missing module with exit 1', async () => {
  const noDir = startCli(['dev', fileURLToPath(new URL('fixtures/dev-app.ts', import.meta.url)), '--watch', '/no/such/dir']);
  const missing = startCli(['dev', 'no/such/app.ts']);
  assert.equal(await noDir.exited(), 2);
  assert.match(noDir.stderr(), /--watch takes a directory; \/no\/such\/dir is none/);
  assert.equal(await missing.exited(), 1);
  assert.match(missing.stderr(), /loopwise dev: LW_ERR_INVALID_OPTION: no such app module: .*no\/such\/app\.ts/);
});
