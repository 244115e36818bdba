// What each offload thread costs in memory: the seed app's offloaded route served with the pool
// fixed at N threads, N requests at once so every thread has loaded the app, then the process's
// RSS. The difference per extra thread is the figure issue 19 targets (≤ 12 MiB).
//
//   npm run bench:pool-memory                 # 0 (no offloaded call), 4, 16, 40 threads; 3 runs each
//   npm run bench:pool-memory -- --threads 4,16 --runs 5
//
// Needs the built package (`npm run build`): the app imports `loopwise`, i.e. this repo's dist/.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const appFile = join(root, 'bench', 'apps', 'pool-memory-app.mjs');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}
const threadCounts = (option('--threads') ?? '0,4,16,40').split(',').map(Number);
const runs = Number(option('--runs') ?? 3);

if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('bench:pool-memory: dist/ is missing: run `npm run build` first (the app imports the built package).');
  process.exit(1);
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

function call(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/sync', agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject);
  });
}

/** RSS in MiB once `threads` threads have each run the route (0: the pool never used). */
async function measure(threads: number): Promise<number> {
  const child = spawn(process.execPath, [appFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, POOL_THREADS: String(Math.max(1, threads)), NODE_ENV: 'production' },
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const ready = /ready (\d+)/.exec(out);
        if (ready) resolve(Number(ready[1]));
      });
      child.once('exit', (code) => reject(new Error(`the app exited (${code}) before it was ready`)));
    });
    if (threads > 0) {
      // Twice N at once: every thread runs the route (and so has loaded the app) at least once.
      const statuses = await Promise.all(Array.from({ length: 2 * threads }, () => call(port)));
      const failed = statuses.filter((s) => s !== 200).length;
      if (failed > 0) throw new Error(`${failed} of ${statuses.length} calls did not answer 200`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the threads settle after their first calls
    return rssMiB(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`offload pool memory: RSS after every thread ran the seed's offloaded route once; ${runs} runs, median; ${process.version}`);
const results = new Map<number, number[]>(threadCounts.map((n) => [n, []]));
for (let run = 0; run < runs; run++) for (const n of threadCounts) results.get(n)!.push(await measure(n));
const base = results.has(0) ? median(results.get(0)!) : undefined;
console.log('| threads | RSS MiB (median) | runs | per thread above 0 |');
console.log('|---:|---:|---|---:|');
for (const [n, list] of results) {
  const perThread = base !== undefined && n > 0 ? ((median(list) - base) / n).toFixed(1) : '';
  console.log(`| ${n} | ${median(list).toFixed(0)} | ${list.map((v) => v.toFixed(0)).join(' / ')} | ${perThread} |`);
}
