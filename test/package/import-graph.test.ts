// scripts/check-imports.mjs: src/ has no import cycle and its core imports no optional feature;
// and the script does catch both, type-only imports included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, 'scripts/check-imports.mjs');

/** Runs the script on `folder`; a failing run resolves too, with its exit code. */
async function checkImports(folder: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, folder], { cwd: root, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function writeFiles(folder: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
}

test('src/ has no import cycle and its core imports no optional feature', async () => {
  const result = await checkImports('src');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Imports in src: \d+ files, \d+ imports, no cycles/);
});

test('names a two-file cycle, a type-only cycle, a dynamic-import cycle and a core file importing a middleware', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'loopwise-imports-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  writeFiles(folder, {
    'a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    'shapes/circle.ts': "import type { Square } from './square.js';\nexport interface Circle { next?: Square }\n",
    'shapes/square.ts': "export type { Circle } from './circle.js';\nexport interface Square { size: number }\n",
    'lazy.mts': "export const load = () => import('./eager.mjs');\n",
    'eager.mts': "import { load } from './lazy.mjs';\nexport { load };\n",
    'core.ts': "import { cors } from './middleware/cors.js';\nexport const app = cors;\n",
    'middleware/cors.ts': 'export const cors = 1;\n',
    'index.ts': "export { cors } from './middleware/cors.js';\n",
  });

  const result = await checkImports(folder);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^ {2}a\.ts → b\.ts → a\.ts$/m);
  assert.match(result.stderr, /^ {2}shapes\/circle\.ts → shapes\/square\.ts → shapes\/circle\.ts$/m);
  assert.match(result.stderr, /^ {2}eager\.mts → lazy\.mts → eager\.mts$/m);
  assert.match(result.stderr, /^ {2}core\.ts → middleware\/cors\.ts$/m);
  assert.doesNotMatch(result.stderr, /index\.ts/, 'the public entry may re-export a middleware');
});
