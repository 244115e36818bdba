// Fails on an import cycle under src/ (type-only imports included: they still tie the files
// together for a reader and for the build), and on the core importing an optional feature.
// Usage: node scripts/check-imports.mjs [folder]   (default: src)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

// Optional features: only they, the public entry and the test helpers may import them.
const OPTIONAL = ['middleware/', 'cli/', 'evidence/'];
const MAY_IMPORT_OPTIONAL = [...OPTIONAL, 'testing/', 'index.ts'];
// The middleware chain and mounting are how every App runs, not a feature one opts into;
// they only live next to the middlewares they run.
const CORE_IN_OPTIONAL_FOLDERS = ['middleware/middleware.ts', 'middleware/response-hold.ts', 'middleware/mount.ts'];

const root = resolve(process.argv[2] ?? 'src');
const files = readdirSync(root, { recursive: true })
  .map((file) => String(file).split(sep).join('/'))
  .filter((file) => /\.m?ts$/.test(file) && !file.endsWith('.d.ts'));
const known = new Set(files);

/** The files under root that `file` imports, in source order, each once. */
function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
  const targets = importedFiles
    .map(({ fileName }) => fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(root, resolve(root, dirname(file), specifier)).split(sep).join('/'))
    .map((target) => target.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'))
    .filter((target) => known.has(target));
  return [...new Set(targets)];
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

// Depth-first walk: an import of a file still on the path closes a cycle. Every tangle of files
// shows at least one; once those are fixed, a run may find another through the same files.
const cycles = new Map(); // keyed by the cycle started at its smallest name, so each shows once
const done = new Set();
function walk(file, path) {
  if (done.has(file)) return;
  const onPath = path.indexOf(file);
  if (onPath !== -1) {
    const loop = path.slice(onPath);
    const start = loop.indexOf([...loop].sort()[0]);
    const rotated = [...loop.slice(start), ...loop.slice(0, start)];
    cycles.set(rotated.join(' '), [...rotated, rotated[0]].join(' → '));
    return;
  }
  for (const target of graph.get(file)) walk(target, [...path, file]);
  done.add(file);
}
for (const file of files) walk(file, []);

const isOptional = (file) => OPTIONAL.some((folder) => file.startsWith(folder)) && !CORE_IN_OPTIONAL_FOLDERS.includes(file);
const mayImportOptional = (file) => MAY_IMPORT_OPTIONAL.some((prefix) => file.startsWith(prefix)) && !CORE_IN_OPTIONAL_FOLDERS.includes(file);
const layerBreaks = [...graph].flatMap(([file, targets]) =>
  mayImportOptional(file) ? [] : targets.filter(isOptional).map((target) => `${file} → ${target}`),
);

const folder = relative(process.cwd(), root) || '.';
if (cycles.size > 0) console.error(`Import cycles in ${folder}:\n${[...cycles.values()].map((cycle) => `  ${cycle}`).join('\n')}`);
if (layerBreaks.length > 0) console.error(`The core imports an optional feature (${OPTIONAL.join(', ')}) in ${folder}:\n${layerBreaks.map((line) => `  ${line}`).join('\n')}`);
if (cycles.size > 0 || layerBreaks.length > 0) process.exit(1);
const edges = [...graph.values()].reduce((sum, targets) => sum + targets.length, 0);
console.log(`Imports in ${folder}: ${files.length} files, ${edges} imports, no cycles, the core imports no optional feature.`);
