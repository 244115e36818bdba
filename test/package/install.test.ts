// loopwise as a new user gets it: packed with `npm pack`, installed from the tarball into a fresh
// project outside the repo (npm's cache may serve the registry's packages, nothing of the repo's
// node_modules is visible), then `loopwise new --loopwise <tarball>`, the new project's own
// install, tests, type check, and `loopwise run` answering. Then the same from a clone's path.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { skipOnBun } from '../support/runtime.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
// Children are projects of their own: not part of this test run, no tsx from this process.
const { NODE_TEST_CONTEXT: _, ...ownEnv } = process.env;
// prefer-offline: packages the cache already holds (CI's `npm ci` put them there) are not asked
// of the registry again; what it lacks still comes from there. About 20 s less per run, here.
const env = { ...ownEnv, NODE_OPTIONS: '', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_prefer_offline: 'true' };
const npm = (args: string[], cwd: string, timeout = 240_000) => run('npm', args, { cwd, env, timeout, maxBuffer: 16 * 1024 * 1024 });

/**
 * What these install checks run is npm and the new project's own Node processes, whatever runs this
 * file: under bun test they would repeat the Node legs' checks (~1.5 min of CI) and test no Bun.
 */
const ON_NODE_ALONE = "the install's processes are npm and Node's, the same as on the Node legs, which run it";

let tmp = '';
let tarball = '';
let packed: { path: string }[] = [];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'loopwise-install-'));
  // prepare (npm runs it before packing) builds dist/ first: the tarball never ships a stale or missing build.
  const { stdout } = await npm(['pack', '--json', '--pack-destination', tmp], root);
  const [entry] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(tmp, entry!.filename);
  packed = entry!.files;
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A free port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

/** `loopwise run app.ts` in `project` until its first 200 on `/`; then /docs and /redoc; then SIGTERM. */
async function serveAndCheck(project: string, redocInstalled: boolean): Promise<void> {
  const port = await freePort();
  const bin = join(project, 'node_modules/.bin/loopwise');
  const server = spawn(bin, ['run', 'app.ts', '--host', '127.0.0.1', '--port', String(port)], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  server.stdout!.resume();
  try {
    let served: Response | null = null;
    for (let attempt = 0; attempt < 300 && served === null && server.exitCode === null; attempt++) {
      served = await fetch(`http://127.0.0.1:${port}/`).catch(() => null);
      if (served === null) await new Promise((done) => setTimeout(done, 100));
    }
    assert.ok(served !== null, `loopwise run app.ts did not serve within 30 s\n${stderr}`);
    assert.equal(served.status, 200);
    // The starter installs swagger-ui-dist: /docs is Swagger UI, its bundle comes from the package.
    const docs = await fetch(`http://127.0.0.1:${port}/docs`);
    assert.match(await docs.text(), /swagger-ui-bundle\.js/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/docs/swagger-ui-bundle.js`)).status, 200);
    // ReDoc is optional: where it is not installed, its page says what to install; it is no 500.
    const redoc = await fetch(`http://127.0.0.1:${port}/redoc`);
    assert.equal(redoc.status, 200);
    if (redocInstalled) assert.match(await redoc.text(), /redoc\.standalone\.js/);
    else assert.match(await redoc.text(), /npm install redoc/);
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null) await once(server, 'exit');
  }
}

/** The new project's own scripts, as its README tells a user to run them. */
async function newProjectWorks(project: string, redocInstalled: boolean): Promise<void> {
  await npm(['install'], project);
  const tested = await npm(['test'], project);
  assert.match(tested.stdout, /^(# |ℹ )pass 3$/m);
  assert.match(tested.stdout, /^(# |ℹ )fail 0$/m);
  // Its own typecheck script, with the libraries checked too (tsc's default, which a project may keep):
  // every type loopwise's declarations name must be found. One tsc run: it reports all the script's own would.
  await npm(['run', 'typecheck', '--', '--skipLibCheck', 'false'], project);
  await serveAndCheck(project, redocInstalled);
}

describe('the packed tarball', () => {
  it('ships the build, its sources, the docs, README and LICENSE, and nothing of the repo besides', () => {
    const paths = packed.map((file) => file.path);
    for (const needed of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/client/index.js', 'dist/cli/loopwise.js', 'dist/offload/worker-entry.mjs', 'docs/offload.md', 'src/index.ts']) {
      assert.ok(paths.includes(needed), `${needed} is in the tarball`);
    }
    for (const path of paths) assert.doesNotMatch(path, /^(test|bench|examples|node_modules|\.ci)\//, `${path} stays out`);
  });

  it('installs into an empty project within the size budget, and a new project made from it passes its own test, typecheck and run', skipOnBun(ON_NODE_ALONE), async () => {
    const user = join(tmp, 'user');
    mkdirSync(user);
    await npm(['init', '-y'], user);
    await npm(['install', '--omit=dev', tarball], user);
    const installed = join(user, 'node_modules/loopwise');
    assert.ok(existsSync(join(installed, 'dist/index.js')));

    // A lean core: at most 80 packages and 40 MB (the docs UIs, the load generator, pretty logs
    // and the TypeScript loader are optional peers).
    const { stdout: listed } = await npm(['ls', '--all', '--parseable'], user);
    const packages = new Set(listed.trim().split('\n').slice(1));
    assert.ok(packages.size <= 80, `${packages.size} packages`);
    const { stdout: du } = await run('du', ['-sk', join(user, 'node_modules')]);
    const megabytes = Number(du.split('\t')[0]) / 1024;
    assert.ok(megabytes <= 40, `${megabytes.toFixed(1)} MB`);

    // Every docs/… file a shipped message or comment names is in the package.
    for (const doc of docLinks(join(installed, 'dist'))) assert.ok(existsSync(join(installed, doc)), `${doc}, named in dist/, is shipped`);
    // Every source map points at files that are shipped, or carries the text of what it bundled.
    for (const map of filesUnder(join(installed, 'dist')).filter((f) => f.endsWith('.map'))) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      sources.forEach((source, i) => {
        const found = source.startsWith('bundled:') ? typeof sourcesContent?.[i] === 'string' : existsSync(resolve(dirname(map), source));
        assert.ok(found, `${relative(installed, map)} → ${source}`);
      });
    }
    // Bundled code ships with its license.
    assert.match(readFileSync(join(installed, 'dist/THIRD-PARTY-NOTICES.md'), 'utf8'), /@sinclair\/typebox .*\(MIT\)[\s\S]*Permission is hereby granted/);

    const project = join(user, 'shop');
    const created = await run(join(user, 'node_modules/.bin/loopwise'), ['new', project, '--loopwise', tarball], { cwd: user, env });
    assert.match(created.stdout, /Next steps:/);
    assert.equal(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies.loopwise, `file:${tarball}`);
    await newProjectWorks(project, false);

    // Without --loopwise, the starter asks for the tarball this loopwise came from, not a registry version that may not exist.
    const again = join(user, 'again');
    await run(join(user, 'node_modules/.bin/loopwise'), ['new', again], { cwd: user, env });
    assert.equal(JSON.parse(readFileSync(join(again, 'package.json'), 'utf8')).dependencies.loopwise, `file:${tarball}`);
  });
});

describe('a clone', () => {
  it('installs by its path (npm install <clone>), and a new project made from it passes its own test, typecheck and run', skipOnBun(ON_NODE_ALONE), async () => {
    const user = join(tmp, 'from-clone');
    mkdirSync(user);
    await npm(['init', '-y'], user);
    // The clone's own `npm ci` ran `prepare`, which built dist/; npm links the folder.
    await npm(['install', root], user);
    assert.ok(existsSync(join(user, 'node_modules/loopwise/dist/cli/loopwise.js')));
    const project = join(user, 'shop');
    await run(join(user, 'node_modules/.bin/loopwise'), ['new', project], { cwd: user, env });
    assert.equal(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies.loopwise, `file:${root}`);
    // A linked clone resolves its own node_modules, where the dev install has ReDoc.
    await newProjectWorks(project, true);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** `docs/<name>.md` as written anywhere in the built JavaScript (messages and comments alike). */
function docLinks(dist: string): Set<string> {
  const links = new Set<string>();
  for (const file of filesUnder(dist).filter((f) => /\.(m?js|d\.ts)$/.test(f))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bdocs\/[\w-]+\.md\b/g)) links.add(match[0]);
  }
  assert.ok(links.size > 0, 'the build names some docs');
  return links;
}
