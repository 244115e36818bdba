import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../package-files.js';
import { starterFiles, type StarterSettings } from './starter-files.js';

export const NEW_HELP = `Usage: loopwise new <directory> [--loopwise <spec>]

Creates a new loopwise project in <directory> (created if missing; it must be empty): app.ts with
a few routes, test/app.test.ts testing them through app.inject(), package.json (named after the
directory, with dev, start, test and typecheck scripts), tsconfig.json, README.md, .gitignore.

  --loopwise <spec>  what the project's package.json asks npm for: a version range (^0.1.0), a
                     path to a clone or to a packed tarball, or a git URL. Default: the loopwise
                     running this command (its clone, or the tarball it was installed from), else
                     ^<its version> from the registry
  --help             this text`;

/** `loopwise new …`: returns the process exit code. */
export async function newCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', default: false }, loopwise: { type: 'string' } },
  });
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
  const files = starterFiles(starterSettings(packageName(basename(dir)), values.loopwise));
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
  peerDependencies?: Record<string, string>;
}

/** Versions from loopwise's own package.json. */
function starterSettings(name: string, spec: string | undefined): StarterSettings {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Manifest;
  const all = { ...manifest.peerDependencies, ...manifest.devDependencies, ...manifest.dependencies };
  const range = (pkg: string, fallback: string) => caret(all[pkg] ?? fallback);
  return {
    name,
    versions: {
      loopwise: spec === undefined ? ownSpec(manifest.version) : dependencySpec(spec),
      typescript: range('typescript', '5.9.3'),
      '@types/node': range('@types/node', '20.19.0'),
      tsx: range('tsx', '4.20.0'),
      'swagger-ui-dist': range('swagger-ui-dist', '5.35.0'),
      'pino-pretty': range('pino-pretty', '13.2.0'),
    },
    node: manifest.engines?.node ?? '>=20.11',
  };
}

/**
 * A spec npm can install from the new project's folder: a path becomes an absolute `file:` spec
 * (the project is elsewhere), anything else (a range, a git URL, `file:`…) is kept as given.
 */
export function dependencySpec(spec: string): string {
  if (/^(file:|git\+|git:|github:|https?:)/.test(spec)) return spec;
  if (spec.startsWith('.') || spec.startsWith('/') || spec.endsWith('.tgz') || existsSync(spec)) return `file:${resolve(spec)}`;
  return spec;
}

/**
 * The loopwise running this command, as the new project should get it: from a clone, that clone;
 * installed from a tarball or a path, the same tarball or path (read from the installing project's
 * package.json); else the registry's ^version. A starter that asks for a loopwise that cannot be
 * installed is the first thing a new user would hit.
 */
function ownSpec(version: string): string {
  const root = PACKAGE_ROOT.replace(/[\\/]$/, '');
  if (!root.split(sep).includes('node_modules')) return existsSync(join(root, 'src')) ? `file:${root}` : caret(version);
  const installer = join(root, '..', '..');
  const from = readDependency(join(installer, 'package.json'));
  if (from?.startsWith('file:')) return `file:${resolve(installer, from.slice('file:'.length))}`;
  if (from !== undefined && !/^[\^~]?\d/.test(from) && from !== 'latest') return from; // a git URL or the like
  return caret(version);
}

function readDependency(manifestPath: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    return manifest.dependencies?.loopwise ?? manifest.devDependencies?.loopwise;
  } catch {
    return undefined;
  }
}

/** "0.1.0" → "^0.1.0"; a range stays as it is. */
function caret(version: string): string {
  return /^\d/.test(version) ? `^${version}` : version;
}
