import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { starterFiles, type StarterSettings } from './starter-files.js';

export const NEW_HELP = `Usage: loopwise new <directory>

Creates a new loopwise project in <directory> (created if missing; it must be empty): app.ts with
a few routes, test/app.test.ts testing them through app.inject(), package.json (named after the
directory, with dev, start, test and typecheck scripts), tsconfig.json, README.md, .gitignore.

  --help    this text`;

/** `loopwise new …`: returns the process exit code. */
export async function newCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', default: false } } });
  if (values.help || positionals.length !== 1) {
    (values.help ? console.log : console.error)(NEW_HELP);
    return values.help ? 0 : 2;
  }
  const given = positionals[0]!;
  const dir = resolve(given);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) return refuse(`${dir} exists and is not a directory.`);
    if (readdirSync(dir).length > 0) return refuse(`${dir} is not empty; give a new directory (loopwise new never overwrites files).`);
  }
  const files = starterFiles(starterSettings(packageName(basename(dir))));
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  const cd = /^[\w./-]+$/.test(given) ? given : `'${given.replaceAll("'", "'\\''")}'`;
  console.log(`Created ${dir}: ${Object.keys(files).join(', ')}

Next steps:
  cd ${cd}
  npm install
  npm run dev      # then open http://127.0.0.1:8000/docs`);
  return 0;
}

function refuse(message: string): number {
  console.error(`loopwise new: ${message}`);
  return 2;
}

/** A directory name as an npm package name: lowercase, URL-safe characters, not starting with "." or "_". */
export function packageName(directory: string): string {
  const name = directory
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '')
    .slice(0, 214);
  return name === '' ? 'loopwise-app' : name;
}

interface Manifest {
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** Versions from loopwise's own package.json (../../package.json from src/cli/ and from dist/cli/ alike). */
function starterSettings(name: string): StarterSettings {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Manifest;
  const all = { ...manifest.devDependencies, ...manifest.dependencies };
  const range = (pkg: string, fallback: string) => caret(all[pkg] ?? fallback);
  return {
    name,
    versions: { loopwise: caret(manifest.version), typescript: range('typescript', '5.9.3'), '@types/node': range('@types/node', '20.19.0'), tsx: range('tsx', '4.20.0') },
    node: manifest.engines?.node ?? '>=20.11',
  };
}

/** "0.1.0" → "^0.1.0"; a range stays as it is. */
function caret(version: string): string {
  return /^\d/.test(version) ? `^${version}` : version;
}
