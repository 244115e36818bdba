import { statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';

/**
 * `loopwise dev --ignore …`: whether a path is ignored. Each pattern is
 * - an existing directory (relative to the current directory, or absolute): everything under it;
 * - a glob with a slash (`src/generated/**`, `tmp/*.ts`): matched against the path from the
 *   current directory, and against each of its parent directories (so `src/generated` ignores
 *   what is under it too);
 * - a glob without one (`*.test.ts`, `scratch`): matched against each file or directory name
 *   under `roots` (the watched directories), as in a .gitignore.
 * Globs know `*` (within a name), `**` (any number of directories) and `?` (one character).
 */
export function ignoreMatcher(patterns: string[], roots: string[], cwd = process.cwd()): (path: string) => boolean {
  const directories: string[] = [];
  const anchored: RegExp[] = [];
  const named: RegExp[] = [];
  for (const pattern of patterns) {
    const path = resolve(cwd, pattern);
    if (isDirectory(path)) directories.push(path);
    else {
      const glob = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
      (glob.includes('/') ? anchored : named).push(globToRegExp(glob));
    }
  }
  return (path) => {
    if (directories.some((dir) => path === dir || path.startsWith(dir + sep))) return true;
    if (anchored.length > 0 && prefixes(toSlashes(relative(cwd, path))).some((part) => anchored.some((glob) => glob.test(part)))) return true;
    if (named.length === 0) return false;
    const root = roots.find((dir) => path === dir || path.startsWith(dir + sep));
    const names = toSlashes(root === undefined ? path : relative(root, path)).split('/');
    return names.some((name) => named.some((glob) => glob.test(name)));
  };
}

/** `a/b/c` → `a`, `a/b`, `a/b/c`. */
function prefixes(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!;
    if (char === '*' && glob[index + 1] === '*') {
      const slash = glob[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
