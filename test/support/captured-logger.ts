import { pino, type Level, type Logger } from 'pino';

/** A pino logger whose JSON lines land in `lines`, for a test to read what the app logged. */
export function capturedLogger(level: Level = 'info'): { logger: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}
