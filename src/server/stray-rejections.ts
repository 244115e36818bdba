import type { Logger } from 'pino';

/** One entry per App listening now (two may share a logger): the listener logs through the first one's. */
const listening = new Set<{ log: Logger }>();
let installed = false;

function onRejection(reason: unknown): void {
  const [first] = listening;
  first?.log.error({ err: reason }, 'a promise rejected and nothing handled it (a missing await?): logged, and the server serves on');
}

/**
 * A promise a handler started and forgot (a missing `await`) that rejects: Node ends the process
 * for it by default, and every other request with it. While an App listens, such a rejection is
 * logged as an error instead, as asyncio logs a task's exception nobody retrieved, and the server
 * serves on. Only when nothing else listened for it when the first App started: an app's own
 * handler (or a test runner's) keeps the say. One listener for every App in the process, removed
 * when the last one stops. Returns what ends this App's part.
 */
export function logStrayRejections(log: Logger): () => void {
  if (listening.size === 0 && !installed && process.listenerCount('unhandledRejection') === 0) {
    process.on('unhandledRejection', onRejection);
    installed = true;
  }
  const entry = { log };
  listening.add(entry);
  return () => {
    listening.delete(entry);
    if (listening.size > 0 || !installed) return;
    process.removeListener('unhandledRejection', onRejection);
    installed = false;
  };
}
