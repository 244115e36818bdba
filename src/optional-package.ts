import { createRequire } from 'node:module';
import { LoopwiseError } from './errors.js';

// The heavy pieces (docs UIs, the load generator, pretty logs, the TypeScript loader) are optional
// peer dependencies: the core install stays small, and a feature whose piece is missing says
// exactly what to install instead of failing with Node's "Cannot find module".
const require = createRequire(import.meta.url);

/** True when `pkg` can be loaded from here (resolved each time: installing it needs no restart). */
export function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** The sentence that says what to install, for `feature` ("loopwise bench", "/docs"). */
export function installHint(pkg: string, feature: string, dev = false): string {
  return `${feature} needs the npm package "${pkg}", which is not installed. Install it: npm install ${dev ? '--save-dev ' : ''}${pkg}`;
}

/** require() of an optional CommonJS package, or a LoopwiseError that names the install. */
export function requireOptional<T>(pkg: string, feature: string, dev = false): T {
  try {
    return require(pkg) as T;
  } catch (error) {
    if (!isMissing(error, pkg)) throw error;
    throw new LoopwiseError('LW_ERR_MISSING_PACKAGE', installHint(pkg, feature, dev), { cause: error });
  }
}

/** import() of an optional package, or a LoopwiseError that names the install. */
export async function importOptional<T>(specifier: string, pkg: string, feature: string, dev = false): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if (!isMissing(error, pkg)) throw error;
    throw new LoopwiseError('LW_ERR_MISSING_PACKAGE', installHint(pkg, feature, dev), { cause: error });
  }
}

/** Node's "not found" for this package itself, not for something it imports. */
function isMissing(error: unknown, pkg: string): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && String((error as Error).message).includes(`'${pkg}`);
}
