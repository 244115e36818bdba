// What offload buys, measured: the seed app under load, server pinned to core 0 and wrk to core 1.
// 1. GET /json alone; 2. GET /json while GET /sync (a blocking wait, offloaded) saturates the
// pool; 3. GET /json while GET /blocking (the same wait, inline) runs. Then what it costs: a
// trivial route inline and offloaded (bench/apps/offload-hop-app.ts). Usage: bench/README.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, hasCommand } from './lib/machine.js';
import { runWrk, type WrkRun } from './lib/wrk.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    delay: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    'sync-connections': { type: 'string', default: '16' },
  },
});
const delay = Number(values.delay);
const seconds = Number(values.duration);
const connections = Number(values.connections);
// Concurrent /sync calls: the pool grows to hold them all (they wait, not compute), up to its cap.
const threads = Number(values['sync-connections']);

const machine = describeMachine(root);
if (machine.wrk === 'missing') {
  console.error('bench: wrk is not installed (apt-get install -y wrk)');
  process.exit(1);
}
const pin = hasCommand('taskset') && machine.cores >= 2;
const [serverCpu, loadCpu] = pin ? [0, 1] : [null, null];

console.log(`loopwise offload bench — ${new Date().toISOString()}`);
console.log(`node ${machine.node} · ${machine.cpu} (${machine.cores} cores) · loopwise ${machine.commit}`);
console.log(`seed app: blocking wait ${delay} ms; offload pool at its defaults, ${threads} blocking calls at once; pinning ${pin ? 'server core 0, wrk core 1' : 'OFF'}`);
console.log(`load: /json wrk -t1 -c${connections} -d${seconds}s; background load wrk -t1 -c${2 * threads} on /sync, -c2 on /blocking\n`);

let server = startServer(join(root, 'examples', 'seed', 'serve.ts'));

try {
  const base = await readyUrl();
  const wrk = (path: string, conns: number, secs = seconds): Promise<WrkRun> =>
    runWrk({ url: base + path, seconds: secs, connections: conns, cpu: loadCpu });
  // Warm-up: every pool thread started, the JIT warm on both routes.
  await Promise.all([wrk('/sync', 2 * threads, 2), wrk('/json', connections, 2)]);
  await wrk('/json', connections, 2); // and settled: the warm-up's garbage collected before measuring alone

  const alone = await wrk('/json', connections);
  const [withSync, sync] = await Promise.all([wrk('/json', connections), wrk('/sync', 2 * threads)]);
  const [withBlocking, blocking] = await Promise.all([wrk('/json', connections), wrk('/blocking', 2)]);

  const row = (label: string, json: WrkRun, background: string) =>
    [label, fmt(json.requestsPerSecond), `${json.p50Ms.toFixed(2)} ms`, `${json.p99Ms.toFixed(2)} ms`, String(json.non2xx + errors(json)), background];
  const rows = [
    ['GET /json', 'req/s', 'p50', 'p99', 'errors', 'beside it'],
    row('alone', alone, '-'),
    row('+ /sync load', withSync, `/sync ${sync.requestsPerSecond.toFixed(1)} req/s (bound with one thread per call: ${threads} × 1000 / ${delay} = ${((threads * 1000) / delay).toFixed(0)})`),
    row('+ /blocking load', withBlocking, `/blocking ${blocking.requestsPerSecond.toFixed(1)} req/s (loop bound: 1000 / ${delay} = ${(1000 / delay).toFixed(0)})`),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  console.log(
    `\n/json p99 beside offloaded blocking work: ${(withSync.p99Ms / alone.p99Ms).toFixed(2)}× alone; ` +
      `beside the same work inline: ${(withBlocking.p99Ms / alone.p99Ms).toFixed(1)}× alone.`,
  );
} finally {
  await stop();
}

// The cost side: a route that does nothing, inline and offloaded. Every thread of the server
// shares core 0 here, so the hop's work on both sides of it is counted.
server = startServer(join(root, 'bench', 'apps', 'offload-hop-app.ts'));
try {
  const url = await readyUrl();
  const base = url.startsWith('http') ? url : `http://127.0.0.1:${url}`;
  const wrk = (path: string, secs = seconds): Promise<WrkRun> => runWrk({ url: base + path, seconds: secs, connections, cpu: loadCpu });
  await wrk('/inline', 2);
  await wrk('/offloaded', 2);
  const inline = await wrk('/inline');
  const offloaded = await wrk('/offloaded');
  console.log(`\nA trivial route: inline ${fmt(inline.requestsPerSecond)} req/s (p99 ${inline.p99Ms.toFixed(2)} ms), offloaded ${fmt(offloaded.requestsPerSecond)} req/s (p99 ${offloaded.p99Ms.toFixed(2)} ms):`);
  const hopUs = (1 / offloaded.requestsPerSecond - 1 / inline.requestsPerSecond) * 1e6;
  console.log(`the hop to a worker and back costs about ${hopUs.toFixed(0)} µs of core time per request.`);
} finally {
  await stop();
}

function startServer(file: string) {
  const node = [process.execPath, '--import', 'tsx', file];
  return spawn(pin ? 'taskset' : node[0]!, pin ? ['-c', String(serverCpu), ...node] : node.slice(1), {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', SEED_DELAY_MS: String(delay) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function stop(): Promise<void> {
  server.kill('SIGTERM');
  if (server.exitCode === null) await once(server, 'exit');
}

async function readyUrl(): Promise<string> {
  const kill = setTimeout(() => server.kill(), 20_000);
  for await (const line of createInterface({ input: server.stdout! })) {
    if (line.startsWith('ready ')) {
      clearTimeout(kill);
      server.stdout!.resume(); // keep draining, so a chatty server never blocks on a full pipe
      return line.slice('ready '.length);
    }
  }
  throw new Error('the seed server exited before it was ready');
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function errors(run: WrkRun): number {
  const s = run.socketErrors;
  return s.connect + s.read + s.write + s.timeout;
}
