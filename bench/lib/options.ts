import { parseArgs } from 'node:util';
import { DEFAULT_SERVERS, SERVERS, type ServerName } from './servers.js';

export type { ServerName } from './servers.js';

export interface Route {
  /** As printed: "GET /json". */
  name: string;
  /** The path wrk loads. */
  path: string;
  /** A wrk script (under bench/) that turns the request into something other than a plain GET. */
  script?: string;
}

export const ROUTES: readonly Route[] = [
  { name: 'GET /json', path: '/json' },
  { name: 'GET /users/:id', path: '/users/42' },
  { name: 'POST /echo', path: '/echo', script: 'echo.lua' },
];

export interface BenchOptions {
  rounds: number;
  /** Seconds of measured load per run. */
  duration: number;
  /** Seconds of unmeasured load before it, so every server is measured with a warm JIT. */
  warmup: number;
  connections: number;
  servers: ServerName[];
  /** True when --servers named them: a missing bun is then an error, not a note. */
  serversChosen: boolean;
  routes: Route[];
  responseSchemas: boolean;
  serverCpu: number;
  loadCpu: number;
  /** Seconds to wait, before each run, for other work on the machine to die down. */
  maxWait: number;
  /** Times a run disturbed by other work on the server core is measured again. */
  retries: number;
  /** Exit 1 when a target is missed (for CI); by default a miss is reported, not an error. */
  check: boolean;
}

const HELP = `Usage: npm run bench -- [options]

  --rounds N            rounds; each runs every route on every server (default 3)
  --duration S          measured seconds per run (default 5)
  --warmup S            unmeasured warm-up seconds per run (default 1)
  --connections N       concurrent connections wrk keeps open (default 50)
  --quick               1 round of 2 s (explicit --rounds/--duration still win)
  --servers a,b         of ${SERVERS.join(',')}, or all
                        (default: ${DEFAULT_SERVERS.join(',')})
  --routes a,b          subset of json,users,echo
  --no-response-schemas fastify and loopwise without response schemas (JSON.stringify)
  --server-cpu N        core the server is pinned to (default 0)
  --load-cpu N          core wrk is pinned to (default 1)
  --max-wait S          before each run, wait up to S s for the machine to be idle (default 30)
  --retries N           measure a run again, up to N times, when other work disturbed it (default 2)
  --check               exit 1 if a target is missed
  --help                this text`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      quick: { type: 'boolean', default: false },
      servers: { type: 'string' },
      routes: { type: 'string' },
      'no-response-schemas': { type: 'boolean', default: false },
      'server-cpu': { type: 'string' },
      'load-cpu': { type: 'string' },
      'max-wait': { type: 'string' },
      retries: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const quick = values.quick;
  return {
    rounds: positive('rounds', values.rounds, quick ? 1 : 3),
    duration: positive('duration', values.duration, quick ? 2 : 5),
    warmup: nonNegative('warmup', values.warmup, 1),
    connections: positive('connections', values.connections, 50),
    servers: values.servers === 'all' ? [...SERVERS] : pick('servers', values.servers, [...DEFAULT_SERVERS], (name) => SERVERS.find((s) => s === name)),
    serversChosen: values.servers !== undefined,
    routes: pick('routes', values.routes, [...ROUTES], (name) => ROUTES.find((r) => r.path.split('/')[1] === name)),
    responseSchemas: !values['no-response-schemas'],
    serverCpu: nonNegative('server-cpu', values['server-cpu'], 0),
    loadCpu: nonNegative('load-cpu', values['load-cpu'], 1),
    maxWait: nonNegative('max-wait', values['max-wait'], 30),
    retries: nonNegative('retries', values.retries, 2),
    check: values.check,
  };
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  const value = nonNegative(name, raw, fallback);
  if (value === 0) fail(`--${name} must be greater than 0`);
  return value;
}

function nonNegative(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} takes a whole number, got "${raw}"`);
  return value;
}

function pick<T>(name: string, raw: string | undefined, all: T[], find: (name: string) => T | undefined): T[] {
  if (raw === undefined) return all;
  return raw.split(',').map((item) => find(item.trim()) ?? fail(`--${name}: unknown "${item}"`));
}

function fail(message: string): never {
  console.error(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}
