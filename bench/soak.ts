// Soak: minutes of mixed load on one loopwise server, watching its memory. The server
// (bench/apps/mixed.ts: JSON, path parameters, a JSON body, 404, 422, an offloaded route, a
// dependency with cleanup, an event stream) runs in its own process pinned to one core; the load
// (autocannon as a library, every answer checked) runs here, pinned to another. Every --interval
// seconds it samples the server's RSS (/proc/<pid>/status VmRSS) and its heapUsed after a full GC
// (GET /__memory?gc=true), and prints a row. At the end: start/end/max RSS, req/s, errors, and a
// verdict. Exits 1 if any request failed or was answered wrongly, or if RSS or the heap grew by
// more than their bounds after the warm-up, or if the server does not exit 0 on SIGTERM at the
// end; 2 on bad options.
// Usage: npm run soak [-- --minutes 5]   (see bench/README.md)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { watchRun } from './lib/cpu-noise.js';
import { describeMachine, hasCommand, pinSelf } from './lib/machine.js';
import { LEAK, MIX, runMixedLoad, startMixedLoad, type LiveCounts } from './lib/mixed-load.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const MiB = 1024 * 1024;

const HELP = `Usage: npm run soak -- [options]

  --minutes N        minutes of load (default 5)
  --interval S       seconds between samples (default 10)
  --warmup S         seconds of load before the memory baseline is taken (default 60)
  --connections N    concurrent keep-alive connections (default 20)
  --threads N        offload pool threads, all started with the server (default 4)
  --rss-bound M      most RSS may grow after the warm-up, MiB (default 64)
  --heap-bound M     most heapUsed (after GC) may grow after the warm-up, MiB (default 8)
  --server-cpu N     core the server is pinned to (default 0)
  --load-cpu N       core the load generator is pinned to (default 1)
  --leak             add GET /leak, which leaks on purpose, to the mix: the soak must then fail
  --help             this text`;

function fail(message: string): never {
  console.error(`soak: ${message}\n\n${HELP}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
  strict: true,
  options: {
    minutes: { type: 'string' },
    interval: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    threads: { type: 'string' },
    'rss-bound': { type: 'string' },
    'heap-bound': { type: 'string' },
    'server-cpu': { type: 'string' },
    'load-cpu': { type: 'string' },
    leak: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values } = parsed;
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
function number(name: keyof typeof values, fallback: number, { integer = true, min = 0 } = {}): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) fail(`--${name} takes a ${integer ? 'whole ' : ''}number ≥ ${min}, got "${String(raw)}"`);
  return value;
}
const minutes = number('minutes', 5, { integer: false, min: 0.1 });
const interval = number('interval', 10, { min: 1 });
const warmup = number('warmup', 60);
const connections = number('connections', 20, { min: 1 });
const threads = number('threads', 4, { min: 1 });
const rssBound = number('rss-bound', 64) * MiB;
const heapBound = number('heap-bound', 8) * MiB;
const serverCpu = number('server-cpu', 0);
const loadCpu = number('load-cpu', 1);
const durationSeconds = Math.round(minutes * 60);
const mix = values.leak ? [...MIX, LEAK] : MIX;
if (warmup >= durationSeconds) fail(`--warmup (${warmup} s) must be shorter than the run (${durationSeconds} s)`);

const machine = describeMachine(root);
const pinned = hasCommand('taskset') && machine.cores >= 2 && pinSelf(loadCpu);
const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---------------------------------------------------------------------------------------------
// The server

interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
  stderr(): string;
}

let server: Server | null = null;

async function startServer(): Promise<Server> {
  const node = [process.execPath, '--expose-gc', '--import', 'tsx', join(root, 'bench', 'apps', 'mixed.ts')];
  const [command, ...args] = pinned ? ['taskset', '-c', String(serverCpu), ...node] : node;
  const child = spawn(command!, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', PORT: '0', THREADS: String(threads), LEAK: values.leak ? '1' : '0' },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not print "ready <port>" within 60 s\n${stderr}`)), 60_000);
    lines.on('line', (line) => {
      const ready = /^ready (\d+)$/.exec(line);
      if (ready === null) return;
      clearTimeout(timer);
      resolve(Number(ready[1]));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited before it was ready (code ${code}, signal ${signal})\n${stderr}`));
    });
  });
  // taskset execs node: the pid is the server's own.
  return { child, pid: child.pid!, port, stderr: () => stderr };
}

/** SIGTERM and the time to a graceful exit; SIGKILL past 15 s. */
async function stopServer(child: ChildProcess): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const start = Date.now();
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, ms: 0 };
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const [code, signal] = await exited;
  clearTimeout(timer);
  return { code, signal, ms: Date.now() - start };
}

process.once('SIGINT', () => {
  if (server !== null) server.child.kill('SIGKILL');
  process.exit(130);
});

// ---------------------------------------------------------------------------------------------
// Samples

interface Sample {
  /** Seconds since the load started (0: before it). */
  t: number;
  rss: number;
  heapUsed: number;
  counts: LiveCounts;
  /** Responses per second since the previous sample. */
  rate: number;
  /** Failed or wrongly answered requests since the previous sample. */
  failures: number;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (kb === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

function heapAfterGc(port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/__memory?gc=true', agent: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve((JSON.parse(body) as { heapUsed: number }).heapUsed) : reject(new Error(`GET /__memory: ${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error('GET /__memory timed out')));
    req.on('error', reject);
    req.end();
  });
}

const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
const pad = (text: string | number, width: number): string => String(text).padStart(width);
const HEADER = `${pad('t (s)', 6)} ${pad('req/s', 8)} ${pad('requests', 10)} ${pad('failed', 7)} ${pad('RSS MiB', 8)} ${pad('heap MiB', 9)}`;
const row = (s: Sample): string =>
  `${pad(s.t, 6)} ${pad(s.t === 0 ? '-' : Math.round(s.rate), 8)} ${pad(s.counts.responses, 10)} ${pad(s.failures, 7)} ${pad(mib(s.rss), 8)} ${pad(mib(s.heapUsed), 9)}`;

// ---------------------------------------------------------------------------------------------
// The run

console.log(`soak: ${minutes} min of mixed load (${mix.map((r) => r.name).join(', ')})`);
console.log(`  ${connections} keep-alive connections, sample every ${interval} s, memory baseline after ${warmup} s of warm-up`);
console.log(`  node ${machine.node}, ${machine.cores} cores (${machine.cpu}), commit ${machine.commit}`);
console.log(`  ${pinned ? `server pinned to core ${serverCpu} (its ${threads} offload threads too), load to core ${loadCpu}` : 'unpinned (no taskset or a single core)'}`);
const loadBefore = loadAverage();
console.log(`  machine load average before: ${loadBefore} (other work on the machine shares the cores and shows in req/s)`);

server = await startServer();
const url = `http://127.0.0.1:${server.port}`;
// Every route answers right before the load starts: a wrong answer under load would otherwise be 1 of millions.
const check = await runMixedLoad(url, { amount: mix.length * 2, connections: 1, mix });
if (check.wrong + check.errors + check.timeouts > 0) {
  console.error(`soak: the server answers wrongly before any load:\n${check.samples.join('\n')}`);
  await stopServer(server.child);
  process.exit(1);
}

const samples: Sample[] = [];
const zero: LiveCounts = { responses: 0, wrong: 0, errors: 0 };
const take = async (t: number, counts: LiveCounts, seconds: number): Promise<Sample> => {
  const previous = samples.at(-1)?.counts ?? zero;
  const sample: Sample = {
    t,
    rss: rssOf(server!.pid),
    heapUsed: await heapAfterGc(server!.port),
    counts,
    rate: seconds > 0 ? (counts.responses - previous.responses) / seconds : 0,
    failures: counts.wrong + counts.errors - (previous.wrong + previous.errors),
  };
  samples.push(sample);
  console.log(row(sample));
  return sample;
};

console.log(`\n${HEADER}`);
await take(0, zero, 0);
const watch = watchRun(serverCpu, loadCpu, server.pid);
const started = performance.now();
const load = startMixedLoad(url, { duration: durationSeconds, connections, mix });
let finished = false;
void load.done.finally(() => (finished = true));
let lastAt = started;
for (let tick = 1; !finished; tick++) {
  const due = started + tick * interval * 1000;
  while (!finished && performance.now() < due) await sleep(Math.min(250, Math.max(1, due - performance.now())));
  if (finished) break;
  const now = performance.now();
  await take(tick * interval, load.live(), (now - lastAt) / 1000);
  lastAt = now;
}
const result = await load.done;
const disturbance = watch.stop();
const elapsed = (performance.now() - started) / 1000;
const shutdown = await stopServer(server.child);
const loadAfter = loadAverage();

// ---------------------------------------------------------------------------------------------
// Summary and verdict

// RSS moves by tens of MiB from one sample to the next (the main thread's and each worker thread's
// V8 heap grow and shrink, malloc keeps freed pages a while), so one sample is compared with none:
// the median of the first WINDOW samples after the warm-up with the median of the last WINDOW.
const WINDOW = 3;
const after = samples.filter((s) => s.t >= warmup && s.t > 0);
if (after.length < 2) fail(`too few samples after the warm-up (${after.length}): lengthen --minutes or shorten --warmup or --interval`);
const window = Math.min(WINDOW, Math.floor(after.length / 2));
const median = (numbers: number[]): number => {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const first = after.slice(0, window);
const last = after.slice(-window);
const baseline = { t: first[0]!.t, rss: median(first.map((s) => s.rss)), heapUsed: median(first.map((s) => s.heapUsed)) };
const end = { t: last.at(-1)!.t, rss: median(last.map((s) => s.rss)), heapUsed: median(last.map((s) => s.heapUsed)) };
const rssGrowth = end.rss - baseline.rss;
const heapGrowth = end.heapUsed - baseline.heapUsed;
const failed = result.errors + result.timeouts + result.wrong;
const checks = [
  { label: 'no failed or wrong requests', pass: failed === 0, detail: `${result.errors} errors, ${result.timeouts} timeouts, ${result.wrong} wrong answers` },
  {
    label: `RSS growth after warm-up ≤ ${mib(rssBound)} MiB`,
    pass: rssGrowth <= rssBound,
    detail: `${mib(rssGrowth)} MiB (median of ${window} samples from t=${baseline.t} s → median of the last ${window}, to t=${end.t} s)`,
  },
  { label: `heapUsed growth after warm-up ≤ ${mib(heapBound)} MiB`, pass: heapGrowth <= heapBound, detail: `${mib(heapGrowth)} MiB` },
  { label: 'graceful exit on SIGTERM', pass: shutdown.code === 0, detail: `exit ${shutdown.code ?? shutdown.signal} after ${shutdown.ms} ms` },
];

console.log(`\nrequests: ${result.responses} in ${elapsed.toFixed(0)} s, ${Math.round(result.responses / elapsed)} req/s on average`);
console.log(`  per route: ${Object.entries(result.perRoute).map(([name, n]) => `${name} ${n}`).join(', ')}`);
if (result.samples.length > 0) console.log(`  wrong answers, first ones:\n    ${result.samples.join('\n    ')}`);
const lastSample = samples.at(-1)!;
const max = (key: 'rss' | 'heapUsed'): string => mib(Math.max(...samples.map((s) => s[key])));
console.log(`RSS: start ${mib(samples[0]!.rss)} MiB (before load), end ${mib(lastSample.rss)} MiB, max ${max('rss')} MiB; after warm-up ${mib(baseline.rss)} → ${mib(end.rss)} MiB (medians)`);
console.log(`heapUsed after GC: start ${mib(samples[0]!.heapUsed)} MiB, end ${mib(lastSample.heapUsed)} MiB, max ${max('heapUsed')} MiB; after warm-up ${mib(baseline.heapUsed)} → ${mib(end.heapUsed)} MiB (medians)`);
console.log(`machine load average: ${loadBefore} before, ${loadAfter} after`);
if (disturbance !== null) {
  console.log(
    `other work during the run: ${disturbance.server.otherPercent.toFixed(0)}% of the server core, ${disturbance.load.otherPercent.toFixed(0)}% of the load core ` +
      `(steal ${disturbance.server.stealPercent.toFixed(0)}% / ${disturbance.load.stealPercent.toFixed(0)}%)`,
  );
}
for (const c of checks) console.log(`${c.pass ? 'PASS' : 'FAIL'}  ${c.label}: ${c.detail}`);

const file = join(root, 'bench', 'results', `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(
  file,
  `${JSON.stringify(
    {
      machine,
      settings: { minutes, interval, warmup, connections, threads, rssBound, heapBound, pinned, serverCpu, loadCpu },
      loadAverage: { before: loadBefore, after: loadAfter },
      disturbance,
      samples,
      result,
      shutdown,
      checks,
    },
    null,
    2,
  )}\n`,
);
console.log(`results: ${file}`);
process.exit(checks.every((c) => c.pass) ? 0 : 1);
