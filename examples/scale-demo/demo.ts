// `npm run scale-demo`: a small deployment on this machine, loaded, with one worker killed.
// redis-server (a temp dir, a free port), two API processes (`loopwise run --workers 2`: one port,
// node:cluster shares it), two `loopwise worker` processes (concurrency 4). It loads GET
// /report/:id (50 ms of blocking work, through the queue) and GET /json, SIGKILLs one worker
// mid-load, and prints what the clients saw before and after. Every process it started is
// stopped when it ends, also on Ctrl-C. `--short` (or SCALE_DEMO_SHORT=1): a ~25 s run for the test.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { killStarted, startApi, startWorker, type LoopwiseProcess } from '../../bench/lib/loopwise-process.js';
import { freePort, redisServerMissing, startRedisProcess, type RedisProcess } from '../../bench/lib/redis-process.js';
import { startLoad, type Answer } from './load.js';

const APP = fileURLToPath(new URL('./app.ts', import.meta.url));
const CONCURRENCY = 4;
const WAIT_MS = 50;
const { values } = parseArgs({ options: { short: { type: 'boolean', default: process.env.SCALE_DEMO_SHORT === '1' } } });
const [beforeS, afterS] = values.short ? [2, 3] : [10, 10];
/** Warm-up: until /report runs at 3/4 of its bound (each worker's threads started and its code compiled), at most this long. */
const MAX_WARM_S = values.short ? 12 : 30;

const missing = redisServerMissing();
if (missing !== null) {
  console.error(`scale-demo: ${missing}`);
  process.exit(1);
}

let redis: RedisProcess | null = null;
let api: LoopwiseProcess | null = null;
const workers: LoopwiseProcess[] = [];
let cleaning: Promise<void> | null = null;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(workers.map((w) => w.stop()));
    await api?.stop();
    await redis?.stop();
    const pids = [redis?.child.pid, api?.pid, ...workers.map((w) => w.pid)].filter((p) => p !== undefined);
    console.log(`cleaned up: redis-server, the API and the workers stopped (pids ${pids.join(', ')})`);
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping everything the demo started`);
    cleanUp().finally(() => process.exit(130));
  });
}
process.once('exit', () => {
  killStarted(); // whatever is left (an error between two steps): its whole process group
  redis?.child.kill('SIGKILL');
});

try {
  redis = await startRedisProcess();
  const env = { REDIS_URL: redis.url, NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  console.log(`redis-server ${redis.url} (pid ${redis.child.pid})`);
  // The workers and the API start at once: each imports the app, which takes seconds under tsx.
  const [apiProcess, ...workerProcesses] = await Promise.all([
    startApi(APP, port, ['--workers', '2'], { env }),
    startWorker(APP, CONCURRENCY, { env }),
    startWorker(APP, CONCURRENCY, { env }),
  ]);
  api = apiProcess!;
  workers.push(...workerProcesses);
  const [a, b] = workers as [LoopwiseProcess, LoopwiseProcess];
  console.log(`API: loopwise run --workers 2 on ${base} (primary pid ${api.pid})`);
  console.log(`workers: loopwise worker --concurrency ${CONCURRENCY}: A pid ${a.pid}, B pid ${b.pid}`);
  console.log(`load: 16 connections on GET /report/:id (${WAIT_MS} ms of blocking work each), 2 on GET /json (50/s each, a new connection each)`);
  console.log(`warm-up, ${beforeS} s measured, SIGKILL worker A, ${afterS} s measured\n`);

  const answers: Answer[] = [];
  const t0 = performance.now();
  const loads = [
    startLoad({ base, route: 'report', path: (n) => `/report/${n}`, connections: 16, timeoutMs: 10_000 }, answers),
    startLoad({ base, route: 'json', path: () => '/json', connections: 2, rate: 50, timeoutMs: 10_000, keepAlive: false }, answers),
  ];
  const warmEnd = await warmedUp(answers, t0);
  console.log(`${((warmEnd - t0) / 1000).toFixed(1)} s: warm (/report at ${warmRate(answers).toFixed(0)} req/s over the last second); measuring`);
  await sleep(beforeS * 1000);
  const killedAt = performance.now();
  await a.kill();
  console.log(`${((killedAt - t0) / 1000).toFixed(1)} s: worker A (pid ${a.pid}) SIGKILLed with its jobs running`);
  await sleep(afterS * 1000);
  const endAt = performance.now();
  await Promise.all(loads.map((load) => load.stop()));

  const before = window(answers, warmEnd, killedAt);
  const after = window(answers, killedAt, endAt);
  const lateAnswers = answers.filter((x) => x.end > endAt).length;
  printEvidence(before, after, { a: a.pid, b: b.pid }, { beforeS, afterS: (endAt - killedAt) / 1000 });
  const all = answers.filter((x) => x.route === 'report');
  const unanswered = all.filter((x) => x.status === 0).length;
  console.log(
    [
      `\n${all.length} requests sent to /report, ${all.length - unanswered} answered` +
        `${lateAnswers > 0 ? ` (${lateAnswers} after the load stopped, in no window)` : ''}.`,
      `The 504s are the requests whose job worker A held when it died: a route job is tried once (the`,
      `client is waiting; a retry is its call) and the API answers 504 at the route's 2 s timeout.`,
      `Worker B ran every job after the kill, at up to its own bound (1 × ${CONCURRENCY} / ${WAIT_MS} ms).`,
    ].join('\n'),
  );
} catch (error) {
  console.error(`scale-demo failed: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

/** /report's 200s a second over the last second. */
function warmRate(answers: Answer[]): number {
  const now = performance.now();
  return answers.filter((x) => x.route === 'report' && x.status === 200 && x.end > now - 1000).length;
}

/** Resolves (with the time) once /report runs at 3/4 of its bound, or after MAX_WARM_S. */
async function warmedUp(answers: Answer[], t0: number): Promise<number> {
  const target = (0.75 * 2 * CONCURRENCY * 1000) / WAIT_MS;
  for (;;) {
    await sleep(500);
    const now = performance.now();
    if ((now - t0 > 2000 && warmRate(answers) >= target) || now - t0 > MAX_WARM_S * 1000) return now;
  }
}

interface Window {
  seconds: number;
  report: Answer[];
  json: Answer[];
}

/** The answers that arrived in [from, to). */
function window(answers: Answer[], from: number, to: number): Window {
  const inside = answers.filter((x) => x.end >= from && x.end < to);
  return { seconds: (to - from) / 1000, report: inside.filter((x) => x.route === 'report'), json: inside.filter((x) => x.route === 'json') };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function statuses(list: Answer[]): string {
  const counts = new Map<number, number>();
  for (const x of list) counts.set(x.status, (counts.get(x.status) ?? 0) + 1);
  return [...counts].sort(([s], [t]) => s - t).map(([status, n]) => `${status === 0 ? 'no answer' : status} ×${n}`).join(', ');
}

function latency(list: Answer[]): string {
  const ms = list.filter((x) => x.status === 200).map((x) => x.end - x.start).sort((x, y) => x - y);
  return `${Math.round(percentile(ms, 50))} / ${Math.round(percentile(ms, 99))} ms`;
}

function ranBy(list: Answer[], pid: number): number {
  return list.filter((x) => x.status === 200 && (JSON.parse(x.body) as { worker: number }).worker === pid).length;
}

function apis(list: Answer[]): string {
  const pids = new Set(list.filter((x) => x.status === 200).map((x) => (JSON.parse(x.body) as { api: number }).api));
  return `${pids.size} (pids ${[...pids].sort().join(', ')})`;
}

function printEvidence(before: Window, after: Window, pid: { a: number; b: number }, span: { beforeS: number; afterS: number }): void {
  const rate = (w: Window, bound: number): string => `${(w.report.filter((x) => x.status === 200).length / w.seconds).toFixed(1)} req/s (bound ${bound})`;
  const bound = (workers: number): number => (workers * CONCURRENCY * 1000) / WAIT_MS;
  const rows: [string, string, string][] = [
    ['', `before the kill (${span.beforeS.toFixed(1)} s)`, `after the kill (${span.afterS.toFixed(1)} s)`],
    ['GET /report/:id answers', String(before.report.length), String(after.report.length)],
    ['  status', statuses(before.report), statuses(after.report)],
    ['  throughput of 200s', rate(before, bound(2)), rate(after, bound(1))],
    ['  latency p50 / p99 (200s)', latency(before.report), latency(after.report)],
    [`  run by worker A (${pid.a})`, String(ranBy(before.report, pid.a)), `${ranBy(after.report, pid.a)} (SIGKILLed)`],
    [`  run by worker B (${pid.b})`, String(ranBy(before.report, pid.b)), String(ranBy(after.report, pid.b))],
    ['GET /json answers', `${before.json.length}: ${statuses(before.json)}`, `${after.json.length}: ${statuses(after.json)}`],
    ['  latency p50 / p99', latency(before.json), latency(after.json)],
    ['  served by API processes', apis(before.json), apis(after.json)],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('   ').trimEnd());
}
