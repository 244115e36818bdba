// `loopwise dev`: how long a save takes to be served. Starts `loopwise dev app.ts` on a one-route
// TypeScript app in a temporary project, then saves the app N times (a new VERSION each time) and
// times each save → the first 200 on GET / that answers the new VERSION (the watcher's debounce
// included, as a user feels it). Prints every figure, the median and the spread.
//
//   npm run bench:dev                                   # this Node, the CLI from source through tsx
//   npm run bench:dev -- --cli dist                     # the built CLI (npm run build first), as installed
//   npm run bench:dev -- --cli dist --node "$(npm exec --yes --package=node@24 -- which node)"
//   npm run bench:dev -- --saves 10 --gap 3000          # the defaults: 10 saves, 3 s apart
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cli: { type: 'string', default: 'source' },
    node: { type: 'string', default: process.execPath },
    saves: { type: 'string', default: '10' },
    gap: { type: 'string', default: '3000' },
  },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const fromSource = values.cli === 'source';
if (!fromSource && values.cli !== 'dist') throw new Error('--cli takes source or dist');
const cli = fromSource ? ['--import', 'tsx', join(root, 'src/cli/loopwise.ts')] : [join(root, 'dist/cli/loopwise.js')];
const loopwise = join(root, fromSource ? 'src/index.ts' : 'dist/index.js');
if (!existsSync(cli.at(-1)!) || !existsSync(loopwise)) throw new Error(`${cli.at(-1)} or ${loopwise} is missing (npm run build?)`);
const saves = Number(values.saves);
const gapMs = Number(values.gap);

const dir = mkdtempSync(join(tmpdir(), 'loopwise-bench-dev-'));
const appFile = join(dir, 'app.ts');
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
const save = (version: number): void => {
  // As many editors save: a new file renamed over the old one.
  writeFileSync(`${appFile}.tmp`, [
    `import { App } from ${JSON.stringify(pathToFileURL(loopwise).href)};`,
    `export const app = new App({ title: 'Reload bench' });`,
    `app.get('/', () => ({ version: ${version} }));`,
    '',
  ].join('\n'));
  renameSync(`${appFile}.tmp`, appFile);
};

/** The version GET / answers, or null while nothing (or the old app going away) answers. */
function version(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(body) as { version: number }).version : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

async function servedWithin(port: number, wanted: number, ms: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if ((await version(port)) === wanted) return performance.now() - start;
    await sleep(5);
  }
  throw new Error(`version ${wanted} not served within ${ms} ms`);
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const port = await freePort();
save(0);
const node = values.node;
const child = spawn(node, [...cli, 'dev', appFile, '--port', String(port), '--no-access-log', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  const nodeVersion = await new Promise<string>((resolve) => {
    const probe = spawn(node, ['--version']);
    let out = '';
    probe.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    probe.on('close', () => resolve(out.trim()));
  });
  const first = await servedWithin(port, 0, 60_000);
  console.log(`loopwise dev, CLI from ${values.cli}, Node ${nodeVersion}: first start ${first.toFixed(0)} ms; ${saves} saves, ${gapMs} ms apart`);
  const figures: number[] = [];
  for (let n = 1; n <= saves; n++) {
    await sleep(gapMs);
    save(n);
    const ms = await servedWithin(port, n, 60_000);
    figures.push(ms);
    console.log(`save ${n}: ${ms.toFixed(0)} ms`);
  }
  const sorted = [...figures].sort((a, b) => a - b);
  const median = (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
  console.log(`save → first 200 with the new code: median ${median.toFixed(0)} ms, min ${sorted[0]!.toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)} ms (n=${figures.length})`);
} finally {
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
