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
