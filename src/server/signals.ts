import type { Logger } from 'pino';
import { exitAfterFlush } from '../logger.js';

/** What a signal stops: an App, seen only through its logger and its graceful close. */
export interface Closable {
  readonly log: Logger;
  close(): Promise<void>;
}

/**
 * Finishes in-flight requests, then ends the process: 0 after a clean close, 1 when it failed.
 * listen()'s own signal handlers and the CLI's (src/cli/serve-app.ts) both end this way.
 */
export function closeAndExit(target: Closable, signal: NodeJS.Signals): Promise<never> {
  target.log.info({ signal }, `${signal} received: finishing in-flight requests, then exiting`);
  return target.close().then(
    () => exitAfterFlush(target.log, 0),
    (error: unknown) => {
      target.log.error({ err: error }, 'graceful close failed');
      return exitAfterFlush(target.log, 1);
    },
  );
}

/** SIGTERM and SIGINT close the target, then exit (once each); returns what removes the handlers. */
export function exitOnSignals(target: Closable): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    void closeAndExit(target, signal);
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return () => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  };
}
