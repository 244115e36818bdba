import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpResponse } from '../responses/http-response.js';
import { contextWithoutRoute } from '../pipeline/context.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import { writeResponse } from '../pipeline/send.js';

/**
 * Code around every request, before routing: `(req, res, next) => …`. Set headers with
 * `res.setHeader` and call `await next()` to go on (it resolves once the response has been
 * sent, so code after it runs "after the request"); or answer early by returning an
 * `HttpResponse` (or writing to `res`) without calling `next`. Express/Connect middleware
 * of the form `(req, res, next)` works as it is.
 */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => Promise<void>) => unknown;

/**
 * Runs the middlewares in order, then the app's dispatcher. A middleware that throws (or passes
 * an error to `next`, Connect-style) gets the app's error answer; an HTTPException keeps its status.
 */
export function withMiddleware(middlewares: readonly Middleware[], dispatch: RequestListener, responder: ErrorResponder): RequestListener {
  if (middlewares.length === 0) return dispatch;
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    if (res.headersSent) {
      res.destroy(error instanceof Error ? error : undefined);
      return;
    }
    responder.respond(contextWithoutRoute(req), res, error, 'middleware');
  };

  /** A middleware that returned an HttpResponse answers with it (when nothing has been sent yet). */
  function answer(value: unknown, req: IncomingMessage, res: ServerResponse): void {
    if (!(value instanceof HttpResponse) || res.headersSent) return;
    try {
      writeResponse(res, value, undefined);
    } catch (error) {
      fail(req, res, error); // a header Node refuses: a 500, not a rejection that ends the process
    }
  }

  return function runMiddleware(req, res) {
    let finished: Promise<void> | null = null;
    // Settles when the response is done (or the client went away): what `await next()` waits for.
    const done = (): Promise<void> =>
      (finished ??= new Promise<void>((resolve) => {
        if (res.writableFinished || res.destroyed) resolve();
        else {
          res.once('finish', resolve);
          res.once('close', resolve);
        }
      }));

    const step = (index: number): Promise<void> => {
      if (index === middlewares.length) {
        dispatch(req, res);
        return done();
      }
      let called = false;
      const next = (error?: unknown): Promise<void> => {
        if (called) return done();
        called = true;
        if (error !== undefined && error !== null) {
          fail(req, res, error);
          return done();
        }
        return step(index + 1);
      };
      let result: unknown;
      try {
        result = middlewares[index]!(req, res, next);
      } catch (error) {
        fail(req, res, error);
        return done();
      }
      // What `await next()` waits for is the response itself, whether this middleware is async,
      // Connect-style (no promise), or calls next() without awaiting it.
      if (result instanceof Promise) {
        return result
          .then(
            (value) => answer(value, req, res),
            (error: unknown) => fail(req, res, error),
          )
          .then(done);
      }
      answer(result, req, res);
      return done();
    };
    void step(0);
  };
}


