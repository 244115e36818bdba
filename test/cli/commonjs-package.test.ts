// An app module with `import` in a package whose package.json is CommonJS (what `npm init -y`
// writes): Node's own answer names a require() cycle (Node 20 through tsx) or a syntax error
// (Node 22+). The built CLI says what to change instead, and the same app runs once package.json
// says "type": "module", or as app.mts. Bun reads either kind, so there it simply runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onBun } from '../support/runtime.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('a CommonJS package: the CLI names package.json and the two fixes; each fix works', async () => {
  const work = mkdtempSync(join(tmpdir(), 'loopwise-cjs-'));
  // The built CLI, as installed (no --import tsx), built here rather than in the shared dist/, which test/package rebuilds.
  const built = join(work, 'loopwise');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(built, 'dist'), '--noCheck', '--declaration', 'false', '--sourceMap', 'false'], { cwd: root, timeout: 60_000 });
  writeFileSync(join(built, 'package.json'), JSON.stringify({ name: 'loopwise', type: 'module', exports: { '.': './dist/index.js' } }));
  symlinkSync(join(root, 'node_modules'), join(built, 'node_modules'), 'dir');
  const cli = join(built, 'dist/cli/loopwise.js');
  const app = `import { App } from ${JSON.stringify(pathToFileURL(join(built, 'dist/index.js')).href)};\nexport const app = new App();\napp.get('/ping', () => ({ pong: true }));\n`;
  const routes = (file: string): { status: number | null; out: string } => {
    const run = spawnSync(process.execPath, [cli, 'routes', join(dir, file)], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '', LOOPWISE_TSX: '' } });
    return { status: run.status, out: `${run.stdout}${run.stderr}` };
  };
  const dir = join(work, 'shop');
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', version: '1.0.0', type: 'commonjs' }));
    writeFileSync(join(dir, 'app.ts'), app);
    writeFileSync(join(dir, 'app.mts'), app);
    const refused = routes('app.ts');
    if (onBun) {
      assert.equal(refused.status, 0, refused.out);
    } else {
      assert.equal(refused.status, 1, refused.out);
      assert.match(refused.out, /LW_ERR_INVALID_OPTION: .*app\.ts is read as CommonJS \(.*package\.json says "type": "commonjs"\), but it is an ES module/);
      assert.match(refused.out, /Add "type": "module" to .*package\.json \(npx loopwise new writes it\), or name the file app\.mts\. \(Node said: /);
    }
    const renamed = routes('app.mts');
    assert.equal(renamed.status, 0, renamed.out);
    assert.match(renamed.out, /\/ping/);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', version: '1.0.0', type: 'module' }));
    const fixed = routes('app.ts');
    assert.equal(fixed.status, 0, fixed.out);
    assert.match(fixed.out, /\/ping/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
