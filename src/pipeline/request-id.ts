// The request id is the pipeline's: its error answers, log lines and offloaded calls carry it.
// The requestId() middleware (and the access log, when it is on) only set it.

/** Where the id in force is kept on Node's request; read it with {@link requestIdOf}. */
export const REQUEST_ID: unique symbol = Symbol.for('loopwise.requestId');

/**
 * The request's id, set by the `requestId()` middleware, or by the access log when it is on
 * (a UUID of its own: the client's header is trusted only by the middleware); undefined without either.
 */
export function requestIdOf(req: object): string | undefined {
  const id = (req as { [REQUEST_ID]?: unknown })[REQUEST_ID];
  return typeof id === 'string' ? id : undefined;
}

/** Makes `id` the request's id, for {@link requestIdOf}. */
export function setRequestId(req: object, id: string): void {
  (req as { [REQUEST_ID]?: string })[REQUEST_ID] = id;
}
