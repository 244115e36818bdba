// The seed's missing "Performance Evidence" (`npm run demo`): serves the seed app in its own
// process, loads /async, /sync (offloaded) and /blocking (inline) in turn, each with the light
// /json loaded beside it, and prints what the clients saw and what the server's loop guard
// measured. Writes the same as a self-contained HTML report.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { renderHtml } from '../../src/evidence/html-report.js';
import { runLoad, type LoadResult } from '../../src/evidence/run-load.js';
import { scrapeGuard } from '../../src/evidence/scrape-metrics.js';
import { VERDICT_TEXT } from '../../src/evidence/table.js';
import type { EvidenceReport, RoutePattern, RunResult } from '../../src/evidence/types.js';

const delayMs = Number(process.env.SEED_DELAY_MS ?? 2000);
const duration = Number(process.env.SEED_DURATION ?? 8);
const concurrent = Number(process.env.SEED_CONCURRENT ?? 3);
const reportFile = process.env.SEED_REPORT ?? 'seed-report.html';
const ROUTES: { path: string; pattern: RoutePattern }[] = [
  { path: '/async', pattern: 'async' },
  { path: '/sync', pattern: 'offloaded' },
  { path: '/blocking', pattern: 'blocking-inline' },
];

const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./serve.ts', import.meta.url))], {
  env: { ...process.env, PORT: '0', LOG_LEVEL: 'error', SEED_DELAY_MS: String(delayMs) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// Whatever ends this process, the server goes with it.
process.once('exit', () => server.kill('SIGKILL'));

interface Row {
  route: RunResult;
  beside: RunResult;
}

const started = performance.now();
/** The server's loop delay over the whole demo, for the report's chart. */
const loopDelay: EvidenceReport['loopDelay'] = [];

try {
  const base = await readyUrl();
  console.log(`\nSeed evidence: ${concurrent} clients per route for ${duration} s, each request waiting ${delayMs} ms, with /json loaded beside it\n`);
  // Start the worker threads /sync uses, as a server that has been up a while would have them:
  // the first waits teach the pool that /sync waits rather than computes, the next ones find it grown.
  await runLoad({ url: `${base}/sync`, route: 'GET /sync', pattern: 'offloaded' }, { concurrency: concurrent, amount: 2 * concurrent });
  const rows: Row[] = [];
  for (const { path, pattern } of ROUTES) {
    process.stderr.write(`loading GET ${path} …\n`);
    rows.push(await measure(base, path, pattern));
  }
  print(rows);
  const report: EvidenceReport = {
    startedAt: new Date().toISOString(),
    machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), platform: `${process.platform} ${process.arch}` },
    target: 'examples/seed/app.ts',
    runs: rows.flatMap((row) => [row.route, row.beside]),
    loopDelay,
  };
  writeFileSync(reportFile, renderHtml(report));
  console.log(`HTML report with charts: ${reportFile}\n`);
} finally {
  server.kill('SIGTERM');
  if (server.exitCode === null) await once(server, 'exit');
}

async function readyUrl(): Promise<string> {
  const kill = setTimeout(() => server.kill(), 20_000);
  for await (const line of createInterface({ input: server.stdout! })) {
    if (line.startsWith('ready ')) {
      clearTimeout(kill);
      server.stdout!.resume();
      return line.slice('ready '.length);
    }
  }
  throw new Error('the seed server exited before it was ready');
}

/** The route and /json loaded together; the server's loop delay read every 250 ms meanwhile. */
async function measure(base: string, path: string, pattern: RoutePattern): Promise<Row> {
  const route = `GET ${path}`;
  const before = (await scrapeGuard(base))?.blockedMs.get(route) ?? 0;
  let loading = true;
  let maxDelay = 0;
  const sampler = (async () => {
    while (loading) {
      const reading = await scrapeGuard(base);
      if (reading === null) continue;
      const { delayMaxMs } = reading;
      maxDelay = Math.max(maxDelay, delayMaxMs);
      loopDelay.push({ t: Math.round((performance.now() - started) / 10) / 100, delayMaxMs: Math.round(delayMaxMs * 10) / 10 });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  const [main, beside] = await Promise.all([
    runLoad({ url: base + path, route, pattern }, { concurrency: concurrent, duration, timeout: 30 }),
    runLoad({ url: `${base}/json`, route: `GET /json (beside ${route})`, pattern: 'async' }, { concurrency: 2, duration, timeout: 30 }),
  ]).finally(() => (loading = false));
  await sampler;
  await new Promise((resolve) => setTimeout(resolve, 600)); // the guard's window holding the run's end
  const after = (await scrapeGuard(base)) ?? (await scrapeGuard(base));
  if (after === null) throw new Error('the seed server stopped answering /metrics');
  maxDelay = Math.max(maxDelay, after.delayMaxMs);
  const blockedMs = Math.round((after.blockedMs.get(route) ?? 0) - before);
  const verdict = blockedMs > 0 ? 'blocking' : 'ok';
  return { route: withLoop(main, maxDelay, blockedMs, verdict), beside: withLoop(beside, maxDelay, 0, 'ok') };
}

function withLoop(load: LoadResult, loopDelayMaxMs: number, blockedMs: number, verdict: RunResult['verdict']): RunResult {
  return { ...load, loopDelayMaxMs: Math.round(loopDelayMaxMs), blockedMs, blockedCount: null, verdict };
}

function rate(perSecond: number): string {
  return perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString('en-US');
}

function print(rows: Row[]): void {
  const header = ['route', 'pattern', 'req/s', 'p50 / p99', 'errors', '/json beside it: req/s', 'p99', 'max loop delay', 'blocked', 'verdict'];
  const cells = rows.map(({ route, beside }) => [
    route.route,
    route.pattern,
    rate(route.requestsPerSecond),
    `${route.latencyMs.p50.toFixed(0)} / ${route.latencyMs.p99.toFixed(0)} ms`,
    String(route.errors + route.timeouts + beside.errors + beside.timeouts),
    rate(beside.requestsPerSecond),
    beside.requests === 0 ? 'none answered' : `${beside.latencyMs.p99.toFixed(1)} ms`,
    `${route.loopDelayMaxMs} ms`,
    `${route.blockedMs} ms`,
    VERDICT_TEXT[route.verdict],
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log([line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n'));
  console.log(
    `\n/async:    the waits overlap on the event loop: ${concurrent} clients get about ${concurrent} answers per wait, and /json is untouched.` +
      `\n/sync:     the same blocking wait, offload: true: it holds a worker thread, never the loop, so /json is untouched too.` +
      `\n/blocking: the wait inline holds the only thread: one answer per wait, /json stalls behind it, and the server's` +
      `\n           loop guard names the route and the time it blocked (its log says so too, with what to do).\n`,
  );
}
