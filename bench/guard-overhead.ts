// What the loop guard costs per request: the server's own CPU time (utime + stime from /proc)
// for a fixed number of GET /json requests, guard on (loopwise) vs off (loopwise-noguard),
// alternating runs. CPU time per request moves far less on a noisy VM than req/s does.
// Usage: npm run bench:guard [-- --runs 6 --requests 100000]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, hasCommand } from './lib/machine.js';
import { startServer, stopServer } from './lib/server-process.js';
import { median } from './lib/report.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '6' }, requests: { type: 'string', default: '100000' } } });
const runs = Number(values.runs);
const requests = Number(values.requests);
const pin = hasCommand('taskset') && describeMachine(root).cores >= 2;
const autocannon = join(root, 'node_modules', '.bin', 'autocannon');
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds the process has used so far (all its threads). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime
}

function load(port: number, amount: number): void {
  const command = [autocannon, '-a', String(amount), '-c', '50', '-p', '1', `http://127.0.0.1:${port}/json`];
  execFileSync(pin ? 'taskset' : command[0]!, pin ? ['-c', '1', ...command] : command.slice(1), { stdio: 'ignore' });
}

const perRequest: Record<'loopwise' | 'loopwise-noguard', number[]> = { loopwise: [], 'loopwise-noguard': [] };
console.log(`guard overhead — ${runs} alternating runs per variant, ${requests} GET /json each, server ${pin ? 'pinned to core 0' : 'unpinned'}`);
for (let run = 0; run < runs; run++) {
  for (const name of run % 2 === 0 ? (['loopwise', 'loopwise-noguard'] as const) : (['loopwise-noguard', 'loopwise'] as const)) {
    const server = await startServer(name, { root, cpu: pin ? 0 : null, responseSchemas: true });
    try {
      load(server.port, 20_000); // warm: the JIT has compiled the request path
      const before = cpuSeconds(server.child.pid!);
      load(server.port, requests);
      const us = ((cpuSeconds(server.child.pid!) - before) / requests) * 1e6;
      perRequest[name].push(us);
      console.log(`  run ${run + 1} ${name.padEnd(17)} ${us.toFixed(2)} µs CPU per request`);
    } finally {
      await stopServer(server.child);
    }
  }
}
const on = median(perRequest.loopwise);
const off = median(perRequest['loopwise-noguard']);
console.log(`\nmedian CPU per request: guard on ${on.toFixed(2)} µs, off ${off.toFixed(2)} µs: the guard costs ${(((on - off) / off) * 100).toFixed(1)}%`);
console.log(`(on a saturated core that is ${(off / on).toFixed(3)}× the guard-off throughput; spread per variant: on ${spread(perRequest.loopwise)}, off ${spread(perRequest['loopwise-noguard'])})`);

function spread(values: number[]): string {
  return `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)} µs`;
}
