// `loopwise new <dir>` as a user runs it, and the proof that what it generates works: the new
// project's own `npm test` and `npm run typecheck` pass against this loopwise, built as a package.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { packageName } from '../../src/cli/new-command.js';
import { onBun } from '../support/runtime.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'src/cli/loopwise.ts');
const loopwise = (...args: string[]) => run(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, timeout: 30_000 });
// The project's tests run in a process of their own, not as part of this test run (node:test tells a child by this variable).
const { NODE_TEST_CONTEXT: _, ...ownEnv } = process.env;
const projectEnv = { ...ownEnv, NODE_OPTIONS: '', npm_config_update_notifier: 'false' };

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'loopwise-new-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Every file under dir, relative to it, sorted; symbolic links are not followed. Walked by hand:
 * Bun's (1.4.5) recursive readdirSync follows symlinked folders, and node_modules links loop.
 */
function filesOf(dir: string, under = dir): string[] {
  return readdirSync(under, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesOf(dir, join(under, entry.name)) : entry.isFile() ? [relative(dir, join(under, entry.name))] : []))
    .sort();
}

test('generates a project whose own test and typecheck scripts pass against this loopwise, built as a package', async () => {
  // This loopwise as npm would install it: the build in a package dir of its own (never the repo's dist/).
  const pkg = join(tmp, 'pkg');
  const build = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], { cwd: root, timeout: 60_000 });

  const project = join(tmp, 'My Shop');
  const created = await loopwise('new', project);
  assert.equal(
    created.stdout,
    `Created ${project}: package.json, tsconfig.json, app.ts, test/app.test.ts, README.md, .gitignore\n\nNext steps:\n  cd '${project}'\n  npm install\n  npm run dev      # then open http://127.0.0.1:8000/docs\n`,
  );
  assert.deepEqual(filesOf(project), ['.gitignore', 'README.md', 'app.ts', 'package.json', 'test/app.test.ts', 'tsconfig.json']);
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
  const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.deepEqual(manifest, {
    name: 'my-shop',
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: ours.engines.node },
    scripts: { dev: 'loopwise dev app.ts', start: 'loopwise run app.ts', test: 'node --import tsx --test test/*.test.ts', typecheck: 'tsc --noEmit' },
    // Run from a clone, the starter asks for that clone: a registry version may not exist yet.
    dependencies: { loopwise: `file:${root.replace(/\/$/, '')}`, 'swagger-ui-dist': ours.peerDependencies['swagger-ui-dist'] },
    devDependencies: {
      '@types/node': `^${ours.devDependencies['@types/node']}`,
      'pino-pretty': ours.peerDependencies['pino-pretty'],
      tsx: ours.peerDependencies.tsx,
      typescript: `^${ours.devDependencies.typescript}`,
    },
  });
  const tsconfig = JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8'));
  assert.equal(tsconfig.compilerOptions.strict, true);
  assert.equal(tsconfig.compilerOptions.module, 'NodeNext');
  assert.match(readFileSync(join(project, 'app.ts'), 'utf8'), /^import \{ App, HTTPException, endpoint, t, type Static \} from 'loopwise';/);
  const readme = readFileSync(join(project, 'README.md'), 'utf8');
  for (const command of ['npm run dev', 'npm test', 'npm start']) assert.ok(readme.includes(`\n${command} `), `README.md shows ${command}`);
  assert.match(readFileSync(join(project, '.gitignore'), 'utf8'), /^node_modules\/$/m);

  await build;
  copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  // `npm install`, by hand: loopwise is the package above; the dev tools are the repo's.
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  mkdirSync(join(modules, '.bin'));
  symlinkSync(pkg, join(modules, 'loopwise'));
  for (const dep of ['typescript', 'tsx', '@types/node']) symlinkSync(join(root, 'node_modules', dep), join(modules, dep));
  symlinkSync('../typescript/bin/tsc', join(modules, '.bin/tsc'));

  const npm = (script: string) => run('npm', ['run', '--silent', script], { cwd: project, timeout: 60_000, env: projectEnv });
  // The new app carries its routes in its type: a typed client's calls check, and a wrong one fails.
  const clientCheck = join(project, 'client-check.ts');
  writeFileSync(
    clientCheck,
    [
      "import { createClient } from 'loopwise/client';",
      "import type { app } from './app.js';",
      "const api = createClient<typeof app>('http://127.0.0.1:8000');",
      'export async function calls(): Promise<string> {',
      "  const res = await api.get('/items/:id', { params: { id: 1 } });",
      "  await api.post('/items', { body: { name: 'Pen', price: 2.5 } });",
      "  // @ts-expect-error: the id is an integer",
      "  await api.get('/items/:id', { params: { id: 'one' } });",
      "  return res.status === 200 ? res.data.name : res.status === 404 ? res.data.detail : '';",
      '}',
      '',
    ].join('\n'),
  );
  const [tested, typechecked] = await Promise.all([npm('test'), npm('typecheck')]);
  rmSync(clientCheck);
  // TAP's "# pass 3" on Node 20, the spec reporter's "ℹ pass 3" where that is the default (Node ≥ 23).
  assert.match(tested.stdout, /^(# |ℹ )tests 3$/m);
  assert.match(tested.stdout, /^(# |ℹ )pass 3$/m);
  assert.equal(typechecked.stdout, '');

  // The built bin ships the starter too (no file left behind by the build), and lists the new app's routes.
  const bin = join(pkg, 'dist/cli/loopwise.js');
  const again = join(tmp, 'again');
  await run(process.execPath, [bin, 'new', again, '--loopwise', `file:${root.replace(/\/$/, '')}`], { cwd: tmp, timeout: 30_000 });
  for (const file of filesOf(project).filter((f) => !f.startsWith('node_modules/'))) {
    const expected = readFileSync(join(project, file), 'utf8').replaceAll('my-shop', 'again');
    assert.equal(readFileSync(join(again, file), 'utf8'), expected, file);
  }
  const routes = await run(process.execPath, [bin, 'routes', 'app.ts', '--json'], { cwd: project, timeout: 30_000 });
  const rows = (JSON.parse(routes.stdout) as { method: string; path: string; kind: string; validates: string[]; responses: string[] }[]).filter((r) => r.kind === 'route');
  assert.deepEqual(
    rows.map((r) => [r.method, r.path, r.validates.join(','), r.responses.join(',')]),
    [
      ['GET', '/', '', '200'],
      ['POST', '/items', 'body', '201,422'],
      ['GET', '/items/:id', 'params', '200,404,422'],
    ],
  );

  // `npm start` is `loopwise run app.ts`: the built bin serves the new app under plain node.
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  const server = spawn(process.execPath, [bin, 'run', 'app.ts', '--host', '127.0.0.1', '--port', String(port)], { cwd: project, env: projectEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let served: Response | null = null;
    for (let attempt = 0; attempt < 150 && served === null && server.exitCode === null; attempt++) {
      served = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
      if (served === null) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(served !== null, 'loopwise run app.ts did not serve the new project within 15 s');
    assert.equal(served.status, 200);
    const missing = await fetch(`http://127.0.0.1:${port}/items/999`);
    assert.equal(missing.status, 404);
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null) await once(server, 'exit');
  }
  assert.equal(server.exitCode, 0);
});

test('the generated tests fail when the app breaks its promises (they check content, not just run)', async () => {
  const project = join(tmp, 'My Shop');
  const modules = join(project, 'node_modules');
  const app = join(project, 'app.ts');
  const original = readFileSync(app, 'utf8');
  try {
    writeFileSync(app, original.replace("throw new HTTPException(404, 'Item not found')", "throw new HTTPException(404, 'Nope')"));
    // The project's tests as its test script runs them; on Bun by `bun test`, which reports on stderr.
    const testCommand = onBun ? ['test', './test/app.test.ts'] : ['--import', 'tsx', '--test', 'test/app.test.ts'];
    await assert.rejects(run(process.execPath, testCommand, { cwd: project, timeout: 30_000, env: projectEnv }), (error: { stdout: string; stderr: string }) => {
      const output = `${error.stdout}\n${error.stderr}`;
      return /^(# |ℹ | )fail 1$|^ 1 fail$/m.test(output) && /Item not found/.test(output);
    });
  } finally {
    writeFileSync(app, original);
  }
  assert.ok(readdirSync(modules).includes('loopwise'));
});

test('refuses a non-empty directory or a file with exit 2, and takes an empty directory', async () => {
  const full = join(tmp, 'full');
  mkdirSync(full);
  writeFileSync(join(full, 'notes.txt'), 'mine');
  await assert.rejects(loopwise('new', full), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.equal(error.stderr, `loopwise new: ${full} is not empty; give a new directory (loopwise new never overwrites files).\n`);
    return true;
  });
  assert.deepEqual(readdirSync(full), ['notes.txt']);

  await assert.rejects(loopwise('new', join(full, 'notes.txt')), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /notes\.txt exists and is not a directory\./);
    return true;
  });
  await assert.rejects(loopwise('new'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr, /^Usage: loopwise new <directory>/);
    return true;
  });

  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  await loopwise('new', empty);
  assert.equal(JSON.parse(readFileSync(join(empty, 'package.json'), 'utf8')).name, 'empty');
});

test('the package name comes from the directory name, made valid for npm', () => {
  assert.equal(packageName('My Shop'), 'my-shop');
  assert.equal(packageName('shop_api.v2'), 'shop_api.v2');
  assert.equal(packageName('.hidden'), 'hidden');
  assert.equal(packageName('Ünïcode App!'), 'n-code-app');
  assert.equal(packageName('!!!'), 'loopwise-app');
});
