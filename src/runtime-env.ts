import { isatty } from 'node:tty';
import { LoopwiseError } from './errors.js';

/**
 * Everything loopwise reads from the environment, read in one place (the App constructor calls
 * {@link runtimeEnv} once per App). An explicit App option always wins over what is read here.
 *
 * | variable              | values              | effect                                                                  |
 * |-----------------------|---------------------|-------------------------------------------------------------------------|
 * | `LOOPWISE_DEV`        | `1` / `0`           | development defaults (set by `loopwise dev`): pretty logs, access log, `metrics: true`, `guard.serverTiming` and `guard.captureStacks` on |
 * | `LOOPWISE_ACCESS_LOG` | `1` / `0`           | one log line per request (set to `1` by `loopwise run`); `0` turns it off even in dev mode |
 * | `LOOPWISE_LOG_FORMAT` | `json` / `pretty`   | how the default logger writes: JSON lines (production) or pino-pretty (the dev default) |
 * | `LOOPWISE_LOG_STREAM` | `stdout` / `stderr` | where the default logger writes (stdout unless set; `loopwise bench` sets `stderr`, so its report owns stdout) |
 * | `LOG_LEVEL`           | a pino level        | the default logger's level (and of `logger: {…}` options that set none); `info` if unset |
 * | `NODE_ENV`            | `development`       | `guard.serverTiming` and `guard.captureStacks` on, as before `LOOPWISE_DEV` existed |
 * | `NO_COLOR`, `FORCE_COLOR` | any             | pretty lines are coloured when stdout is a terminal; `NO_COLOR` (non-empty) never, `FORCE_COLOR` (not `0`) always |
 *
 * Flags accept `1`/`true`/`yes`/`on` and `0`/`false`/`no`/`off` (any case); empty counts as unset.
 * Any other value is refused when the App is created, so a typo cannot silently change nothing.
 */
export interface RuntimeEnv {
  /** LOOPWISE_DEV: development defaults. */
  dev: boolean;
  /** LOOPWISE_ACCESS_LOG, or undefined when unset (then dev decides). */
  accessLog: boolean | undefined;
  /** LOOPWISE_LOG_FORMAT, or undefined when unset (then dev decides: pretty in dev, JSON otherwise). */
  logFormat: 'json' | 'pretty' | undefined;
  /** LOG_LEVEL, or undefined when unset. */
  logLevel: string | undefined;
  /** LOOPWISE_LOG_STREAM: the file descriptor the default logger writes to, 1 (stdout) unless set to stderr. */
  logStream: 1 | 2;
  /** The guard's diagnostics (Server-Timing, blocking stacks) default on: LOOPWISE_DEV=1 or NODE_ENV=development. */
  diagnostics: boolean;
  /** Colour in pretty lines: stdout is a terminal, unless NO_COLOR; or FORCE_COLOR. */
  color: boolean;
}

/** Running on Bun rather than Node (read once at startup by whoever needs it, never per request). */
export function isBun(): boolean { return process.versions.bun !== undefined; }

export function runtimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const dev = flag(env, 'LOOPWISE_DEV') ?? false;
  return {
    dev,
    accessLog: flag(env, 'LOOPWISE_ACCESS_LOG'),
    logFormat: logFormat(env.LOOPWISE_LOG_FORMAT),
    logLevel: nonEmpty(env.LOG_LEVEL),
    logStream: logStream(env.LOOPWISE_LOG_STREAM),
    diagnostics: dev || env.NODE_ENV === 'development',
    color: color(env),
  };
}

/** As no-color.org and most tools read them: NO_COLOR wins, FORCE_COLOR=0 forces nothing. */
function color(env: NodeJS.ProcessEnv): boolean {
  if (nonEmpty(env.NO_COLOR) !== undefined) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force.toLowerCase() !== 'false') return true;
  return isatty(1);
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const value = raw.toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${name}=${JSON.stringify(raw)} is not a flag: use 1 (on) or 0 (off).`);
}

function logStream(raw: string | undefined): 1 | 2 {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined || value === 'stdout') return 1;
  if (value === 'stderr') return 2;
  throw new LoopwiseError('LW_ERR_INVALID_OPTION', `LOOPWISE_LOG_STREAM is stdout or stderr, not ${JSON.stringify(raw)}.`);
}

function logFormat(raw: string | undefined): 'json' | 'pretty' | undefined {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined || value === 'json' || value === 'pretty') return value;
  throw new LoopwiseError('LW_ERR_INVALID_OPTION', `LOOPWISE_LOG_FORMAT=${JSON.stringify(raw)} is not a log format: use json or pretty.`);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
