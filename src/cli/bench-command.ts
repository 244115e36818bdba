import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchApp } from '../evidence/bench-app.js';
import { benchUrl } from '../evidence/bench-url.js';
import type { LoadProgress } from '../evidence/run-load.js';
import type { EvidenceReport } from '../evidence/types.js';
import { renderHtml } from '../evidence/html-report.js';
import { bearerHeader, parseHeaderFlag } from '../evidence/request-headers.js';
import { formatTable } from '../evidence/table.js';
import { currentRuntime, runtimeProblem, type Runtime } from './find-runtime.js';
import { loadApp } from './load-app.js';
import { runUnder } from './run-under.js';

export const BENCH_HELP = `Usage: loopwise bench <app module | URL> [options]

Loads the app's routes with concurrent clients and prints, per route: its pattern (async,
offloaded, blocking-inline), req/s, p50/p95/p99 latency, the answers by status (with timeouts and
socket errors), the event-loop delay and the time the route blocked the loop during the run, and
a verdict: OK, BAD (the loop guard named the route at least twice) or INCONCLUSIVE (mostly
errors, load shed, too few answers, or blocked once), with what to do. An app module is served
in this process; a URL is a loopwise server running elsewhere, with metrics on (its /metrics
gives the loop figures) and --route naming what to load.

  --route 'GET /x'        a route to load (repeat); a concrete path for routes with parameters.
                          Default: the app's own GET routes without path parameters, except
                          streams (SSE); built-in, WebSocket, non-GET and parameter routes are
                          listed as not loaded, with how to load them
  --header 'Name: value'  a header sent on every request (repeat), e.g. 'Authorization: Bearer …'
  --auth-token TOKEN      the same as --header 'Authorization: Bearer TOKEN'
  --concurrency 10,100    concurrency levels, each a run per route (default 10)
  --duration S            seconds per run (default 5)
  --amount N              requests per run instead of a duration
  --body 'POST /x=file'   the JSON body file for a route (repeat)
  --json                  print the results as JSON instead of tables
  --html report.html      also write a self-contained HTML report with charts
  --runtime bun|node      run the bench (and an app module) on this runtime; default: the one
                          running this command
  --help                  this text`;

/** `loopwise bench …`: returns the process exit code. */
export async function benchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      route: { type: 'string', multiple: true },
      concurrency: { type: 'string', default: '10' },
      duration: { type: 'string', default: '5' },
      amount: { type: 'string' },
      body: { type: 'string', multiple: true },
      header: { type: 'string', multiple: true },
      'auth-token': { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      runtime: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    (values.help ? console.log : console.error)(BENCH_HELP);
    return values.help ? 0 : 2;
  }
  const runtime = values.runtime;
  const wrongRuntime = runtimeProblem(runtime);
  if (wrongRuntime !== null) return usage(wrongRuntime);
  const concurrency = values.concurrency.split(',').map(Number);
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) return usage(`--concurrency takes whole numbers ≥ 1, not ${values.concurrency}`);
  const duration = Number(values.duration);
  if (!(duration > 0 && duration <= 3600)) return usage(`--duration takes seconds, more than 0 and at most 3600, not ${values.duration}`);
  const amount = values.amount === undefined ? undefined : Number(values.amount);
  if (amount !== undefined && !(Number.isSafeInteger(amount) && amount > 0)) return usage(`--amount takes a whole number > 0, not ${values.amount}`);
  const bodies: Record<string, string> = {};
  for (const spec of values.body ?? []) {
    const at = spec.lastIndexOf('=');
    if (at < 1) return usage(`--body takes 'METHOD /path=file', not ${spec}`);
    bodies[spec.slice(0, at)] = readFileSync(spec.slice(at + 1), 'utf8');
  }
  const headers: Record<string, string> = {};
  try {
    for (const spec of values.header ?? []) {
      const [name, value] = parseHeaderFlag(spec);
      headers[name] = value;
    }
    if (values['auth-token'] !== undefined) {
      if (headers.authorization !== undefined) return usage(`give --auth-token or --header 'Authorization: …', not both`);
      const [name, value] = bearerHeader(values['auth-token']);
      headers[name] = value;
    }
  } catch (error) {
    return usage((error as Error).message.replace(/^LW_ERR_[A-Z_]+: /, ''));
  }

  // The report is written at the end: a path that cannot take it must fail now, not after the runs.
  if (values.html !== undefined) {
    const folder = dirname(resolve(values.html));
    if (!existsSync(folder)) return usage(`--html ${values.html}: the folder ${folder} does not exist`);
  }

  // Everything checked: the other runtime runs this same command line.
  if (runtime !== undefined && runtime !== currentRuntime()) return runUnder(runtime as Runtime);
  const target = positionals[0]!;
  const progress = process.stderr.isTTY && !values.json;
  const onProgress = progress
    ? (p: LoadProgress) => process.stderr.write(`\r\x1b[K${p.route}  c=${p.concurrency}  ${p.elapsedSeconds.toFixed(0)} s  ${p.requests.toLocaleString('en-US')} requests`)
    : undefined;
  const report = await runBench(target, { routes: values.route, concurrency, duration, amount, bodies, headers, onProgress });
  if (progress) process.stderr.write('\r\x1b[K');
  console.log(values.json ? JSON.stringify(report, null, 2) : formatTable(report));
  if (values.html !== undefined) {
    writeFileSync(values.html, renderHtml(report));
    if (!values.json) console.log(`report: ${values.html}`);
  }
  return 0;
}

interface RunOptions {
  routes: string[] | undefined;
  concurrency: number[];
  duration: number;
  amount: number | undefined;
  bodies: Record<string, string>;
  headers: Record<string, string>;
  onProgress: ((progress: LoadProgress) => void) | undefined;
}

async function runBench(target: string, options: RunOptions): Promise<EvidenceReport> {
  const { routes, ...rest } = options;
  if (/^https?:\/\//.test(target)) return benchUrl(target, { routes: routes ?? [], ...rest });
  // The app runs in this process: its log lines go to stderr, so stdout holds the report alone
  // (`--json > evidence.json` must be JSON). An explicit LOOPWISE_LOG_STREAM wins.
  if (!process.env.LOOPWISE_LOG_STREAM) process.env.LOOPWISE_LOG_STREAM = 'stderr';
  const app = await loadApp(target);
  // The module may have started its own server at import: the bench serves it on a port of its own.
  if (app.listening) await app.close();
  return benchApp(app, { routes, ...rest, target });
}

function usage(message: string): number {
  console.error(`loopwise bench: ${message}\n\n${BENCH_HELP}`);
  return 2;
}
