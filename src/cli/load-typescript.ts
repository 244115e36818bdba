import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LoopwiseError } from '../errors.js';
import { importOptional } from '../optional-package.js';
import { isBun } from '../runtime-env.js';
import { noteTsxRegisteredInCode, tsxFromCommandLine } from '../tsx-hooks.js';

/** A `dev` standby registers tsx ahead of time, then loads the app: once is enough. */
let tsxRegistered = false;

/**
 * Makes a TypeScript app module importable in this process: Node's own type stripping where this
 * Node has it (22.18+, 23.6+, or --experimental-strip-types), tsx where it does not, for `.tsx`
 * files, or when LOOPWISE_TSX=1 asks for it (enums, namespaces and other syntax Node cannot strip).
 * Cluster workers and `dev` children run the same CLI code, so they choose the same way. Bun
 * compiles all of TypeScript itself (enums and .tsx included) in every thread: nothing to do, and
 * tsx's hooks must not load there (its CommonJS hook fails on files that start with `#!`).
 */
export async function prepareTypeScript(file: string): Promise<void> {
  if (isBun() || !/\.[cm]?tsx?$/.test(file) || tsxFromCommandLine() || tsxRegistered) return;
  if (process.env.LOOPWISE_TSX !== '1' && nativeTypeStripping() && !file.endsWith('.tsx')) return;
  const why = nativeTypeStripping() ? 'Node cannot strip this file\'s types (a .tsx file, or LOOPWISE_TSX=1)' : `Node ${process.versions.node} does not run TypeScript itself (22.18+ and 24 do)`;
  const { register } = await importOptional<typeof import('tsx/esm/api')>('tsx/esm/api', 'tsx', `Loading ${file}: ${why}, so it`, true);
  register();
  tsxRegistered = true;
  // Hooks registered in code reach no worker thread: the offload pool has each worker register them too.
  noteTsxRegisteredInCode();
}

/** `process.features.typescript` is 'strip' or 'transform' on a Node that runs .ts files itself. */
function nativeTypeStripping(): boolean {
  return typeof (process.features as { typescript?: unknown }).typescript === 'string';
}


/**
 * Node's type stripping refuses syntax that needs code generated (enum, namespace, parameter
 * properties): say how to run such a module instead of leaving Node's bare message.
 */
export function explainImportError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const commonJs = readAsCommonJs(error, file);
  if (commonJs !== null) return commonJs;
  const bunOnly = needsBun(error, file);
  if (bunOnly !== null) return bunOnly;
  if (code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
    return new LoopwiseError(
      'LW_ERR_INVALID_OPTION',
      `${file} uses TypeScript that Node's type stripping cannot run (${(error as Error).message.split('\n')[0]}). ` +
        'Run it through tsx instead: set LOOPWISE_TSX=1 (tsx comes with loopwise), or make the syntax erasable (a union or `as const` object for an enum).',
      { cause: error },
    );
  }
  return error;
}

/** How Node (through tsx, or its own loader) refuses Bun's modules (`bun:sqlite`…) and Bun's global. */
const BUN_MODULE = /'(bun:[\w/-]*)'|protocol '(bun:)'/;
const BUN_GLOBAL = /\bBun is not defined\b/;

/**
 * An app written for Bun (it imports `bun:sqlite`, or calls `Bun.file()` as it loads) fails on
 * Node with a bare "Cannot find module" or "Only URLs with a scheme in: file, data…": say that it
 * needs Bun and how to load it there. Null when the error is not that, or this is Bun.
 */
function needsBun(error: unknown, file: string): LoopwiseError | null {
  if (isBun() || !(error instanceof Error)) return null;
  const module = BUN_MODULE.exec(error.message);
  const what = module !== null ? `imports ${module[1] ?? 'a bun: module'}` : error instanceof ReferenceError && BUN_GLOBAL.test(error.message) ? 'uses the Bun global' : null;
  if (what === null) return null;
  return new LoopwiseError(
    'LW_ERR_RUNTIME',
    `${file} (or a module it loads) ${what}, which only Bun has, and this command runs on Node ${process.versions.node}. ` +
      'Add --runtime bun to the command (Bun from node_modules/.bin or PATH: npm install --save-dev bun), or run it with bunx loopwise. ' +
      `(Node said: ${error.message.split('\n')[0]})`,
    { cause: error },
  );
}

/** The errors Node (20 through tsx, or 22+) and tsx give an ES module read as CommonJS. */
const COMMONJS_CODES = new Set(['ERR_REQUIRE_CYCLE_MODULE', 'ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE']);
const COMMONJS_SYNTAX = /Cannot use import statement outside a module|Unexpected token 'export'|await is only valid in async functions and the top level bodies of modules/;

/**
 * An app module that uses `import` in a package whose package.json does not say "type": "module"
 * (`npm init -y` writes "commonjs") is read as CommonJS, and Node's answer names a require() cycle
 * or a syntax error. Say what to change instead. Null when the error is not that.
 */
function readAsCommonJs(error: unknown, file: string): LoopwiseError | null {
  if (!/\.(ts|tsx|js|jsx)$/.test(file)) return null; // .mts/.mjs are ES modules whatever package.json says
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  if (!(typeof code === 'string' && COMMONJS_CODES.has(code)) && !(error instanceof SyntaxError && COMMONJS_SYNTAX.test(message))) return null;
  // The same errors can come from a dependency (a CommonJS package requiring an ES one): then the app's package.json is not the cause.
  const firstLines = `${message}\n${(error as Error).stack ?? ''}`.split('\n').slice(0, 3).join('\n');
  if (!firstLines.includes(file) && !firstLines.includes(pathToFileURL(file).href)) return null;
  const packageJson = nearestPackageJson(dirname(file));
  if (packageJson !== null && packageJson.type === 'module') return null;
  const where = packageJson === null ? `no package.json above ${dirname(file)} says "type": "module"` : `${packageJson.path} says ${packageJson.type === undefined ? 'no "type"' : `"type": ${JSON.stringify(packageJson.type)}`}`;
  // .mts and .mjs cannot hold JSX: for a .tsx or .jsx file, package.json is the only fix.
  const rename = /\.(ts|js)$/.test(file) ? `, or name the file ${basename(file).replace(/\.(ts|js)$/, (ext) => (ext === '.js' ? '.mjs' : '.mts'))}` : '';
  return new LoopwiseError(
    'LW_ERR_INVALID_OPTION',
    `${file} is read as CommonJS (${where}), but it is an ES module: it imports loopwise, which is one. ` +
      `Add "type": "module" to ${packageJson?.path ?? 'your package.json'} (npx loopwise new writes it)${rename}. (Node said: ${message.split('\n')[0]})`,
    { cause: error },
  );
}

/** The package.json nearest above `dir`, with its `type` (none for one that is not JSON); null when there is none. */
function nearestPackageJson(dir: string): { path: string; type: unknown } | null {
  for (let current = dir; ; current = dirname(current)) {
    const path = join(current, 'package.json');
    if (existsSync(path)) {
      try {
        return { path, type: (JSON.parse(readFileSync(path, 'utf8')) as { type?: unknown }).type };
      } catch {
        // not JSON: Node would stop here too, with its own error
        return { path, type: undefined };
      }
    }
    if (dirname(current) === current) return null;
  }
}
