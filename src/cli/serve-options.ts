import { parseArgs } from 'node:util';
import { runtimeProblem, type Runtime } from './find-runtime.js';

/** What `loopwise run` and `loopwise dev` were asked for, flags over environment over defaults. */
export interface ServeOptions {
  spec: string;
  host: string;
  port: number;
  workers: number;
  logLevel: string | undefined;
  accessLog: boolean;
  /** `--runtime`: serve on this runtime, else on the one the CLI runs on. */
  runtime: Runtime | undefined;
  /** `dev` only: directories watched besides the module's own. */
  watch: string[];
  /** `dev` only: directories and globs whose changes never restart the app. */
  ignore: string[];
}

/** A command line or environment value the CLI cannot use: printed with the usage, exit code 2. */
export class UsageError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the flags of `run` (or `dev`, which has `--watch` and `--ignore` and no `--workers`) and their
 * environment equivalents; `dev` ignores LOOPWISE_WORKERS/WEB_CONCURRENCY. Returns null for `--help`.
 */
export function parseServeOptions(command: 'run' | 'dev', argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        workers: { type: 'string' },
        watch: { type: 'string', multiple: true },
        ignore: { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        runtime: { type: 'string' },
        'no-access-log': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message); // an unknown flag, or one without its value
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (command === 'dev' && values.workers !== undefined) throw new UsageError('dev serves the app in one process, restarted on changes; --workers is for `loopwise run`');
  if (command === 'run' && values.watch !== undefined) throw new UsageError('--watch is for `loopwise dev`');
  if (command === 'run' && values.ignore !== undefined) throw new UsageError('--ignore is for `loopwise dev`');
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? `which app? e.g. \`loopwise ${command} app.ts\`` : `one app module, not ${positionals.join(' ')}`);

  // Flags win over the environment; LOOPWISE_* over the names platforms set (PORT, WEB_CONCURRENCY).
  const pick = (flag: unknown, ...names: string[]): [string, string] | undefined => {
    if (typeof flag === 'string') return [flag, `--${names[0]}`];
    for (const name of names.slice(1)) if (env[name] !== undefined && env[name] !== '') return [env[name], name];
    return undefined;
  };
  const host = pick(values.host, 'host', 'LOOPWISE_HOST')?.[0] ?? (command === 'run' ? '0.0.0.0' : '127.0.0.1');
  if (host === '') throw new UsageError('--host needs an address, e.g. 127.0.0.1 or 0.0.0.0');
  const port = wholeNumber(pick(values.port, 'port', 'LOOPWISE_PORT', 'PORT'), 8000, 0, 65535, 'a port from 0 to 65535');
  const workers = command === 'dev' ? 1 : wholeNumber(pick(values.workers, 'workers', 'LOOPWISE_WORKERS', 'WEB_CONCURRENCY'), 1, 1, 1024, 'a number of processes, 1 or more');
  const level = pick(values['log-level'], 'log-level', 'LOG_LEVEL');
  if (level !== undefined && !LOG_LEVELS.includes(level[0])) throw new UsageError(`${level[1]} takes one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(level[0])}`);
  const runtime = values.runtime;
  const wrongRuntime = runtimeProblem(runtime);
  if (wrongRuntime !== null) throw new UsageError(wrongRuntime);
  return {
    spec: positionals[0]!,
    host,
    port,
    workers,
    logLevel: level?.[0],
    accessLog: !values['no-access-log'],
    runtime: runtime as Runtime | undefined,
    watch: values.watch ?? [],
    ignore: values.ignore ?? [],
  };
}

function wholeNumber(given: [string, string] | undefined, fallback: number, min: number, max: number, what: string): number {
  if (given === undefined) return fallback;
  const [text, source] = given;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw new UsageError(`${source} takes ${what}, not ${JSON.stringify(text)}`);
  return value;
}
