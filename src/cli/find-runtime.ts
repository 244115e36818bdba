import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { LoopwiseError } from '../errors.js';
import { isBun } from '../runtime-env.js';

/** The two runtimes `--runtime` chooses between. */
export type Runtime = 'bun' | 'node';

export const RUNTIMES: readonly Runtime[] = ['bun', 'node'];

/** What is wrong with a `--runtime` value, for the usage message; null when it names a runtime (or was not given). */
export function runtimeProblem(value: string | undefined): string | null {
  return value === undefined || RUNTIMES.includes(value as Runtime) ? null : `--runtime takes ${RUNTIMES.join(' or ')}, not ${JSON.stringify(value)}`;
}

/** The runtime this CLI runs on: the default for `--runtime`. */
export function currentRuntime(): Runtime {
  return isBun() ? 'bun' : 'node';
}

/**
 * The executable that starts `runtime`: first the project's own (node_modules/.bin/bun in the
 * current directory or one above it, as npx resolves a package's binaries: the version the
 * project pinned), then the first one on PATH. Null when there is none.
 */
export function findRuntime(runtime: Runtime, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string | null {
  const names = process.platform === 'win32' ? [`${runtime}.exe`, `${runtime}.cmd`] : [runtime];
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const name of names) if (executable(join(dir, 'node_modules', '.bin', name))) return join(dir, 'node_modules', '.bin', name);
    if (dirname(dir) === dir) break;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of names) if (executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** The same as {@link findRuntime}, or the error that says how to get it. */
export function requireRuntime(runtime: Runtime, cwd?: string, env?: NodeJS.ProcessEnv): string {
  const found = findRuntime(runtime, cwd, env);
  if (found !== null) return found;
  const how =
    runtime === 'bun'
      ? 'Install it in the project: npm install --save-dev bun (the npm package brings the binary), or put bun on PATH (bun.sh).'
      : 'Install Node.js 20.11 or later and put node on PATH.';
  throw new LoopwiseError('LW_ERR_MISSING_PACKAGE', `--runtime ${runtime}: no ${runtime} executable in node_modules/.bin of ${cwd ?? process.cwd()} or a folder above it, nor on PATH. ${how}`);
}

function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
