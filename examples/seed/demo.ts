// The seed's missing "Performance Evidence" (`npm run demo`): serves the seed app in its own
// process, measures the light /json alone, then loads /async, /sync (offloaded) and /blocking
// (inline) in turn, each with /json loaded beside it, and prints what the clients saw, what the
// server's loop guard measured, and the guard's own warning from the server's log. Writes the
// same as a self-contained HTML report. `npm run demo -- --runtime bun` serves the app on Bun
// (the demo itself, the load and the report, stays on Node); the default is the demo's own runtime.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { currentRuntime, requireRuntime, RUNTIMES, type Runtime } from '../../src/cli/find-runtime.js';
import { runtimeLabel } from '../../src/runtime-label.js';
import { formatMs, formatRate } from '../../src/evidence/format-figures.js';
import { renderHtml } from '../../src/evidence/html-report.js';
import { runLoad, type LoadResult } from '../../src/evidence/run-load.js';
import { scrapeGuard, type GuardReading } from '../../src/evidence/scrape-metrics.js';
import { VERDICT_TEXT } from '../../src/evidence/table.js';
import type { EvidenceReport, RoutePattern, RunResult } from '../../src/evidence/types.js';

const delayMs = Number(process.env.SEED_DELAY_MS ?? 2000);
const duration = Number(process.env.SEED_DURATION ?? 8);
const concurrent = Number(process.env.SEED_CONCURRENT ?? 3);
const reportFile = process.env.SEED_REPORT ?? 'seed-report.html';
/** How long /json is measured alone first: its quiet p99 is what "stalled beside a route" is judged against. */
const QUIET_SECONDS = 1.5;
/** The terminal table stays within a normal terminal's width. */
const COLUMNS = 120;
const ROUTES: { path: string; pattern: RoutePattern }[] = [
  { path: '/async', pattern: 'async' },
  { path: '/sync', pattern: 'offloaded' },
  { path: '/blocking', pattern: 'blocking-inline' },
];

const { values: flags } = parseArgs({ options: { runtime: { type: 'string' } } });
const runtime = (flags.runtime ?? currentRuntime()) as Runtime;
if (!RUNTIMES.includes(runtime)) {
  console.error(`--runtime takes ${RUNTIMES.join(' or ')}, not ${JSON.stringify(flags.runtime)}: e.g. npm run demo -- --runtime bun`);
  process.exit(2);
}
const { command, label } = serverCommand(runtime);

// LOG_LEVEL warn: the server's log holds the loop guard's warnings and nothing of the access log.
const server = spawn(command[0]!, [...command.slice(1), fileURLToPath(new URL('./serve.ts', import.meta.url))], {
  env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', SEED_DELAY_MS: String(delayMs) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// Whatever ends this process, the server goes with it.
process.once('exit', () => server.kill('SIGKILL'));

/** The server's warning log lines (JSON), in order: the guard's warnings name their route. */
const warnings: { route?: string; msg: string }[] = [];

interface Row {
  route: RunResult;
  beside: RunResult;
}

/** The report's clock: it starts when the measuring does, after the server's start-up and warm-up. */
let started = performance.now();
const sinceStart = () => Math.round(performance.now() - started) / 1000;
/** The server's loop delay over the whole demo, for the report's chart. */
const loopDelay: EvidenceReport['loopDelay'] = [];

try {
  const base = await readyUrl();
  console.log(`\nSeed evidence: ${concurrent} clients per route for ${duration} s, each request waiting ${delayMs} ms, with /json loaded beside it`);
  console.log(`The server: examples/seed/serve.ts on ${label} (npm run demo -- --runtime bun|node)\n`);
  // Start the worker threads /sync uses, as a server that has been up a while would have them:
  // the first waits teach the pool that /sync waits rather than computes, the next ones find it grown.
  await runLoad({ url: `${base}/sync`, route: 'GET /sync', pattern: 'offloaded' }, { concurrency: concurrent, amount: 2 * concurrent });
  // /json compiled and warm before its quiet figures are taken: they are the yardstick for the rest.
  await runLoad({ url: `${base}/json`, route: 'GET /json', pattern: 'async' }, { concurrency: concurrent, amount: 500 });
  started = performance.now();
  const first = await reading(base);
  const stopSampling = sampleLoopDelay(base);
  process.stderr.write('loading GET /json alone …\n');
  const quiet = await timed(() => runLoad({ url: `${base}/json`, route: 'GET /json (alone)', pattern: 'async' }, { concurrency: concurrent, duration: QUIET_SECONDS, timeout: 30 }));
  const alone: RunResult = { ...quiet.result, ...loop(quiet.maxDelay(), 0, 0), ...quiet.phase, verdict: 'ok', verdictNote: 'the quiet figure the /json loaded beside each route is judged against' };
  const rows: Row[] = [];
  for (const { path, pattern } of ROUTES) {
    process.stderr.write(`loading GET ${path} …\n`);
    rows.push(await measure(base, path, pattern, alone));
  }
  await stopSampling();
  const last = await reading(base);
  print(alone, rows);
  const report: EvidenceReport = {
    startedAt: new Date().toISOString(),
    machine: { node: process.version, runtime: label, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), platform: `${process.platform} ${process.arch}` },
    target: 'examples/seed/app.ts',
    runs: [alone, ...rows.flatMap((row) => [row.route, row.beside])],
    loopDelay,
    hostStarvedMs: Math.round(last.hostStarvedMs - first.hostStarvedMs),
    summary:
      `Measured: the seed app's GET /async, GET /sync and GET /blocking, each loaded by ${concurrent} clients for ${duration} s with GET /json loaded beside it ` +
      '(and /json alone first, for its quiet figures), while the server’s own loop guard reported its event-loop delay and which route held the loop. ' +
      `GET /async awaits its ${delayMs} ms wait and GET /sync makes the same blocking wait on a worker thread (offload: true): both leave the event loop free, so GET /json, loaded beside them, answers as fast as it does alone. ` +
      'GET /blocking makes that wait inline, on the only thread the event loop has: every other request, /json included, waits behind it, and the server’s loop guard names the route.',
  };
  writeFileSync(reportFile, renderHtml(report));
  console.log(`HTML report with charts: ${reportFile}\n`);
} finally {
  server.kill('SIGTERM');
  if (server.exitCode === null) await once(server, 'exit');
}

/**
 * How to start serve.ts on `runtime`, and the runtime's name and version. Bun runs the TypeScript
 * itself; Node through tsx. The other runtime is the project's (node_modules/.bin) or PATH's.
 */
function serverCommand(runtime: Runtime): { command: string[]; label: string } {
  const executable = runtime === currentRuntime() ? process.execPath : requireRuntime(runtime);
  const version = runtime === currentRuntime() ? runtimeLabel() : `${runtime === 'bun' ? 'Bun' : 'Node'} ${execFileSync(executable, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '')}`;
  return { command: runtime === 'bun' ? [executable] : [executable, '--import', 'tsx'], label: version };
}

/** Resolves with the server's URL once it says "ready"; every later line is a log line, kept if it is a warning. */
function readyUrl(): Promise<string> {
  return new Promise((resolve, reject) => {
    const kill = setTimeout(() => server.kill(), 20_000);
    let ready = false;
    const lines = createInterface({ input: server.stdout! });
    lines.on('line', (line) => {
      if (!ready && line.startsWith('ready ')) {
        ready = true;
        clearTimeout(kill);
        resolve(line.slice('ready '.length));
        return;
      }
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: unknown; route?: unknown };
        if (typeof entry.msg === 'string' && (entry.level ?? 0) >= 40) warnings.push({ ...(typeof entry.route === 'string' ? { route: entry.route } : {}), msg: entry.msg });
      } catch {
        // Not a log line (something the app printed): not the guard's.
      }
    });
    lines.on('close', () => {
      if (!ready) reject(new Error('the seed server exited before it was ready'));
    });
  });
}

async function reading(base: string): Promise<GuardReading> {
  // One retry: a keep-alive connection may close under the first try.
  const result = (await scrapeGuard(base)) ?? (await scrapeGuard(base));
  if (result === null) throw new Error(`the seed server stopped answering ${base}/metrics`);
  return result;
}

/** Reads the server's loop delay every 250 ms, for the chart, from now until the returned function is called. */
function sampleLoopDelay(base: string): () => Promise<void> {
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const guard = await scrapeGuard(base);
      if (guard !== null) loopDelay.push({ t: sinceStart(), delayMaxMs: Math.round(guard.delayMaxMs * 10) / 10 });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  return () => {
    sampling = false;
    return sampler;
  };
}

/** Runs the load, noting when it ran (the report's phases) and the largest loop delay read meanwhile. */
async function timed<T>(load: () => Promise<T>): Promise<{ result: T; phase: Pick<RunResult, 'startedAtSeconds' | 'endedAtSeconds'>; maxDelay: () => number }> {
  const startedAtSeconds = sinceStart();
  const result = await load();
  const endedAtSeconds = sinceStart();
  // Up to now, not only to the end of the run: a stall's reading arrives after it.
  const maxDelay = () => Math.max(0, ...loopDelay.filter((point) => point.t >= startedAtSeconds).map((point) => point.delayMaxMs));
  return { result, phase: { startedAtSeconds, endedAtSeconds }, maxDelay };
}

/** The route and /json loaded together; the guard's stalls and blocked time for the route, read around it. */
async function measure(base: string, path: string, pattern: RoutePattern, alone: RunResult): Promise<Row> {
  const route = `GET ${path}`;
  const before = await reading(base);
  const { result, maxDelay, phase } = await timed(() =>
    Promise.all([
      runLoad({ url: base + path, route, pattern }, { concurrency: concurrent, duration, timeout: 30 }),
      runLoad({ url: `${base}/json`, route: `GET /json (beside ${route})`, pattern: 'async' }, { concurrency: concurrent, duration, timeout: 30 }),
    ]),
  );
  await new Promise((resolve) => setTimeout(resolve, 600)); // the guard's window holding the run's end
  const after = await reading(base);
  // A reading like any other for the chart: after a stall it is often the one that shows it.
  loopDelay.push({ t: sinceStart(), delayMaxMs: Math.round(after.delayMaxMs * 10) / 10 });
  loopDelay.sort((a, b) => a.t - b.t);
  const delay = Math.max(maxDelay(), after.delayMaxMs);
  const blockedMs = Math.round((after.blockedMs.get(route) ?? 0) - (before.blockedMs.get(route) ?? 0));
  const stalls = (after.stalls.get(route) ?? 0) - (before.stalls.get(route) ?? 0);
  const [main, beside] = result;
  return {
    route: { ...main, ...loop(delay, blockedMs, stalls), ...phase, ...routeVerdict(main, stalls, blockedMs) },
    beside: { ...beside, ...loop(delay, 0, 0), ...phase, ...besideVerdict(beside, alone, route) },
  };
}

function loop(loopDelayMaxMs: number, blockedMs: number, blockedCount: number): Pick<RunResult, 'loopDelayMaxMs' | 'blockedMs' | 'blockedCount'> {
  return { loopDelayMaxMs: Math.round(loopDelayMaxMs), blockedMs, blockedCount };
}

/** BAD needs repeated evidence: the guard named the route for at least two stalls during its run. */
function routeVerdict(load: LoadResult, stalls: number, blockedMs: number): Pick<RunResult, 'verdict' | 'verdictNote'> {
  if (load.requests === 0) return { verdict: 'inconclusive', verdictNote: `none answered in ${Math.round(load.durationSeconds)} s: run it longer (SEED_DURATION)` };
  if (stalls >= 2) return { verdict: 'blocking', verdictNote: `the loop guard named it for ${stalls} stalls, ${formatMs(blockedMs)} ms in all` };
  if (stalls === 1) return { verdict: 'inconclusive', verdictNote: 'the loop guard named it for one stall only: not repeated evidence; run it longer (SEED_DURATION)' };
  return { verdict: 'ok' };
}

/** /json beside a route judged on its own figures: none answered, or a p99 far above its quiet one, means it stalled. */
function besideVerdict(beside: LoadResult, alone: RunResult, route: string): Pick<RunResult, 'verdict' | 'verdictNote'> {
  if (beside.requests === 0) return { verdict: 'inconclusive', verdictNote: `none answered in ${Math.round(beside.durationSeconds)} s: every request waited behind ${route}` };
  const quietP99 = alone.requests === 0 ? 0 : alone.latencyMs.p99;
  // Far above: ten times the quiet p99, and at least 100 ms, so a busy host's hiccups do not count.
  const stalled = beside.latencyMs.p99 > Math.max(10 * quietP99, 100);
  const figures = `p99 ${formatMs(beside.latencyMs.p99)} ms, against ${formatMs(quietP99)} ms alone`;
  return stalled ? { verdict: 'inconclusive', verdictNote: `stalled behind ${route}: ${figures}` } : { verdict: 'ok', verdictNote: `untouched by ${route}: ${figures}` };
}

function print(alone: RunResult, rows: Row[]): void {
  console.log(`/json alone first: ${formatRate(alone.requestsPerSecond)} req/s, p99 ${formatMs(alone.latencyMs.p99)} ms\n`);
  const header = ['route', 'pattern', 'req/s', 'p50 / p99 ms', 'max loop delay', 'blocked', '/json req/s', '/json p99 ms'];
  const numeric = new Set([2, 3, 4, 6, 7]);
  const cells = rows.map(({ route, beside }) => [
    route.route,
    route.pattern,
    formatRate(route.requestsPerSecond),
    route.requests === 0 ? 'none answered' : `${formatMs(route.latencyMs.p50)} / ${formatMs(route.latencyMs.p99)}`,
    `${formatMs(route.loopDelayMaxMs ?? 0)} ms`,
    `${formatMs(route.blockedMs ?? 0)} ms${route.blockedCount ? `, ${route.blockedCount} stall${route.blockedCount === 1 ? '' : 's'}` : ''}`,
    formatRate(beside.requestsPerSecond),
    beside.requests === 0 ? 'none answered' : formatMs(beside.latencyMs.p99),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  rows.forEach((row, i) => {
    const errors = row.route.errors + row.route.timeouts + row.beside.errors + row.beside.timeouts;
    out.push(line(cells[i]!));
    out.push(...wrap(`→ ${VERDICT_TEXT[row.route.verdict]}${row.route.verdictNote === undefined ? '' : ` (${row.route.verdictNote})`}${errors > 0 ? `; ${errors} errors or timeouts` : ''}`, '    '));
    out.push(...wrap(`/json beside it: ${row.beside.verdictNote ?? VERDICT_TEXT[row.beside.verdict]}`, '    '));
  });
  console.log(out.join('\n'));
  console.log(
    `\n/async:    the waits overlap on the event loop: ${concurrent} clients get about ${concurrent} answers per wait, and /json is untouched.` +
      `\n/sync:     the same blocking wait, offload: true: it holds a worker thread, never the loop, so /json is untouched too.` +
      `\n/blocking: the wait inline holds the only thread: one answer per wait, /json stalls behind it, and the server's` +
      `\n           loop guard names the route and the time it blocked, in its log, with what to do:\n`,
  );
  const named = warnings.filter((warning) => warning.route === 'GET /blocking');
  if (named.length === 0) {
    console.log('    (the server logged no warning naming GET /blocking this time: see the blocked column above)\n');
    return;
  }
  console.log(wrap(named[0]!.msg, '    ').join('\n'));
  console.log(named.length > 1 ? `    (and ${named.length - 1} more like it: one per stall)\n` : '');
}

/** Words onto lines of at most COLUMNS characters, each starting with the indent. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current !== '' && indent.length + current.length + 1 + word.length > COLUMNS) {
      lines.push(indent + current);
      current = word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  if (current !== '') lines.push(indent + current);
  return lines;
}
