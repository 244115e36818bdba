import type { Logger } from 'pino';
import { afterResponse, type BackgroundRunner } from '../deps/background-tasks.js';
import type { RequestContext } from './context.js';

/**
 * What a request leaves to do once its answer is out (an HTTP response, or a WebSocket handler's
 * end): its dependencies' cleanups, which get the error it ended with, if any; then, if there was
 * none, its background tasks (as in FastAPI, a request that failed runs none: the work they follow
 * did not happen). `sent` settles when the answer is out; by default, on the next turn. Shutdown
 * waits for both. Two field checks for requests with neither.
 */
export function afterAnswer(
  context: RequestContext,
  error: unknown,
  name: string,
  services: { background?: BackgroundRunner | undefined; log: Logger },
  sent?: Promise<void>,
): void {
  const scope = context.scope;
  const tasks = context.backgroundState;
  if (scope === undefined && tasks === undefined) return;
  const { background, log } = services;
  const out = sent ?? afterResponse();
  if (scope !== undefined) {
    const closing = out.then(() => scope.close(error, name));
    background?.track(closing);
  }
  if (tasks === undefined || tasks.tasks.length === 0 || error !== undefined) return;
  // The tasks run once the answer is out, when the connection may be closed (and Bun's server no
  // longer gives a finished request's address): `ip` is read now and kept for them.
  context.keepIp();
  if (background === undefined) log.error({ route: name }, `${name} added background tasks where none can run`);
  else if (sent !== undefined) background.track(out.then(() => background.run(tasks, name)));
  else background.run(tasks, name);
}
