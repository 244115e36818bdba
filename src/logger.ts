import { pino, type Logger, type LoggerOptions } from 'pino';

export type LoggerSetting = boolean | LoggerOptions | Logger;

/** `true` (default): JSON lines on stdout at LOG_LEVEL or info; `false`: silent; or your own pino. */
export function createLogger(setting: LoggerSetting | undefined): Logger {
  if (setting === false) return pino({ enabled: false });
  if (setting === undefined || setting === true) return pino({ level: process.env.LOG_LEVEL ?? 'info' });
  if (isLogger(setting)) return setting;
  return pino(setting);
}

function isLogger(value: LoggerOptions | Logger): value is Logger {
  return typeof (value as Logger).child === 'function' && typeof (value as Logger).info === 'function';
}
