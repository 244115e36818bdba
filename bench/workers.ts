// GET /json req/s from `loopwise run --workers 1` and `--workers 2` (node:cluster), served by the
// real CLI. With 2 cores, one worker gets core 0 and wrk core 1; two workers need both cores, so
// wrk shares them — the layout is printed with each row, and rounds alternate to spread the noise.
// Usage: node --import tsx bench/workers.ts [seconds=10] [rounds=3] [extra run flags…]
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runWrk } from './lib/wrk.js';
import { median } from './lib/report.js';

const [seconds = '10', rounds = '3', ...runFlags] = process.argv.slice(2);
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const cores = cpus().length;

interface Layout {
  workers: number;
  serverCpus: string;
  wrkCpus: string;
  wrkThreads: number;
}
const layouts: Layout[] = [
  { workers: 1, serverCpus: '0', wrkCpus: cores > 1 ? '1' : '0', wrkThreads: 1 },
  { workers: 2, serverCpus: cores > 1 ? '0,1' : '0', wrkCpus: cores > 1 ? '0,1' : '0', wrkThreads: 2 },
];

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`loopwise run exited with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within 20 s`);
}

async function measure(layout: Layout): Promise<number> {
  const port = await freePort();
  const cli = [process.execPath, '--import', 'tsx', join(root, 'src/cli/loopwise.ts'), 'run', join(root, 'bench/apps/workers-app.ts')];
  const args = ['-c', layout.serverCpus, ...cli, '--host', '127.0.0.1', '--port', String(port), '--workers', String(layout.workers), '--no-access-log', ...runFlags];
  const child = spawn('taskset', args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const url = `http://127.0.0.1:${port}/json`;
    await waitUntilServing(url, child);
    const wrk = (duration: number) =>
      runWrk({ url, seconds: duration, connections: 100, cpu: layout.wrkCpus, threads: layout.wrkThreads });
    await wrk(3); // warm-up: every worker's JIT has compiled the request path
    const run = await wrk(Number(seconds));
    if (run.non2xx > 0 || Object.values(run.socketErrors).some((n) => n > 0)) {
      throw new Error(`errors under load: ${JSON.stringify(run)}`);
    }
    return run.requestsPerSecond;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

const results = new Map<number, number[]>(layouts.map((layout) => [layout.workers, []]));
for (let round = 0; round < Number(rounds); round++) {
  for (const layout of round % 2 === 0 ? layouts : [...layouts].reverse()) {
    const rps = await measure(layout);
    results.get(layout.workers)!.push(rps);
    console.log(`round ${round + 1}: --workers ${layout.workers}: ${Math.round(rps).toLocaleString('en-US')} req/s`);
  }
}
console.log(`\nGET /json, wrk -c100 for ${seconds} s, ${cores} cores, median of ${rounds} rounds:`);
for (const layout of layouts) {
  const runs = results.get(layout.workers)!;
  console.log(
    `  --workers ${layout.workers}: ${Math.round(median(runs)).toLocaleString('en-US')} req/s ` +
      `(runs ${runs.map((v) => Math.round(v).toLocaleString('en-US')).join(' / ')}; server on cpu ${layout.serverCpus}, wrk -t${layout.wrkThreads} on cpu ${layout.wrkCpus})`,
  );
}
