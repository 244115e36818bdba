// Builds dist/: type declarations from tsc, JavaScript from esbuild. loopwise's ~100 modules are
// bundled into its entry points plus shared chunks (split, so each module exists once and its
// state is shared), because a process pays for every file it loads, and more so through a loader
// such as tsx: one file per module cost a one-route app ~70 ms of its start. Dependencies stay
// imports of their packages, except TypeBox's value builders (~200 small files, bundled in;
// TypeBox marks schemas with global symbols, Symbol.for, so an app's own copy of it still agrees).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');

// The modules Node or a worker starts from; anything else is reached through their imports.
const ENTRY_POINTS = [
  'src/index.ts',
  'src/client/index.ts',
  'src/cli/loopwise.ts',
  'src/cli/dev-standby.ts',
  'src/offload/worker-entry.mts',
  'src/guard/watchdog-worker.mts',
];
const BUNDLED_PACKAGES = ['@sinclair/typebox'];

rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--emitDeclarationOnly'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

/** Every bare import (a package) stays an import, but for the ones bundled on purpose. */
const packagesStayExternal = {
  name: 'packages-stay-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || BUNDLED_PACKAGES.some((name) => args.path === name || args.path.startsWith(`${name}/`))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const result = await build({
  absWorkingDir: root,
  entryPoints: ENTRY_POINTS,
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // Error and function names are read at run time (a task's name, an error's class): keep them
  // when the bundle renames a clash between two modules' top-level names.
  keepNames: true,
  // Each worker thread keeps its own copy of every loaded module's source text (V8 needs it for
  // lazy compiling): without comments and indentation that copy is less than half the size. Names
  // stay, and the source maps lead back to src/.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false, // src/ ships beside dist/: maps point there
  plugins: [packagesStayExternal],
  write: false,
  logLevel: 'warning',
});

/**
 * A map points at src/ (shipped) for loopwise's own code; for a bundled package's code the path
 * into this repo's node_modules/ would not exist where loopwise is installed, so that code's
 * text goes into the map itself.
 */
function withBundledSources(mapPath, text) {
  const map = JSON.parse(text);
  const contents = map.sources.map((source) => (source.includes('node_modules/') ? readFileSync(join(dirname(mapPath), source), 'utf8') : null));
  if (contents.every((content) => content === null)) return text;
  map.sources = map.sources.map((source) => (source.includes('node_modules/') ? `bundled:${source.slice(source.lastIndexOf('node_modules/') + 'node_modules/'.length)}` : source));
  map.sourcesContent = contents;
  return JSON.stringify(map);
}

// The worker entries are .mts in src/; Node must load them as ES modules by any loader, so they
// keep the .mjs name tsc would give them (src/package-files.ts finds them by it).
const renamed = new Map(
  ENTRY_POINTS.filter((entry) => entry.endsWith('.mts')).map((entry) => {
    const base = entry.replace(/^src\//, '').replace(/\.mts$/, '');
    return [join(dist, `${base}.js`), join(dist, `${base}.mjs`)];
  }),
);
for (const file of result.outputFiles) {
  let path = file.path;
  let text = file.text;
  const js = path.endsWith('.map') ? path.slice(0, -'.map'.length) : path;
  if (renamed.has(js)) {
    const to = renamed.get(js);
    path = path.endsWith('.map') ? `${to}.map` : to;
    if (!file.path.endsWith('.map')) text = text.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${relative(dirname(to), to)}.map`);
  }
  if (path.endsWith('.map')) text = withBundledSources(path, text);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

// Code bundled from a package ships under that package's license: its text goes beside it.
const notices = BUNDLED_PACKAGES.map((name) => {
  const folder = join(root, 'node_modules', name);
  const { version, license } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const file = readdirSync(folder).find((entry) => /^licen[cs]e/i.test(entry));
  if (file === undefined) throw new Error(`${name} is bundled into dist/ but has no license file to ship with it`);
  return `## ${name} ${version} (${license})\n\n${readFileSync(join(folder, file), 'utf8').trim()}\n`;
});
await writeFile(join(dist, 'THIRD-PARTY-NOTICES.md'), `# Code bundled into dist/\n\n${notices.join('\n')}`);

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
console.log(`built ${manifest.name} ${manifest.version}: ${result.outputFiles.filter((f) => !f.path.endsWith('.map')).length} files in dist/ (+ declarations)`);
