// Side-by-side throughput of loopwise, Fastify, Hono, Express and bare node:http on Node, and of
// Bun.serve, Elysia and loopwise on Bun, on the same three routes. Each run: start one server pinned
// to one core, check its answers, warm it up, load it with wrk pinned to the other core, stop it.
// Runs interleave and rotate, Node and Bun servers alike, so machine drift hits all alike.
// Usage and how to read the output: bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBaseline } from './lib/baseline.js';
import { waitForQuiet, watchRun, type Disturbance } from './lib/cpu-noise.js';
import { describeMachine, hasCommand, pinSelf } from './lib/machine.js';
import { renderWriteUp } from './lib/markdown.js';
import { parseOptions, type BenchOptions, type Route, type ServerName } from './lib/options.js';
import { DISTURBED_LOAD_PERCENT, DISTURBED_PERCENT, disturbedBy, formatRoute, formatSpread, formatTargets, isDisturbed, judge, roundSpread, summarize, type RunResult } from './lib/report.js';
import { running, startServer, stopServer } from './lib/server-process.js';
import { runtimeOf, SERVER_SPECS } from './lib/servers.js';
import { echoBodyOf, verifyServer } from './lib/verify.js';
import { runWrk } from './lib/wrk.js';

/** Whole-machine load (percent) under which a run may start. */
const QUIET_PERCENT = 10;
const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(1);
}

// Ctrl-C must not leave a pinned server running on the measured core.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(130);
  });
}

const options: BenchOptions = parseOptions(process.argv.slice(2));
const machine = describeMachine(root);
if (machine.wrk === 'missing') {
  fail('wrk is not installed. Install it with:\n\n  sudo apt-get install -y wrk      (Debian/Ubuntu)\n  brew install wrk                 (macOS)\n');
}

// The Bun rows need the pinned bun devDependency. Asked for by name, its absence is an error;
// in the default list, the Node rows still run and the header says why the Bun ones did not.
const onBun = options.servers.filter((name) => runtimeOf(name) === 'bun');
let bunNote: string | null = null;
if (onBun.length > 0 && machine.bun === 'missing') {
  const why = `${onBun.join(', ')} run${onBun.length === 1 ? 's' : ''} on Bun, and node_modules/.bin/bun is missing or does not start`;
  if (options.serversChosen) fail(`${why}. Run \`npm install\` (bun is a pinned devDependency), or leave them out of --servers.`);
  options.servers = options.servers.filter((name) => runtimeOf(name) !== 'bun');
  bunNote = `${why}: left out of this run (\`npm install\` brings bun)`;
}

if (options.serverCpu === options.loadCpu) fail('--server-cpu and --load-cpu must differ: the point is that they do not compete.');
// Pinning needs taskset and two cores; without them the runs still compare, but share cores.
const canPin = hasCommand('taskset') && machine.cores >= 2 && Math.max(options.serverCpu, options.loadCpu) < machine.cores;
const serverCpu = canPin ? options.serverCpu : null;
const loadCpu = canPin ? options.loadCpu : null;
const orchestratorPinned = canPin && pinSelf(options.loadCpu);

const echoScript = join(benchDir, 'echo.lua');
const echoBody = echoBodyOf(echoScript);
const schemaNote = options.responseSchemas
  ? 'fastify, loopwise (on Node and Bun) and elysia declare 200 response schemas on all three routes; raw-http, bun-serve, hono and express serialize by hand'
  : 'no response schemas: every server serializes with JSON.stringify (or Response.json)';
const pinning = canPin
  ? `server on core ${options.serverCpu} (taskset -c ${options.serverCpu}), wrk${orchestratorPinned ? ' and this script' : ''} on core ${options.loadCpu}`
  : 'OFF (needs taskset and 2+ cores): server and wrk share cores, absolute numbers are lower';

console.log(`loopwise bench — ${new Date().toISOString()}`);
console.log(`node ${machine.node} · bun ${machine.bun} · ${machine.cpu} (${machine.cores} cores) · linux ${machine.kernel} · wrk ${machine.wrk} · loopwise ${machine.commit}`);
const ran = (name: string): boolean => options.servers.some((server) => server === name);
const frameworks = Object.entries(machine.frameworks).filter(([name]) => ran(name) || (name === '@hono/node-server' && ran('hono')));
if (frameworks.length > 0) console.log(`frameworks: ${frameworks.map(([name, version]) => `${name} ${version}`).join(' · ')}`);
if (ran('loopwise-bun')) console.log(`loopwise-bun: bench/apps/loopwise.ts run by bun; this tree serves it through the ${machine.loopwiseOnBun}`);
if (bunNote !== null) console.log(`bun: ${bunNote}`);
console.log(`pinning: ${pinning}`);
console.log(
  `load: wrk -t1 -c${options.connections} -d${options.duration}s --latency after ${options.warmup} s warm-up; ` +
    `${options.rounds} round${options.rounds === 1 ? '' : 's'}, server order rotated each round; medians across rounds`,
);
console.log(`response schemas: ${schemaNote}`);
console.log('');

const results: RunResult[] = [];
const started = Date.now();
const totalRuns = options.rounds * options.routes.length * options.servers.length;

function describe(d: Disturbance): string {
  const core = (name: string, c: Disturbance['server']): string => `${name} core ${c.otherPercent.toFixed(0)}% other tasks + ${c.stealPercent.toFixed(0)}% steal`;
  return `${core('server', d.server)}, ${core('wrk', d.load)}`;
}

/** Waits for other people's work to die down; says so on the progress line if it had to. */
async function settle(): Promise<void> {
  if (options.maxWait === 0) return;
  // Nothing of ours runs at this point, so any load seen now is someone else's.
  const calm = await waitForQuiet(QUIET_PERCENT, options.maxWait * 1000);
  if (!calm.quiet) process.stdout.write(`(machine still ${calm.busy?.toFixed(0)}% busy after ${options.maxWait} s) `);
  else if (calm.waitedMs > 1000) process.stdout.write(`(waited ${(calm.waitedMs / 1000).toFixed(0)} s for quiet) `);
}

/**
 * One measured run of one server on one route: start, verify, warm up, load, stop. A run that lost
 * a slice of its cores to other tasks or steal is measured again (the server stays up and warm)
 * up to --retries times, and the least disturbed attempt is kept.
 */
async function benchOne(round: number, route: Route, name: ServerName, position: number): Promise<RunResult> {
  await settle();
  const server = await startServer(name, { root, cpu: serverCpu, responseSchemas: options.responseSchemas }).catch((error: unknown) =>
    fail(`could not start ${name}: ${(error as Error).message}`),
  );
  try {
    await verifyServer(server.port, echoBody, SERVER_SPECS[name].rejects).catch((error: unknown) => {
      throw new Error(`${name} answers wrongly, so measuring it would be meaningless: ${(error as Error).message}`);
    });
    const url = `http://127.0.0.1:${server.port}${route.path}`;
    const script = route.script === undefined ? undefined : join(benchDir, route.script);
    const load = { url, connections: options.connections, script, cpu: loadCpu };
    if (options.warmup > 0) await runWrk({ ...load, seconds: options.warmup });
    let best: RunResult | null = null;
    let last: RunResult | null = null;
    for (let attempt = 0; attempt <= options.retries; attempt++) {
      if (attempt > 0) {
        process.stdout.write(`(disturbed: ${describe(last!.disturbance!)}; again) `);
        await settle();
      }
      const watch = serverCpu === null || loadCpu === null ? null : watchRun(serverCpu, loadCpu, server.child.pid!);
      const run = await runWrk({ ...load, seconds: options.duration });
      const disturbance = watch?.stop() ?? null;
      if (run.non2xx > 0) {
        throw new Error(`${name} answered ${run.non2xx} of ${run.requests} requests to ${route.name} with a non-2xx status under load.\n${server.stderr()}`);
      }
      const result: RunResult = { round, route: route.name, server: name, position, attempts: attempt + 1, ...run, disturbance };
      last = result;
      if (best === null || disturbedBy(result) < disturbedBy(best)) best = { ...result };
      best.attempts = attempt + 1;
      if (!isDisturbed(result)) break;
    }
    return best!;
  } catch (error) {
    console.log('');
    await stopServer(server.child);
    fail((error as Error).message);
  } finally {
    await stopServer(server.child);
  }
}

for (let round = 1; round <= options.rounds; round++) {
  for (const [routeIndex, route] of options.routes.entries()) {
    // Rotating by round (and route) puts every server in every slot once over N rounds.
    const shift = (round - 1 + routeIndex) % options.servers.length;
    const order: ServerName[] = [...options.servers.slice(shift), ...options.servers.slice(0, shift)];
    for (const [index, name] of order.entries()) {
      const label = `[${results.length + 1}/${totalRuns}] round ${round} ${route.name} ${name}`;
      process.stdout.write(`${label.padEnd(48)} `);
      const result = await benchOne(round, route, name, index + 1);
      results.push(result);
      const { socketErrors: e, disturbance: d } = result;
      const errors = e.connect + e.read + e.write + e.timeout;
      console.log(
        `${Math.round(result.requestsPerSecond).toLocaleString('en-US').padStart(8)} req/s  p99 ${result.p99Ms.toFixed(2)} ms` +
          (isDisturbed(result) ? `  * ${describe(d!)}` : '') +
          (errors > 0 ? `  (socket errors: ${JSON.stringify(e)})` : ''),
      );
    }
  }
}

const summaries = summarize(results, options.routes, options.servers);
const resultsMarkdown = join(benchDir, 'RESULTS.md');
const targets = judge(summaries, readBaseline(resultsMarkdown));

console.log('');
console.log(summaries.map(formatRoute).join('\n\n'));
const disturbed = results.filter(isDisturbed).length;
const disturbance =
  disturbed === 0
    ? `No run was disturbed by other work (0 of ${results.length}, after up to ${options.retries} retries each).`
    : `* ${disturbed} of ${results.length} runs lost more than ${DISTURBED_PERCENT}% of the server core ` +
      `(or ${DISTURBED_LOAD_PERCENT}% of wrk's) to other tasks or hypervisor steal ` +
      `even after ${options.retries} retr${options.retries === 1 ? 'y' : 'ies'}: those numbers are low by about that share; rerun on a quieter machine if they decide a verdict.`;
if (disturbed > 0) {
  console.log('');
  console.log(disturbance);
}
const noise = roundSpread(summaries);
const spread = formatSpread(noise);
if (spread !== null) {
  console.log('');
  console.log(spread);
}
const targetLines = formatTargets(targets, noise?.median ?? null);
console.log('');
console.log(targetLines);

const resultsDir = join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
const report = {
  startedAt: new Date(started).toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  machine,
  settings: { ...options, routes: options.routes.map((r) => r.name), pinned: canPin, echoBody },
  responseSchemas: schemaNote,
  summaries,
  roundSpread: roundSpread(summaries),
  targets,
  runs: results,
};
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
const writeUp = file.replace(/\.json$/, '.md');
const args = process.argv.slice(2);
writeFileSync(
  writeUp,
  renderWriteUp({
    startedAt: new Date(started),
    command: `npm run bench${args.length === 0 ? '' : ` -- ${args.join(' ')}`}`,
    shape:
      `${options.rounds} round${options.rounds === 1 ? '' : 's'} × ${options.routes.length} routes × ${options.servers.length} servers, ` +
      `wrk \`-t1 -c${options.connections} -d${options.duration}s\` after a ${options.warmup} s warm-up`,
    machine,
    pinning,
    responseSchemas: schemaNote,
    resultsFile: relative(root, file),
    summaries,
    disturbance,
    noise: spread,
    targets: targetLines,
  }),
);
console.log('');
console.log(`results: ${relative(process.cwd(), file)} (${report.seconds} s)`);
console.log(`write-up for bench/RESULTS.md: ${relative(process.cwd(), writeUp)}`);

if (options.check && targets.some((t) => t.pass === false)) process.exit(1);
