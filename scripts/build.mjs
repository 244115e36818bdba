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

// What esbuild does for both builds: ES modules, split into shared chunks, names kept.
const shared = {
  absWorkingDir: root,
  outbase: 'src',
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
  sourcesContent: true, // dropped for src/, which ships beside dist/: see withBundledSources()
  write: false,
  metafile: true,
  logLevel: 'warning',
};

/**
 * The offload worker entry imports the worker module through the package's own `imports` map
 * (package.json, "#offload-worker"), so Node picks dist/worker/'s copy in a thread started with
 * the offload condition and dist/offload/worker.js in any other: either way the copy of loopwise
 * the app module imports.
 */
const workerThroughImportsMap = {
  name: 'worker-through-imports-map',
  setup(builder) {
    builder.onResolve({ filter: /^\.\/worker\.js$/ }, (args) => (args.importer.endsWith(join('src', 'offload', 'worker-entry.mts')) ? { path: '#offload-worker', external: true } : undefined));
  },
};

const result = await build({
  ...shared,
  entryPoints: [...ENTRY_POINTS, 'src/offload/worker.ts'],
  outdir: 'dist',
  plugins: [packagesStayExternal, workerThroughImportsMap],
});

/**
 * dist/worker/: what an offload thread imports (the package's `loopwise-offload-thread` export
 * condition, set by src/offload/worker-thread-options.ts). Every thread holds its own copy of the
 * code it loads and of what that code's top level builds, so the modules such a thread never
 * runs become stubs with the same exports. 'inert' ones are called by an app module's top level
 * (middleware factories, what the App's constructor builds): they return a middleware that passes
 * on, or an empty object. 'absent' ones are reached only by listen(), ready() and the like, which
 * a worker thread's App never runs: they throw, saying so. Anything an offloaded handler, its
 * dependencies, its serialization or the exception handlers use at request time stays real.
 */
const WORKER_STUBS = {
  'server/http-server.ts': 'absent',
  'server/signals.ts': 'absent',
  'pipeline/dispatch.ts': 'absent',
  'pipeline/access-log.ts': 'absent',
  'pipeline/compile-route.ts': 'absent',
  'offload/run-offloaded.ts': 'absent',
  'builtin-routes.ts': 'absent',
  'metrics/app-metrics.ts': 'absent',
  'testing/inject.ts': 'absent',
  'testing/stream-response.ts': 'absent',
  'middleware/mount.ts': 'absent',
  'ws/upgrade.ts': 'inert',
  'guard/loop-monitor.ts': 'inert',
  'guard/async-slices.ts': 'inert',
  'guard/loop-clock.ts': 'inert',
  'guard/route-activity.ts': 'inert',
  'guard/stall-watchdog.ts': 'absent',
  'middleware/cors.ts': 'inert',
  'middleware/compression.ts': 'inert',
  'middleware/static-files.ts': 'inert',
  'middleware/trusted-host.ts': 'inert',
  'middleware/request-id.ts': 'inert',
};

/** A stub's text: each of the real module's exports (read by esbuild, so none is missed). */
async function stubText(file, kind) {
  const { metafile } = await build({ ...shared, entryPoints: [file], outdir: 'dist', bundle: false, splitting: false, sourcemap: false, metafile: true });
  const exports = Object.values(metafile.outputs).flatMap((output) => output.exports);
  const make = kind === 'inert'
    ? 'function stub() { return function () { if (new.target === undefined) return (req, res, next) => next?.(); }; }'
    : `function stub(name) { return function () { throw new Error(\`\${name} (${file}) runs on the main thread only: it is not in an offload thread's build of loopwise (dist/worker/)\`); }; }`;
  return `${make}\n${exports.map((name) => `export const ${name} = stub(${JSON.stringify(name)});`).join('\n')}\n`;
}

const workerStubs = {
  name: 'worker-stubs',
  setup(builder) {
    const stubbed = new Map(Object.entries(WORKER_STUBS).map(([file, kind]) => [join(root, 'src', file), kind]));
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      const kind = stubbed.get(args.path);
      if (kind === undefined) return undefined;
      return { contents: await stubText(relative(root, args.path), kind), loader: 'js' };
    });
  },
};

/**
 * node:http, read through require() in dist/worker/: an ES import of a built-in module reads each
 * of its exports, and node:http's WebSocket, CloseEvent and MessageEvent getters (Node 22+) then
 * load undici, ~3 MiB per thread on Node 24 for a worker that only wants STATUS_CODES and the
 * header checks. A name not listed here fails the build, not a thread.
 */
const nodeHttpThroughRequire = {
  name: 'node-http-through-require',
  setup(builder) {
    builder.onResolve({ filter: /^(node:)?http$/ }, () => ({ path: 'node:http', namespace: 'node-http-through-require' }));
    builder.onLoad({ filter: /.*/, namespace: 'node-http-through-require' }, () => ({
      contents: "import { createRequire } from 'node:module';\nexport const { STATUS_CODES, validateHeaderName, validateHeaderValue } = createRequire(import.meta.url)('node:http');\n",
      loader: 'js',
    }));
  },
};

const workerBuild = await build({
  ...shared,
  entryPoints: ['src/index.ts', 'src/offload/worker.ts'],
  outdir: 'dist/worker',
  plugins: [nodeHttpThroughRequire, packagesStayExternal, workerStubs],
});
result.outputFiles.push(...workerBuild.outputFiles);

/**
 * A map points at src/ (shipped) for loopwise's own code; for a bundled package's code the path
 * into this repo's node_modules/ would not exist where loopwise is installed, so that code's
 * text stays in the map itself (esbuild's copy: a package's own map may name sources it does not ship).
 */
function bundledName(source) {
  const at = source.lastIndexOf('node_modules/');
  return `bundled:${at === -1 ? source : source.slice(at + 'node_modules/'.length)}`;
}

function withBundledSources(text) {
  const map = JSON.parse(text);
  // A package's file, or a module a plugin wrote (its name starts with the plugin's namespace).
  const bundled = map.sources.map((source) => source.includes('node_modules/') || /^[\w-]+:/.test(source));
  if (!bundled.some(Boolean)) {
    delete map.sourcesContent;
    return JSON.stringify(map);
  }
  map.sourcesContent = map.sourcesContent.map((content, i) => (bundled[i] ? content : null));
  map.sources = map.sources.map((source, i) => (bundled[i] ? bundledName(source) : source));
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
  if (path.endsWith('.map')) text = withBundledSources(text);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

// Code bundled from a package ships under that package's license: its text goes beside it. The
// packages are read from the bundles' inputs, so one a bundled package imports is named too.
const bundledFolders = new Set(
  [result, workerBuild].flatMap(({ metafile }) => Object.keys(metafile.inputs))
    .map((input) => /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1])
    .filter((folder) => folder !== undefined),
);
const notices = [...bundledFolders].sort().map((folder) => {
  folder = join(root, folder);
  const { name, version, license } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
  const file = readdirSync(folder).find((entry) => /^licen[cs]e/i.test(entry));
  if (file === undefined) throw new Error(`${name} is bundled into dist/ but has no license file to ship with it`);
  return `## ${name} ${version} (${license})\n\n${readFileSync(join(folder, file), 'utf8').trim()}\n`;
});
await writeFile(join(dist, 'THIRD-PARTY-NOTICES.md'), `# Code bundled into dist/\n\n${notices.join('\n')}`);

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
console.log(`built ${manifest.name} ${manifest.version}: ${result.outputFiles.filter((f) => !f.path.endsWith('.map')).length} files in dist/ (+ declarations)`);
