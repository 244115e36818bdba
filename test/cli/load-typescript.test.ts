// explainImportError (src/cli/load-typescript.ts) for an ES module read as CommonJS: explained only
// when the error is about the app module itself (a dependency's own module mix-up is left as Node
// said it), with Node's words kept, and no .mts/.mjs rename offered for JSX files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopwiseError } from '../../src/index.js';
import { explainImportError } from '../../src/cli/load-typescript.js';

function syntaxError(message: string, at: string): SyntaxError {
  const error = new SyntaxError(message);
  error.stack = `${at}:1\nimport { App } from 'loopwise';\n^^^^^^\n\nSyntaxError: ${message}`;
  return error;
}

test('an ES module read as CommonJS is explained when the error is the app’s, and left alone when it is a dependency’s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-explain-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop' }));
    const app = join(dir, 'app.ts');
    const explained = explainImportError(syntaxError('Cannot use import statement outside a module', app), app);
    assert.ok(explained instanceof LoopwiseError);
    assert.equal(
      explained.message,
      `LW_ERR_INVALID_OPTION: ${app} is read as CommonJS (${join(dir, 'package.json')} says no "type"), but it is an ES module: it imports loopwise, which is one. ` +
        `Add "type": "module" to ${join(dir, 'package.json')} (npx loopwise new writes it), or name the file app.mts. (Node said: Cannot use import statement outside a module)`,
    );

    const cycle = Object.assign(new Error(`Cannot require() ES Module ${app} in a cycle.`), { code: 'ERR_REQUIRE_CYCLE_MODULE' });
    assert.match((explainImportError(cycle, app) as Error).message, /is read as CommonJS .* name the file app\.mts\. \(Node said: Cannot require\(\) ES Module/);

    const dependency = syntaxError("Unexpected token 'export'", join(dir, 'node_modules/old-lib/index.js'));
    assert.equal(explainImportError(dependency, app), dependency, 'a dependency’s error is passed on as it is');

    const jsx = join(dir, 'app.tsx');
    const forJsx = explainImportError(syntaxError('Cannot use import statement outside a module', jsx), jsx) as Error;
    assert.match(forJsx.message, /Add "type": "module" to .*package\.json \(npx loopwise new writes it\)\. \(Node said/);
    assert.doesNotMatch(forJsx.message, /name the file/);

    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', type: 'module' }));
    const other = syntaxError('Cannot use import statement outside a module', app);
    assert.equal(explainImportError(other, app), other, 'a package that says "type": "module" is not the cause');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an app written for Bun, loaded on Node: the error says it needs Bun and how to load it there; other errors, and any error on Bun, are kept', () => {
  const app = '/srv/notes/app.ts';
  const tsx = Object.assign(new Error("Cannot find module 'bun:sqlite'\nRequire stack:\n- /srv/notes/app.ts"), { code: 'MODULE_NOT_FOUND' });
  if (process.versions.bun !== undefined) {
    // Bun loads its own modules: such an error there is something else, and is passed on as it is.
    assert.equal(explainImportError(tsx, app), tsx);
    return;
  }
  const explained = explainImportError(tsx, app);
  assert.ok(explained instanceof LoopwiseError);
  assert.equal(
    explained.message,
    `LW_ERR_RUNTIME: ${app} (or a module it loads) imports bun:sqlite, which only Bun has, and this command runs on Node ${process.versions.node}. ` +
      "Add --runtime bun to the command (Bun from node_modules/.bin or PATH: npm install --save-dev bun), or run it with bunx loopwise. (Node said: Cannot find module 'bun:sqlite')",
  );
  assert.equal((explained as Error).cause, tsx);

  // Node's own loader (22.18+ strips the types itself) names the scheme, not the module.
  const scheme = Object.assign(new Error("Only URLs with a scheme in: file, data, and node are supported by the default ESM loader. Received protocol 'bun:'"), { code: 'ERR_UNSUPPORTED_ESM_URL_SCHEME' });
  assert.match((explainImportError(scheme, app) as Error).message, /^LW_ERR_RUNTIME: \/srv\/notes\/app\.ts \(or a module it loads\) imports a bun: module, which only Bun has/);

  const global = new ReferenceError('Bun is not defined');
  assert.match((explainImportError(global, app) as Error).message, /^LW_ERR_RUNTIME: \/srv\/notes\/app\.ts \(or a module it loads\) uses the Bun global, which only Bun has/);

  const missing = Object.assign(new Error("Cannot find module 'bunyan'"), { code: 'MODULE_NOT_FOUND' });
  assert.equal(explainImportError(missing, app), missing, 'a missing package that is not Bun’s is passed on as it is');
  const otherReference = new ReferenceError('Bunny is not defined');
  assert.equal(explainImportError(otherReference, app), otherReference);
});
