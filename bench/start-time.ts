// Cold start: how long from spawning a process to its first 200 on GET /json. Each case is a
// fresh process (bench/apps/start/), polled until it answers, then killed; the cases run interleaved,
// in an order rotated each round, so the machine's drift hits all alike. Prints the median, the
// spread (min–max and interquartile) and the ratio to Fastify on the same Node.
//
//   npm run bench:start                      # 10 rounds, Node 20 (this node) and Node 24
//   npm run bench:start -- --rounds 5 --no-node24
//   npm run bench:start -- --node24 /path/to/node24
//
// Needs the built package (`npm run build`): the apps import `loopwise`, i.e. this repo's dist/.
// Node 24 is found with `npm exec --yes --package=node@24` unless --node24 gives its path.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Case {
  name: string;
  node: string;
  /** Arguments after the node binary; `{port}` is replaced by the port. */
  args: string[];
  /** Fastify's case on the same Node: the ratio's denominator. */
  baseline?: string;
  /** The target ratio to Fastify, when the issue sets one. */
  target?: number;
}

const ROUND_GAP_MS = 100;
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 2;

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const start = join(benchDir, 'apps', 'start');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}
const rounds = Number(option('--rounds') ?? 10);
const only = option('--only');

if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('bench:start: dist/ is missing: run `npm run build` first (the apps import the built package).');
  process.exit(1);
}

function findNode24(): string | null {
  if (process.argv.includes('--no-node24')) return null;
  const given = option('--node24');
  if (given !== undefined) return given;
  const found = spawnSync('npm', ['exec', '--yes', '--package=node@24', '--', 'node', '-p', 'process.execPath'], { cwd: root, encoding: 'utf8' });
  const path = found.stdout?.trim().split('\n').pop();
  return found.status === 0 && path !== undefined && existsSync(path) ? path : null;
}

function casesFor(node: string, label: string, typescript: string[]): Case[] {
  const fastify = `fastify (${label})`;
  return [
    { name: `node:http (${label})`, node, args: [join(start, 'raw-http.mjs')] },
    { name: fastify, node, args: [join(start, 'fastify.mjs')] },
    { name: `loopwise JS (${label})`, node, args: [join(start, 'loopwise.mjs')], baseline: fastify, target: 1.0 },
    { name: `loopwise TS (${label})`, node, args: [...typescript, join(start, 'app.ts')], baseline: fastify, target: label === 'node 20' ? 1.5 : 1.2 },
    { name: `fastify TS (${label})`, node, args: [...typescript, join(start, 'fastify.ts')], baseline: fastify },
    { name: `loopwise JS + offload (${label})`, node, args: [join(start, 'loopwise-offload.mjs')], baseline: fastify },
    { name: `loopwise run app.ts (${label})`, node, args: [join(root, 'dist', 'cli', 'loopwise.js'), 'run', join(start, 'app.ts'), '--host', '127.0.0.1', '--port', '{port}'], baseline: fastify },
  ];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answers200(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/json', agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
    });
    request.once('error', () => resolve(false));
  });
}

/** Milliseconds from spawn to the first 200 on GET /json. */
async function timeStart(c: Case): Promise<number> {
  const port = await freePort();
  const began = performance.now();
  const child = spawn(c.node, c.args.map((a) => a.replace('{port}', String(port))), {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(port), NODE_ENV: 'production' },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  try {
    while (!(await answers200(port))) {
      if (exited) throw new Error(`${c.name} exited before answering:\n${stderr}`);
      if (performance.now() - began > READY_TIMEOUT_MS) throw new Error(`${c.name} did not answer within ${READY_TIMEOUT_MS} ms:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return performance.now() - began;
  } finally {
    child.kill('SIGKILL');
    await gone;
  }
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low]! + (sorted[Math.ceil(at)]! - sorted[low]!) * (at - low);
}

const node24 = findNode24();
const cases = [
  ...casesFor(process.execPath, `node ${process.versions.node.split('.')[0]}`, ['--import', 'tsx']),
  ...(node24 === null ? [] : casesFor(node24, 'node 24', [])),
].filter((c) => only === undefined || c.name.includes(only));
const versions = [`node ${process.version}`, ...(node24 === null ? ['node 24: not run'] : [`node 24: ${spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim()} (${node24})`])];
console.log(`start time: spawn → first 200 on GET /json; ${rounds} rounds, interleaved, order rotated each round`);
console.log(versions.join(' · '));

const loadBefore = loadavg()[0]!;
const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[(i + round) % cases.length]!;
    times.get(c.name)!.push(await timeStart(c));
    await new Promise((resolve) => setTimeout(resolve, ROUND_GAP_MS));
  }
  process.stderr.write(`round ${round + 1}/${rounds}\r`);
}

// The noise line: other processes on the machine move every case; the interleaving spreads that
// over all of them, the ratios compare within one run, and the load says how much there was.
console.log(`noise: load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (1-minute); compare ratios, not milliseconds, across runs`);
const medians = new Map<string, number>();
for (const [name, list] of times) medians.set(name, quantile([...list].sort((a, b) => a - b), 0.5));
const ms = (n: number): string => `${Math.round(n)}`;
console.log('');
console.log('| app | median ms | min–max | p25–p75 | × fastify (same node) | target |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const sorted = [...times.get(c.name)!].sort((a, b) => a - b);
  const base = c.baseline === undefined ? undefined : medians.get(c.baseline);
  const ratio = base === undefined ? '' : `${(medians.get(c.name)! / base).toFixed(2)}×`;
  const target = c.target === undefined ? '' : `≤ ${c.target.toFixed(1)}×`;
  console.log(`| ${c.name} | ${ms(quantile(sorted, 0.5))} | ${ms(sorted[0]!)}–${ms(sorted.at(-1)!)} | ${ms(quantile(sorted, 0.25))}–${ms(quantile(sorted, 0.75))} | ${ratio} | ${target} |`);
}
