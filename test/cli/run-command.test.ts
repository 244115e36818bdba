// `loopwise run` as a user runs it: a separate process on a real port, the App picked by name,
// bad flags refused, `--workers` sharing the port and replacing dead workers (however often a
// route kills them; a boot failure stops it), SIGTERM draining in-flight requests, and a
// TypeScript module served by the built CLI under plain node.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { socketGet } from '../support/socket-get.js';
import { connectionRefused, freePort, killAll, startCli, waitUntilRefused, waitUntilServing, type CliProcess } from '../support/cli-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
/** The size of /slow's second chunk in fixtures/serve-app.ts. */
const SLOW_PADDING = 64 * 1024;
const json = async (port: number, path: string) => JSON.parse((await socketGet(port, path)).body) as Record<string, unknown>;

after(killAll);

/** Stops a CLI that serves, as an orchestrator would, and checks it exits 0. */
async function stopCli(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited(), 0, cli.stderr());
}

test('serves the App named app, or the one named after the colon; flags and variables reach the App; logs only the app\'s lines', async () => {
  const [first, second] = [await freePort(), await freePort()];
  const plain = startCli(['run', fixture('serve-app.ts'), '--host', '127.0.0.1', '--port', String(first)], { env: { LOG_LEVEL: undefined, LOOPWISE_DEV: undefined } });
  // Environment equivalents: LOOPWISE_PORT wins over PORT; a flag wins over its variable.
  const named = startCli(['run', `${fixture('serve-app.ts')}:admin`, '--no-access-log', '--log-level', 'warn'], {
    env: { LOOPWISE_HOST: '127.0.0.1', LOOPWISE_PORT: String(second), PORT: '1', LOG_LEVEL: 'debug', LOOPWISE_DEV: undefined },
  });
  await Promise.all([waitUntilServing(first, plain), waitUntilServing(second, named)]);

  assert.deepEqual(await json(first, '/json'), { message: 'hello' });
  assert.deepEqual(await json(first, '/env'), { accessLog: '1', logLevel: null, dev: null });
  assert.deepEqual(await json(second, '/json'), { app: 'admin' });
  assert.deepEqual(await json(second, '/env'), { accessLog: '0', logLevel: 'warn', dev: null });
  await Promise.all([stopCli(plain), stopCli(named)]);
  const lines = plain.stdout().trim().split('\n');
  assert.ok(lines.every((line) => typeof JSON.parse(line) === 'object'), plain.stdout());
  assert.ok(lines.some((line) => JSON.parse(line).msg === `CLI fixture listening on http://127.0.0.1:${first}`), plain.stdout());
  assert.equal(plain.stderr(), '');
});

test('a wrong export name lists the App exports (exit 1); a bad flag exits 2 with the reason and the usage', async () => {
  const wrong = startCli(['run', `${fixture('serve-app.ts')}:nope`, '--port', '0']);
  // The rest of the flag parsing is tested in-process: test/cli/serve-options.test.ts.
  const bad = [
    [['--port', 'abc'], {}, /--port takes a port from 0 to 65535, not "abc"/],
    [[], { WEB_CONCURRENCY: '0' }, /WEB_CONCURRENCY takes a number of processes, 1 or more, not "0"/],
  ] as const;
  const refused = bad.map(([flags, env]) => startCli(['run', fixture('serve-app.ts'), ...flags], { env }));
  assert.equal(await wrong.exited(), 1);
  assert.match(wrong.stderr(), /loopwise run: LW_ERR_INVALID_OPTION: .*serve-app\.ts: it has no export named 'nope'; its App exports: admin, app\./);
  for (const [i, cli] of refused.entries()) {
    assert.equal(await cli.exited(), 2, cli.stderr());
    assert.match(cli.stderr(), bad[i]![2]);
    assert.match(cli.stderr(), /Usage: loopwise run <app module>\[:export\]/);
  }
});

test('a module that calls app.listen() itself is served once, by the CLI, and its listen() resolves with the CLI\'s address', async () => {
  const port = await freePort();
  const cli = startCli(['run', fixture('listens-itself.ts'), '--host', '127.0.0.1', '--port', String(port)]);
  await waitUntilServing(port, cli);
  assert.deepEqual(await json(port, '/json'), { message: 'hello', listening: { url: `http://127.0.0.1:${port}`, host: '127.0.0.1', port } });
  assert.ok(await connectionRefused(1), 'the module\'s own listen({ port: 1 }) opened a server');
  await stopCli(cli);
  assert.doesNotMatch(cli.stderr(), /LW_ERR_ALREADY_LISTENING/);
});

test('serves examples/seed/app.ts, whose /sync route runs on a worker thread that imports the TypeScript module too', async () => {
  const port = await freePort();
  const cli = startCli(['run', join(root, 'examples/seed/app.ts'), '--host', '127.0.0.1', '--port', String(port)], { env: { SEED_DELAY_MS: '50' } });
  await waitUntilServing(port, cli);
  // The port opens while the worker thread still loads the module through tsx (seconds on a busy
  // machine): the first offloaded request waits for it, so it gets a longer bound than the default.
  const res = await socketGet(port, '/sync', false, 30_000);
  assert.equal(res.status, 200, res.body);
  assert.deepEqual(JSON.parse(res.body), { message: 'done' });
  await stopCli(cli);
});

/** A GET of /slow whose first chunk has arrived; resolves with the whole answer. */
async function slowRequestInFlight(port: number, ms: number): Promise<Promise<{ status: number; body: string }>> {
  let started!: () => void;
  const inFlight = new Promise<void>((resolve) => (started = resolve));
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/slow?ms=${ms}`, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.startsWith('start\n')) started();
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  await Promise.race([inFlight, done.then(() => assert.fail('/slow ended before it started'))]);
  return done;
}

/** SIGTERM while /slow is in flight: it completes whole, new connections are refused, exit 0. */
async function assertGracefulStop(cli: CliProcess, port: number): Promise<void> {
  const answer = await slowRequestInFlight(port, 1500);
  cli.child.kill('SIGTERM');
  assert.ok(await waitUntilRefused(port), 'new connections were still accepted after SIGTERM');
  const { status, body } = await answer;
  assert.equal(status, 200);
  assert.equal(body, `start\n${'x'.repeat(SLOW_PADDING)}\nend\n`);
  assert.equal(await cli.exited(15_000), 0, cli.stderr());
  assert.match(cli.stdout(), /SIGTERM received: finishing in-flight requests, then exiting/);
}

test('SIGTERM (--workers 1): the in-flight request completes, new connections are refused, exit 0', async () => {
  const port = await freePort();
  const cli = startCli(['run', fixture('serve-app.ts'), '--host', '127.0.0.1', '--port', String(port)]);
  await waitUntilServing(port, cli);
  await assertGracefulStop(cli, port);
});

test('--workers 2 answers from two processes, replaces a worker that is killed, and on SIGTERM drains as one process does', async () => {
  const port = await freePort();
  const cli = startCli(['run', fixture('serve-app.ts'), '--host', '127.0.0.1', '--port', String(port), '--workers', '2'], { env: { LOG_LEVEL: undefined } });
  await cli.waitForOutput(/"msg":"2 workers serving http:\/\/127\.0\.0\.1:\d+"/); // the primary's one line
  const pids = new Set<number>();
  for (let i = 0; i < 200 && pids.size < 2; i++) pids.add((await json(port, '/pid')).pid as number); // a new connection each time
  assert.equal(pids.size, 2, 'every answer came from one process');
  assert.ok(!pids.has(cli.child.pid!), 'the primary served a request itself');

  const [killed, survivor] = [...pids] as [number, number];
  process.kill(killed, 'SIGKILL');
  const seen = new Set<number>();
  let failures = 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && ![...seen].some((pid) => !pids.has(pid))) {
    try {
      seen.add((await json(port, '/pid')).pid as number);
    } catch {
      failures++; // a connection handed to the worker as it died
    }
    await sleep(20); // leave the CPU to the starting worker
  }
  const replacement = [...seen].find((pid) => !pids.has(pid));
  assert.ok(replacement !== undefined, `no new worker answered within 30 s (seen ${[...seen]}, ${failures} failures)`);
  assert.ok(seen.has(survivor), 'the surviving worker stopped answering');
  assert.ok(!seen.has(killed));
  await cli.waitForOutput(new RegExp(`worker ${killed} died \\(signal SIGKILL\\) after serving for [\\d.]+ s; starting a new one in 100 ms`), 5_000);
  await assertGracefulStop(cli, port);
});

test('--workers 2: a route that kills its worker, called over and over, never stops the primary; each restart waits twice as long, and a normal route answers again', async () => {
  const port = await freePort();
  const cli = startCli(['run', fixture('crash-route.ts'), '--host', '127.0.0.1', '--port', String(port), '--workers', '2'], { env: { LOG_LEVEL: undefined } });
  await cli.waitForOutput(/"msg":"2 workers serving http:\/\/127\.0\.0\.1:\d+"/);
  const primary = cli.child.pid!;
  const restarts = () =>
    cli.stdout().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { code?: number | null; signal?: string | null; delay?: number; msg: string }).filter((line) => line.delay !== undefined);
  // Every 40 ms, so each new worker dies within a few requests of serving: the rule this replaced
  // gave up after 5 workers in a row died within 1 s of starting, and exited 1.
  const deadline = Date.now() + 30_000;
  for (let i = 0; i < 200 && Date.now() < deadline && restarts().length < 5; i++) {
    await socketGet(port, '/crash', false, 2_000).catch(() => undefined); // the worker may die before it answers
    await sleep(40);
  }
  assert.ok(restarts().length >= 5, `fewer than 5 workers died\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
  assert.equal(cli.child.exitCode, null, `the primary exited\nstdout: ${cli.stdout()}`);

  // While the replacements wait out their backoff and boot, the port may refuse or lose a request.
  let answer: { pid: number } | null = null;
  for (const until = Date.now() + 30_000; answer === null && Date.now() < until; await sleep(50)) {
    answer = await json(port, '/pid').then((body) => body as { pid: number }, () => null);
  }
  assert.ok(answer !== null, `no worker answered /pid within 30 s\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
  assert.notEqual(answer.pid, primary);
  assert.equal(cli.child.pid, primary);
  assert.equal(cli.child.exitCode, null, 'the primary exited');
  assert.doesNotMatch(cli.stdout(), /could not start the app/);
  const logged = restarts();
  assert.deepEqual(logged.slice(0, 5).map((line) => line.delay), [100, 200, 400, 800, 1600]);
  for (const line of logged) {
    assert.equal(line.code, 7);
    assert.equal(line.signal, null);
    assert.match(line.msg, new RegExp(`^worker \\d+ died \\(exit code 7\\) after serving for [\\d.]+ s; starting a new one in ${line.delay} ms$`));
  }
  await stopCli(cli); // replacements still waiting are cancelled
});

test('--workers 2: a module that throws at import makes the primary give up at once, with the error and the reason, exit 1', async () => {
  const cli = startCli(['run', fixture('fails-at-import.ts'), '--host', '127.0.0.1', '--port', String(await freePort()), '--workers', '2'], { env: { DATABASE_URL: undefined } });
  assert.equal(await cli.exited(30_000), 1);
  assert.match(cli.stderr(), /loopwise run: Error: DATABASE_URL is not set: this app cannot start without it/);
  assert.match(cli.stdout(), /worker \d+ could not start the app \(exit code 1; its error is above\): stopping instead of starting workers that would fail the same way/);
  assert.doesNotMatch(cli.stdout(), /starting a new one/);
});

const onBun = process.versions.bun !== undefined;
const native = !onBun && typeof (process.features as { typescript?: unknown }).typescript === 'string';
const how = onBun ? `bun ${process.versions.bun} (Bun compiles it)` : `node ${process.version} (${native ? "Node's type stripping" : 'through tsx'})`;

test(`the built CLI serves a TypeScript module under plain ${how}, offloaded routes included; LOOPWISE_TSX=1 runs an enum`, async () => {
  // The package as installed: dist/ built from src/, importable as 'loopwise' (a package
  // importing itself by name), its dependencies beside it. Built here, not in the shared dist/.
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-run-built-'));
  try {
    await promisify(execFile)(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist'), '--noCheck', '--declaration', 'false', '--sourceMap', 'false'], { cwd: root, timeout: 60_000 });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'loopwise', type: 'module', exports: { '.': './dist/index.js' } }));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    mkdirSync(join(dir, 'app'));
    const copy = (name: string) => {
      writeFileSync(join(dir, 'app', name), readFileSync(fixture(name), 'utf8').replace("'../../../src/index.js'", "'loopwise'"));
      return join(dir, 'app', name);
    };
    const [typed, enums] = [copy('typed-app.ts'), copy('enum-app.ts')];
    const built = (app: string, port: number, env: Record<string, string> = {}) =>
      startCli(['run', app, '--host', '127.0.0.1', '--port', String(port)], {
        command: [process.execPath, join(dir, 'dist', 'cli', 'loopwise.js')], // no --import tsx
        env: { NODE_OPTIONS: undefined, LOOPWISE_TSX: undefined, ...env },
      });

    const [port, enumPort] = [await freePort(), await freePort()];
    const cli = built(typed, port);
    const forced = built(enums, enumPort, { LOOPWISE_TSX: '1' }); // an enum, through tsx on any Node
    await Promise.all([waitUntilServing(port, cli), waitUntilServing(enumPort, forced)]);
    assert.deepEqual(await json(port, '/json'), { message: 'hello typed', node: process.version });
    const where = await json(port, '/where'); // a worker thread imported the .ts module too
    assert.ok(typeof where.threadId === 'number' && where.threadId > 0, JSON.stringify(where));
    assert.deepEqual(await json(enumPort, '/json'), { color: 'red' });
    await Promise.all([stopCli(cli), stopCli(forced)]);

    if (onBun) {
      // Bun compiles all of TypeScript itself: the enum needs no LOOPWISE_TSX there.
      const bunPort = await freePort();
      const bun = built(enums, bunPort);
      await waitUntilServing(bunPort, bun);
      assert.deepEqual(await json(bunPort, '/json'), { color: 'red' });
      await stopCli(bun);
    } else if (native) {
      const stripped = built(enums, await freePort());
      assert.equal(await stripped.exited(), 1);
      assert.match(stripped.stderr(), /enum-app\.ts uses TypeScript that Node's type stripping cannot run \(.*enum.*\)\. Run it through tsx instead: set LOOPWISE_TSX=1/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
