import type { Logger } from 'pino';

/**
 * A promise a handler started and forgot (a missing `await`) that rejects: Node ends the process
 * for it by default, and every other request with it. While an App listens, such a rejection is
 * logged as an error instead, as asyncio logs a task's exception nobody retrieved, and the server
 * serves on. Only when nothing else listens for it: an app's own handler (or a test runner's)
 * keeps the say. Returns what removes the listener.
 */
export function logStrayRejections(log: Logger): () => void {
  if (process.listenerCount('unhandledRejection') > 0) return () => {};
  const onRejection = (reason: unknown): void => {
    log.error({ err: reason }, 'a promise rejected and nothing handled it (a missing await?): logged, and the server serves on');
  };
  process.on('unhandledRejection', onRejection);
  return () => {
    process.removeListener('unhandledRejection', onRejection);
  };
}
