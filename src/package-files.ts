import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Where loopwise's own files are, asked from any of its modules. Run from source (tests, the
// examples) this file is src/package-files.ts; installed, it is bundled into a chunk somewhere
// under dist/. Either way the package root is the nearest folder above with a package.json, so
// no module depends on where the bundler put it.
const HERE = fileURLToPath(import.meta.url);

/** True when loopwise runs from its TypeScript sources rather than the built dist/. */
export const FROM_SOURCE = /\.[mc]?ts$/.test(HERE);

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(HERE); // no manifest at all: a copied file; its own folder
  }
}

/** The folder holding loopwise's package.json. */
export const PACKAGE_ROOT = packageRoot(dirname(HERE));

const OWN_CODE = [join(PACKAGE_ROOT, 'src') + sep, join(PACKAGE_ROOT, 'dist') + sep];

/** A file path (not URL) inside loopwise's own code: frames to skip when looking for the user's. */
export function isOwnCode(file: string): boolean {
  return OWN_CODE.some((dir) => file.startsWith(dir));
}

/**
 * One of loopwise's separately started entry points (a worker thread's or a child process's
 * first module), by its path under src/ without extension: `offload/worker-entry`. From source
 * it is the `.mts`/`.ts` file; built, the `.mjs`/`.js` one next to the same path in dist/.
 */
export function entryPoint(path: string, extension: 'mts' | 'ts'): URL {
  const built = extension === 'mts' ? 'mjs' : 'js';
  return pathToFileURL(join(PACKAGE_ROOT, FROM_SOURCE ? 'src' : 'dist', `${path}.${FROM_SOURCE ? extension : built}`));
}
