// What bench/seed.ts runs: the cases of issue 19's table (a heavy route loaded by wrk, a light
// route probed beside it) and the command-line options.
import { parseArgs } from 'node:util';
import type { SeedServer } from './seed-servers.js';

export interface SeedCase {
  name: string;
  server: SeedServer;
  /** The route wrk loads. */
  route: string;
  /** The light route probed beside it. */
  light: string;
  /** As printed in the table. */
  label: string;
  /**
   * Warm up with a few connections, not the measured load: the route blocks the event loop, and
   * a full warm-up would leave a backlog of minutes behind it.
   */
  gentleWarmup?: true;
}

export const CASES: readonly SeedCase[] = [
  { name: 'fastapi-async', server: 'fastapi', route: '/async', light: '/json', label: 'FastAPI `async def` + `await asyncio.sleep`' },
  { name: 'fastapi-sync', server: 'fastapi', route: '/sync', light: '/json', label: 'FastAPI `def` + `time.sleep` (anyio pool), `async def` light route' },
  { name: 'fastapi-sync-def-light', server: 'fastapi', route: '/sync', light: '/json-def', label: 'FastAPI `def` + `time.sleep` (anyio pool), `def` light route' },
  { name: 'fastapi-blocking', server: 'fastapi', route: '/blocking', light: '/json', label: 'FastAPI `async def` + `time.sleep`', gentleWarmup: true },
  { name: 'loopwise-async', server: 'loopwise', route: '/async', light: '/json', label: 'loopwise `/async`' },
  { name: 'loopwise-sync', server: 'loopwise', route: '/sync', light: '/json', label: 'loopwise `/sync`, `offload: true`, default pool' },
  { name: 'loopwise-hash', server: 'loopwise', route: '/hash', light: '/json', label: 'loopwise `/hash`, `offload: true`, 50 ms of sha256 (CPU)' },
];

export interface SeedOptions {
  rounds: number;
  /** Seconds of measured load per case. */
  duration: number;
  connections: number;
  delayMs: number;
  /** Seconds the light route is probed alone, before each case. */
  aloneSeconds: number;
  /** Seconds of unmeasured load on the route before each case. */
  warmup: number;
  /** Most light-route requests a second. */
  probeRate: number;
  /** Seconds wrk and the probe wait for an answer. */
  timeout: number;
  serverCpu: number;
  loadCpu: number;
  /** Seconds to wait, before each case, for other work on the machine to die down. */
  maxWait: number;
  cases: SeedCase[];
}

const HELP = `Usage: npm run bench:seed -- [options]

  --rounds N          rounds of every case, interleaved; medians across rounds (default 3)
  --duration S        measured seconds per case (default 10)
  --connections N     wrk connections on the loaded route (default 100)
  --delay-ms N        how long /async, /sync and /blocking wait (default 200)
  --only SERVER       fastapi or loopwise
  --case a,b          of ${CASES.map((c) => c.name).join(', ')}
  --alone S           seconds the light route is probed alone before each case (default 5)
  --warmup S          unmeasured seconds of load on the route before each case (default 5)
  --probe-rate N      light-route requests a second, one at a time (default 50)
  --timeout S         seconds wrk and the probe wait for an answer (default 30)
  --server-cpu N      core the server is pinned to (default 0)
  --load-cpu N        core wrk, the probe and this script are pinned to (default 1)
  --max-wait S        before each case, wait up to S s for the machine to be idle (default 10)
  --help              this text`;

export function parseSeedOptions(argv: string[]): SeedOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'delay-ms': { type: 'string' },
      only: { type: 'string' },
      case: { type: 'string' },
      alone: { type: 'string' },
      warmup: { type: 'string' },
      'probe-rate': { type: 'string' },
      timeout: { type: 'string' },
      'server-cpu': { type: 'string' },
      'load-cpu': { type: 'string' },
      'max-wait': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  let cases = [...CASES];
  if (values.only !== undefined) {
    if (values.only !== 'fastapi' && values.only !== 'loopwise') fail(`--only takes fastapi or loopwise, got "${values.only}"`);
    cases = cases.filter((c) => c.server === values.only);
  }
  if (values.case !== undefined) {
    const names = values.case.split(',').map((name) => name.trim());
    for (const name of names) if (!CASES.some((c) => c.name === name)) fail(`--case: unknown "${name}"`);
    cases = cases.filter((c) => names.includes(c.name));
  }
  if (cases.length === 0) fail('no case left to run: --only and --case exclude each other');
  return {
    rounds: whole('rounds', values.rounds, 3, 1),
    duration: whole('duration', values.duration, 10, 1),
    connections: whole('connections', values.connections, 100, 1),
    delayMs: whole('delay-ms', values['delay-ms'], 200, 1),
    aloneSeconds: whole('alone', values.alone, 5, 1),
    warmup: whole('warmup', values.warmup, 5, 0),
    probeRate: whole('probe-rate', values['probe-rate'], 50, 1),
    timeout: whole('timeout', values.timeout, 30, 1),
    serverCpu: whole('server-cpu', values['server-cpu'], 0, 0),
    loadCpu: whole('load-cpu', values['load-cpu'], 1, 0),
    maxWait: whole('max-wait', values['max-wait'], 10, 0),
    cases,
  };
}

function whole(name: string, raw: string | undefined, fallback: number, least: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < least) fail(`--${name} takes a whole number of at least ${least}, got "${raw}"`);
  return value;
}

function fail(message: string): never {
  console.error(`bench:seed: ${message}\n\n${HELP}`);
  process.exit(2);
}
