// Scaling out, measured (issue 24): GET /wait blocks a thread for 50 ms and is offloaded through a
// BullMQ queue on a real redis-server; 1, 2 and 4 `loopwise worker` processes (concurrency 4 each)
// run it. Per worker count: /wait's req/s against the bound (workers × concurrency × 1000 / 50),
// its p50 and p99, and the light GET /json alone and beside it. Then the hop's cost: one trivial
// handler inline, on a worker thread and through the queue, one request at a time.
// Usage: npm run bench:scale [-- --rounds 3 --duration 5 --workers 1,2,4 --append]  (bench/README.md)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, appendFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountCpu, type CpuAccount } from './lib/cpu-account.js';
import { waitForQuiet } from './lib/cpu-noise.js';
import { killStarted, startApi, startWorker, type LoopwiseProcess } from './lib/loopwise-process.js';
import { describeMachine, hasCommand, pinSelf } from './lib/machine.js';
import { freePort, redisServerMissing, startRedisProcess, type RedisProcess } from './lib/redis-process.js';
import { HOPS, noiseOf, scaleTables, type HopRun, type ScaleRun } from './lib/scale-report.js';
import { runWrk, type WrkRun } from './lib/wrk.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const APP = join(root, 'bench', 'apps', 'scale-app.ts');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '5' },
    workers: { type: 'string', default: '1,2,4' },
    concurrency: { type: 'string', default: '4' },
    'wait-ms': { type: 'string', default: '50' },
    'json-connections': { type: 'string', default: '10' },
    'max-wait': { type: 'string', default: '20' },
    append: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});
const rounds = values.quick ? 1 : Number(values.rounds);
const seconds = values.quick ? 2 : Number(values.duration);
const warmup = Number(values.warmup);
const workerCounts = values.workers!.split(',').map(Number);
const concurrency = Number(values.concurrency);
const waitMs = Number(values['wait-ms']);
const jsonConnections = Number(values['json-connections']);
const maxWait = Number(values['max-wait']);

const machine = describeMachine(root);
const missing = [machine.wrk === 'missing' ? 'wrk (apt-get install -y wrk)' : null, redisServerMissing()].filter((m) => m !== null);
if (missing.length > 0) {
  console.error(`bench:scale needs ${missing.join(' and ')}`);
  process.exit(1);
}
const pin = hasCommand('taskset') && machine.cores >= 2;
const [apiCpu, loadCpu] = pin ? [0, 1] : [null, null];
if (loadCpu !== null) pinSelf(loadCpu);
const versionOf = (name: string): string => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const redisVersion = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? 'unknown';
const command = `npm run bench:scale${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const startedAt = new Date();
const header = [
  `${command} · ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC · loopwise ${machine.commit}`,
  `node ${machine.node} · bullmq ${versionOf('bullmq')} · ioredis ${versionOf('ioredis')} · redis-server ${redisVersion} · wrk ${machine.wrk}`,
  `${machine.cpu}, ${machine.cores} cores (${machine.kernel}): the API (\`loopwise run\`, one process) ${pin ? 'pinned to core 0, wrk and this driver to core 1' : 'unpinned (no taskset or one core)'}; ` +
    `redis-server and the \`loopwise worker\` processes unpinned (they mostly wait: ${workerCounts.at(-1)! * concurrency} threads blocked in Atomics.wait need no core)`,
  `/wait: Atomics.wait ${waitMs} ms, offload: { queue }; load wrk -t1 -c(2 × workers × concurrency) so jobs always wait; /json: wrk -t1 -c${jsonConnections}; ${rounds} round(s) of ${seconds} s per figure, ${warmup} s warm-up per worker count`,
];
console.log(header.join('\n') + '\n');

const loadBefore = loadavg();
let redis: RedisProcess | null = null;
let api: LoopwiseProcess | null = null;
const workers: LoopwiseProcess[] = [];

async function cleanUp(): Promise<void> {
  await Promise.allSettled(workers.splice(0).map((w) => w.stop()));
  await api?.stop();
  await redis?.stop();
}
process.once('SIGINT', () => {
  console.error('\nbench:scale interrupted: stopping its processes');
  cleanUp().finally(() => process.exit(130));
});
// Whatever ends the driver, nothing it started outlives it.
process.once('exit', () => {
  killStarted();
  redis?.child.kill('SIGKILL');
});

const runs: ScaleRun[] = [];
const hops: HopRun[] = [];
const accounts: CpuAccount[] = [];

try {
  redis = await startRedisProcess();
  const env = { REDIS_URL: redis.url, NODE_ENV: 'production', SCALE_WAIT_MS: String(waitMs), LOG_LEVEL: 'warn' };
  const port = await freePort();
  api = await startApi(APP, port, [], { env, cpu: apiCpu });
  const base = `http://127.0.0.1:${port}`;
  const wrk = (path: string, connections: number, secs = seconds): Promise<WrkRun> =>
    runWrk({ url: base + path, seconds: secs, connections, cpu: loadCpu, timeout: 10 });
  const groups = (): Record<string, number[]> => ({ api: [api!.pid], workers: workers.map((w) => w.pid), redis: [redis!.child.pid!] });
  const measured = async <T>(work: () => Promise<T>): Promise<[T, CpuAccount]> => {
    const account = accountCpu(groups());
    const result = await work();
    const cpu = account.stop();
    accounts.push(cpu);
    return [result, cpu];
  };
  const quiet = async (): Promise<void> => {
    if (maxWait <= 0) return;
    const calm = await waitForQuiet(10, maxWait * 1000);
    if (!calm.quiet) process.stdout.write(`(machine still ${calm.busy?.toFixed(0)}% busy after ${maxWait} s) `);
  };
  /** Starts or stops workers (SIGTERM: they finish their jobs) until `count` run. */
  const scaleTo = async (count: number): Promise<void> => {
    while (workers.length > count) await workers.pop()!.stop();
    const more = await Promise.all(Array.from({ length: count - workers.length }, () => startWorker(APP, concurrency, { env })));
    workers.push(...more);
  };

  for (let round = 1; round <= rounds; round++) {
    // Up one round, down the next: no worker count always comes first.
    for (const count of round % 2 === 1 ? workerCounts : [...workerCounts].reverse()) {
      await scaleTo(count);
      const connections = 2 * count * concurrency;
      const bound = (count * concurrency * 1000) / waitMs;
      process.stdout.write(`round ${round}, ${count} worker(s) × ${concurrency} (bound ${bound} req/s): `);
      await Promise.all([wrk('/wait', connections, warmup), wrk('/json', jsonConnections, warmup)]);
      await sleep(500); // the warm-up's jobs drain
      await quiet();
      const [jsonAlone] = await measured(() => wrk('/json', jsonConnections));
      const [queueAlone, cpu] = await measured(() => wrk('/wait', connections));
      await sleep(500);
      const [[queueBeside, jsonBeside]] = await measured(() => Promise.all([wrk('/wait', connections), wrk('/json', jsonConnections)]));
      runs.push({ round, workers: count, concurrency, bound, queueAlone, jsonAlone, queueBeside, jsonBeside, cpu });
      console.log(
        `/wait ${queueAlone.requestsPerSecond.toFixed(1)} req/s, p99 ${queueAlone.p99Ms.toFixed(1)} ms; ` +
          `/json ${Math.round(jsonAlone.requestsPerSecond)} req/s alone, ${Math.round(jsonBeside.requestsPerSecond)} beside (p99 ${jsonAlone.p99Ms.toFixed(2)} → ${jsonBeside.p99Ms.toFixed(2)} ms)`,
      );
    }
  }

  // The hop: one worker, one request at a time, so latency is the hop's and not a queue's.
  await scaleTo(1);
  for (const [, path] of HOPS) await wrk(path, 1, warmup);
  for (let round = 1; round <= rounds; round++) {
    const shift = (round - 1) % HOPS.length;
    for (const [hop, path] of [...HOPS.slice(shift), ...HOPS.slice(0, shift)]) {
      await quiet();
      const [run, cpu] = await measured(() => wrk(path, 1));
      hops.push({ round, hop, run, cpu });
      console.log(`round ${round}, ${hop}: p50 ${run.p50Ms.toFixed(2)} ms, ${Math.round(run.requestsPerSecond)} req/s`);
    }
  }
} finally {
  await cleanUp();
}

const loadAfter = loadavg();
const tables = scaleTables(runs, hops, workerCounts);
const noise = `noise: load average ${loadBefore.map((v) => v.toFixed(2)).join(' ')} before, ${loadAfter.map((v) => v.toFixed(2)).join(' ')} after; ${noiseOf(accounts)}`;
console.log(`\n${tables}\n\nmedians over ${rounds} round(s), lowest–highest in brackets; errors: non-2xx answers and socket errors in every run of that row\n${noise}`);

const section = [
  `## Scaling out (issue 24): offload through the queue to 1, 2 and 4 workers (${startedAt.toISOString().slice(0, 10)})`,
  '',
  ...header.map((line) => `${line}  `),
  '',
  tables,
  '',
  `Medians over ${rounds} round(s), lowest–highest in brackets. errors: non-2xx answers and socket errors in every run of that row. CPU per request: the process's own time (all its threads) over the run, divided by the requests answered.`,
  '',
  noise,
  '',
].join('\n');
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
writeFileSync(join(resultsDir, `scale-${stamp}.md`), section);
writeFileSync(join(resultsDir, `scale-${stamp}.json`), `${JSON.stringify({ bench: 'scale', startedAt, machine, command, loadavg: { before: loadBefore, after: loadAfter }, runs, hops }, null, 2)}\n`);
if (values.append) appendFileSync(join(root, 'bench', 'RESULTS.md'), `\n${section}`);
console.log(`\nwritten: bench/results/scale-${stamp}.md${values.append ? ' and appended to bench/RESULTS.md' : ' (--append adds it to bench/RESULTS.md)'}`);
