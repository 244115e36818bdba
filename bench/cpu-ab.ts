// A/B of the server's own CPU time per request (utime + stime from /proc, as bench:guard does)
// between two checkouts of loopwise, e.g. before and after a change to the request path. Runs
// the bench's loopwise server from each tree in turn, pinned to core 0, autocannon on core 1.
// Usage: node --import tsx bench/cpu-ab.ts <tree A> <tree B> [path=/json] [runs=6]
// (make tree A with `git worktree add /tmp/before <commit>` and link its node_modules).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer } from './lib/server-process.js';
import { median } from './lib/report.js';

const [treeA, treeB, path = '/json', runs = '6'] = process.argv.slice(2);
if (treeA === undefined || treeB === undefined) {
  console.error('usage: node --import tsx bench/cpu-ab.ts <tree A> <tree B> [path=/json] [runs=6]');
  process.exit(2);
}
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const autocannon = join(root, 'node_modules', '.bin', 'autocannon');
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const REQUESTS = 100_000;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function load(port: number, amount: number): void {
  execFileSync('taskset', ['-c', '1', autocannon, '-a', String(amount), '-c', '50', '-p', '1', `http://127.0.0.1:${port}${path}`], { stdio: 'ignore' });
}

const perRequest: Record<'A' | 'B', number[]> = { A: [], B: [] };
for (let run = 0; run < Number(runs); run++) {
  const order: ['A' | 'B', string][] = run % 2 === 0 ? [['A', treeA], ['B', treeB]] : [['B', treeB], ['A', treeA]];
  for (const [name, tree] of order) {
    const server = await startServer('loopwise', { root: tree, cpu: 0, responseSchemas: true });
    try {
      load(server.port, 20_000); // warm: the JIT has compiled the request path
      const before = cpuSeconds(server.child.pid!);
      load(server.port, REQUESTS);
      perRequest[name].push(((cpuSeconds(server.child.pid!) - before) / REQUESTS) * 1e6);
    } finally {
      await stopServer(server.child);
    }
  }
}
const show = (name: 'A' | 'B') => `${median(perRequest[name]).toFixed(2)} µs (runs ${perRequest[name].map((v) => v.toFixed(1)).join(' ')})`;
console.log(`GET ${path}, server CPU per request, median of ${runs}:\n  A ${treeA}: ${show('A')}\n  B ${treeB}: ${show('B')}`);
