import { createRequire } from 'node:module';
import { destination, pino, stdSerializers, type Logger, type LoggerOptions } from 'pino';
import type PinoPretty from 'pino-pretty';
import { installHint, isInstalled } from './optional-package.js';
import { runtimeEnv, type RuntimeEnv } from './runtime-env.js';

export type LoggerSetting = boolean | LoggerOptions | Logger;

/** How the App's logger was made: its own (JSON or pretty), or the user's options or instance. */
export interface AppLogger {
  log: Logger;
  /** Lines go through pino-pretty: the access log writes its message alone, the fields would only clutter it. */
  pretty: boolean;
}

/**
 * The App's logger.
 * - `true` or unset: loopwise's own, at LOG_LEVEL (default `info`): JSON lines on stdout, or
 *   pino-pretty (synchronous, colour on a terminal, `[time] LEVEL: message`) in dev mode
 *   (LOOPWISE_DEV=1) or with LOOPWISE_LOG_FORMAT=pretty; LOOPWISE_LOG_FORMAT=json keeps JSON.
 * - `false`: silent.
 * - pino options: `pino(options)`, as given (the level defaults to LOG_LEVEL, then `info`); the
 *   environment's format does not apply: the options say where lines go (`transport`…).
 * - a pino instance: used as it is.
 */
export function createLogger(setting: LoggerSetting | undefined, env?: RuntimeEnv): AppLogger {
  if (setting === false) return { log: pino({ enabled: false }), pretty: false };
  if (isLogger(setting)) return { log: setting, pretty: false };
  env ??= runtimeEnv();
  if (setting === undefined || setting === true) {
    const level = env.logLevel ?? 'info';
    const wantsPretty = (env.logFormat ?? (env.dev ? 'pretty' : 'json')) === 'pretty';
    // pino-pretty is optional: without it, dev logs stay JSON and the first line says how to get them readable.
    const stream = wantsPretty ? prettyStream(env.color, env.logStream) : undefined;
    const log =
      stream !== undefined
        ? pino({ level, serializers }, stream)
        : env.logStream === 1
          ? pino({ level, serializers })
          : pino({ level, serializers }, destination({ dest: env.logStream, sync: true }));
    if (wantsPretty && stream === undefined) log.info(installHint('pino-pretty', 'Readable dev logs', true));
    return { log, pretty: stream !== undefined };
  }
  return { log: pino({ level: env.logLevel ?? 'info', ...setting, serializers: { ...serializers, ...setting.serializers } }), pretty: false };
}

/**
 * pino's error serializer reads what a handler threw; a value whose getters throw (a Proxy, a
 * `message` getter) made the log call itself throw, inside the error path, and end the process.
 */
const serializers = {
  err(error: unknown): unknown {
    try {
      return stdSerializers.err(error as Error);
    } catch {
      return { type: 'Uninspectable', message: 'the thrown value could not be read (its properties throw)' };
    }
  },
};

/**
 * Synchronous, so a line is on the terminal before the next thing happens (a crash, a breakpoint).
 * pino-pretty is loaded only here (require: it is CommonJS, and the App constructor is synchronous):
 * importing it costs ~40 ms, which production processes and every worker thread would pay for nothing.
 */
function prettyStream(colorize: boolean, destination: 1 | 2): PinoPretty.PrettyStream | undefined {
  if (!isInstalled('pino-pretty')) return undefined;
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pinoPretty({
    sync: true,
    destination,
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

function isLogger(value: LoggerSetting | undefined): value is Logger {
  return typeof value === 'object' && value !== null && typeof (value as Logger).child === 'function' && typeof (value as Logger).info === 'function';
}

/**
 * pino writes asynchronously: exit once the last lines are out, so they are neither lost nor
 * reordered (exiting with a write in flight let pino's exit-time flush overtake it).
 */
export function exitAfterFlush(log: Logger, code: number): Promise<never> {
  return new Promise<never>(() => {
    setTimeout(() => process.exit(code), 1000).unref(); // a destination that never says it flushed
    log.flush(() => process.exit(code));
  });
}
