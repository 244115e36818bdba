// Issue 19's table in one run: the seed lesson (a 200 ms wait, awaited, offloaded or blocking)
// at 100 clients, in loopwise and in FastAPI, on the same machine. Each case starts its server
// afresh, pinned to one core, probes the light route alone, warms the loaded route up, then loads
// it with wrk on the other core while the light route is probed beside it. Usage: bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { waitForQuiet, watchRun } from './lib/cpu-noise.js';
import { startProbe, type ProbeResult } from './lib/light-probe.js';
import { describeMachine, hasCommand, pinSelf } from './lib/machine.js';
import { readStatus, startSampler } from './lib/process-sampler.js';
import { parseSeedOptions, type SeedCase } from './lib/seed-cases.js';
import { formatCriteria, formatDisturbance, formatSeries, formatTable, judge, summarizeCase, type CaseRun, type CaseSummary } from './lib/seed-report.js';
import { distMissing, INSTALL_HINT, pythonStack, startSeedServer, stopSeedServer, type PythonStack } from './lib/seed-servers.js';
import { running } from './lib/server-process.js';
import { runWrk } from './lib/wrk.js';

/** Whole-machine load (percent) under which a case may start. */
const QUIET_PERCENT = 10;
/** What /hash's CPU loop is calibrated to (bench/apps/seed-app.mjs). */
const HASH_MS = 50;
const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);

function fail(message: string): never {
  console.error(`bench:seed: ${message}`);
  process.exit(1);
}

// Ctrl-C must not leave a pinned server running on the measured core.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(130);
  });
}

const options = parseSeedOptions(process.argv.slice(2));
const machine = describeMachine(root);
const servers = new Set(options.cases.map((c) => c.server));
if (machine.wrk === 'missing') fail(`wrk is not installed. On Debian/Ubuntu:\n\n  ${INSTALL_HINT}\n`);
if (!hasCommand('taskset')) fail('taskset is not installed (util-linux): this bench pins the server and the load to separate cores.');
if (machine.cores < 2 || Math.max(options.serverCpu, options.loadCpu) >= machine.cores) {
  fail(`needs two cores to pin the server (--server-cpu ${options.serverCpu}) and the load (--load-cpu ${options.loadCpu}) apart; this machine has ${machine.cores}.`);
}
if (options.serverCpu === options.loadCpu) fail('--server-cpu and --load-cpu must differ.');
let python: PythonStack | null = null;
if (servers.has('fastapi')) {
  const stack = pythonStack();
  if ('missing' in stack) fail(`FastAPI is missing: ${stack.missing}. On Debian/Ubuntu:\n\n  ${INSTALL_HINT}\n\n(or run --only loopwise)`);
  python = stack;
}
if (servers.has('loopwise') && distMissing(root)) fail('dist/ is missing: run `npm run build` first (bench/apps/seed-app.mjs imports the built package), or run --only fastapi.');
const orchestratorPinned = pinSelf(options.loadCpu);

const seconds = options.duration;
console.log(`loopwise bench:seed — ${new Date().toISOString()}`);
console.log(`node ${machine.node} · ${machine.cpu} (${machine.cores} cores) · linux ${machine.kernel} · wrk ${machine.wrk} · loopwise ${machine.commit}`);
if (python !== null) console.log(`python ${python.python} · FastAPI ${python.fastapi} · uvicorn ${python.uvicorn} (${python.loop}, ${python.http}) · anyio ${python.anyio}`);
console.log(
  `server on core ${options.serverCpu} (taskset -c ${options.serverCpu}); wrk -t1 -c${options.connections} -d${seconds}s --timeout ${options.timeout}s --latency on core ${options.loadCpu}; ` +
    `handlers wait ${options.delayMs} ms; /hash works ${HASH_MS} ms of CPU`,
);
console.log(
  `light route: one connection in this script${orchestratorPinned ? ` (on core ${options.loadCpu})` : ''}, one request at a time, at most ${options.probeRate}/s, ` +
    `probed ${options.aloneSeconds} s alone before each case, then beside it; ${options.rounds} round${options.rounds === 1 ? '' : 's'}, case order rotated, medians`,
);
console.log('');

function probeFor(url: string, ms: number): Promise<ProbeResult> {
  const probe = startProbe({ url, rate: options.probeRate, timeoutMs: options.timeout * 1000 });
  return sleep(ms).then(() => probe.stop());
}

/** After a warm-up, a blocked server may still be working off a backlog: wait until its light route answers quickly. */
async function drained(url: string): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const result = await probeFor(url, 300);
    if (result.answers > 0 && result.maxMs! < 50) return;
  }
}

async function runCase(seedCase: SeedCase, round: number): Promise<CaseRun> {
  const server = await startSeedServer(seedCase.server, { root, cpu: options.serverCpu, delayMs: options.delayMs });
  try {
    const light = server.base + seedCase.light;
    const wrk = (path: string, connections: number, secs: number) =>
      runWrk({ url: server.base + path, seconds: secs, connections, cpu: options.loadCpu, timeout: options.timeout });
    await wrk(seedCase.light, 4, 1); // the light route's code paths warm
    const lightAlone = await probeFor(light, options.aloneSeconds * 1000);
    const threadsBefore = readStatus(server.pid)?.threads ?? null;
    if (options.warmup > 0) {
      // At the measured load, so both servers start the case with the threads that load needs (a
      // thread pool that grows is judged once grown); a few connections where the route blocks the loop.
      await wrk(seedCase.route, seedCase.gentleWarmup ? Math.min(4, options.connections) : options.connections, options.warmup);
      await drained(light);
    }
    const sampler = startSampler(server.pid, seedCase.server === 'loopwise' ? `${server.base}/metrics` : null);
    const watch = watchRun(options.serverCpu, options.loadCpu, server.pid);
    const probe = startProbe({ url: light, rate: options.probeRate, timeoutMs: options.timeout * 1000 });
    const route = await wrk(seedCase.route, options.connections, seconds);
    const lightBeside = await probe.stop();
    const disturbance = watch.stop();
    const samples = sampler.stop();
    return { case: seedCase.name, round, route, lightAlone, lightBeside, threadsBefore, samples, hashRounds: server.hashRounds, disturbance };
  } finally {
    await stopSeedServer(server.child);
  }
}

const loadBefore = loadavg();
const started = Date.now();
const runs: CaseRun[] = [];
const failures: { case: string; round: number; error: string }[] = [];
const total = options.rounds * options.cases.length;
for (let round = 1; round <= options.rounds; round++) {
  const shift = (round - 1) % options.cases.length;
  const order = [...options.cases.slice(shift), ...options.cases.slice(0, shift)];
  for (const seedCase of order) {
    process.stdout.write(`[${runs.length + failures.length + 1}/${total}] round ${round} ${seedCase.name} (${seedCase.route}, ${seedCase.light} beside) … `);
    if (options.maxWait > 0) {
      const calm = await waitForQuiet(QUIET_PERCENT, options.maxWait * 1000);
      if (!calm.quiet) process.stdout.write(`(machine still ${calm.busy?.toFixed(0)}% busy after ${options.maxWait} s) `);
    }
    try {
      const run = await runCase(seedCase, round);
      runs.push(run);
      const d = run.disturbance;
      const noise = d === null ? '' : `; other tasks: server core ${d.server.otherPercent.toFixed(0)}%, load core ${d.load.otherPercent.toFixed(0)}%`;
      console.log(`${run.route.requestsPerSecond.toFixed(1)} req/s, p99 ${run.route.p99Ms.toFixed(0)} ms; light ${run.lightBeside.answers} answers${noise}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push({ case: seedCase.name, round, error: message });
      console.log(`FAILED: ${message}`);
    }
  }
}
const loadAfter = loadavg();

const summaries: CaseSummary[] = [];
for (const seedCase of options.cases) {
  const caseRuns = runs.filter((r) => r.case === seedCase.name);
  if (caseRuns.length > 0) summaries.push(summarizeCase(seedCase, caseRuns));
}
const byName = new Map(summaries.map((s) => [s.case.name, s]));
const criteria = judge(byName, { serverCores: 1, hashMs: HASH_MS });

console.log('');
console.log(formatTable(summaries, options.probeRate));
console.log('');
console.log(
  'req/s and p99 are medians across rounds (lowest–highest in brackets); threads: most threads of the server process above its count before the first call to the loaded route ' +
    '(loopwise starts one pool thread at listen(), counted before), and the pool-threads gauge from /metrics where the app has it.',
);
const hashRuns = runs.filter((r) => r.case === 'loopwise-hash');
for (const run of hashRuns) console.log(`/hash round ${run.round}, once a second: ${formatSeries(run)}`);
if (hashRuns[0]?.hashRounds != null) console.log(`/hash: ${hashRuns[0].hashRounds} sha256 rounds of 1 KiB = ${HASH_MS} ms of CPU, calibrated by the app at start`);
console.log('');
console.log(formatCriteria(criteria));
console.log('');
const load = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' ');
console.log(formatDisturbance(summaries));
console.log(
  `noise: load average ${load(loadBefore)} before, ${load(loadAfter)} after · node ${machine.node}` +
    (python === null ? '' : ` · python ${python.python}, FastAPI ${python.fastapi}, uvicorn ${python.uvicorn}, anyio ${python.anyio}`) +
    ` · ${machine.cores} cores (server on 1)` +
    (failures.length > 0 ? ` · ${failures.length} case run(s) failed` : ''),
);

const resultsDir = join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `seed-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
const report = {
  bench: 'seed',
  startedAt: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  machine,
  python,
  loadavg: { before: loadBefore, after: loadAfter },
  settings: { ...options, cases: options.cases.map((c) => c.name), hashMs: HASH_MS, lightProbe: 'sequential client in the orchestrator, one keep-alive connection' },
  summaries: summaries.map((s) => ({ ...s, case: s.case.name })),
  criteria,
  failures,
  runs,
};
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`results: ${relative(process.cwd(), file)} (${report.seconds} s)`);
