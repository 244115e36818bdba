import type { Logger } from 'pino';

/** One entry per App listening now (two may share a logger): the listeners log through the first one's. */
const listening = new Set<{ log: Logger }>();
let installed: { rejection: boolean; exception: boolean } = { rejection: false, exception: false };

function onRejection(reason: unknown): void {
  const [first] = listening;
  first?.log.error({ err: reason }, 'a promise rejected and nothing handled it (a missing await?): logged, and the server serves on');
}

function onException(error: unknown): void {
  const [first] = listening;
  first?.log.error({ err: error }, 'a callback threw and nothing caught it (a timer or an event listener, outside any request): logged, and the server serves on');
}

/**
 * What a handler starts and leaves behind can fail after its answer, where no request catches it:
 * a promise it forgot (a missing `await`) that rejects, or a timer or event listener it set that
 * throws. Node ends the process for either by default, and every other request with it. While an
 * App listens, each is logged as an error instead, as asyncio logs a task's exception nobody
 * retrieved and an exception in a `call_later` callback, and the server serves on. Each listener is
 * added only when nothing else listened for that event when the first App started: an app's own
 * handler (or a test runner's) keeps the say. One of each for every App in the process, removed when
 * the last one stops. Returns what ends this App's part.
 */
export function logStrayErrors(log: Logger): () => void {
  if (listening.size === 0) {
    installed = {
      rejection: process.listenerCount('unhandledRejection') === 0,
      exception: process.listenerCount('uncaughtException') === 0,
    };
    if (installed.rejection) process.on('unhandledRejection', onRejection);
    if (installed.exception) process.on('uncaughtException', onException);
  }
  const entry = { log };
  listening.add(entry);
  return () => {
    if (!listening.delete(entry) || listening.size > 0) return;
    if (installed.rejection) process.removeListener('unhandledRejection', onRejection);
    if (installed.exception) process.removeListener('uncaughtException', onException);
    installed = { rejection: false, exception: false };
  };
}
