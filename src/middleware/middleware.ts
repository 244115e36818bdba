import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HttpResponse } from '../responses/http-response.js';
import { contextWithoutRoute } from '../pipeline/context.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import { writeResponse } from '../pipeline/send.js';
import { ResponseHold } from './response-hold.js';
import { LoopwiseError } from '../errors.js';


/**
 * Code around every request, before routing: `(req, res, next) => …`. Set headers with
 * `res.setHeader` and call `await next()` to go on. It resolves once the route (or whatever
 * answers) has its response ready, before it is written: code after it can still change
 * `res.statusCode` and set headers (as after Starlette's `call_next`), and the response goes out
 * when the middleware returns. Or answer early by returning an `HttpResponse` (or writing to `res`)
 * without calling `next`. Express/Connect middleware of the form `(req, res, next)` works as it is.
 */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => Promise<void>) => unknown;

/**
 * Runs the middlewares in order, then the app's dispatcher. A middleware that throws (or passes
 * an error to `next`, Connect-style) gets the app's error answer; an HTTPException keeps its status.
 */
export function withMiddleware(middlewares: readonly Middleware[], dispatch: RequestListener, responder: ErrorResponder): RequestListener {
  if (middlewares.length === 0) return dispatch;

  return function runMiddleware(req, res) {
    // Shared with an outer app's middleware when this app is mounted inside one.
    const hold = ResponseHold.of(res);

    const fail = (error: unknown): void => {
      // Headers out, or a streamed body under way behind a held head (a stream, or any body still
      // going through compression()): too late for another answer. Logged, and the connection closed.
      if (res.headersSent || hold.streaming) {
        responder.closeStarted(contextWithoutRoute(req), res, error, 'middleware');
        return;
      }
      responder.respond(contextWithoutRoute(req), res, error, 'middleware');
    };

    /** A middleware that returned an HttpResponse answers with it; after next(), it replaces the route's whole answer. */
    const answer = (value: unknown): void => {
      if (!(value instanceof HttpResponse) || !hold.answerable) return;
      try {
        writeResponse(res, value, undefined);
      } catch (error) {
        fail(error); // a header Node refuses: a 500, not a rejection that ends the process
      }
    };

    /** The middleware has finished: the last one out writes the held response. */
    const leave = (): void => {
      const refused = hold.leave();
      if (refused !== undefined) fail(refused);
    };

    const step = (index: number): Promise<void> => {
      if (index === middlewares.length) {
        dispatch(req, res);
        return hold.ready;
      }
      let downstream: Promise<void> | undefined;
      const next = (error?: unknown): Promise<void> => {
        if (downstream !== undefined) return downstream;
        if (error !== undefined && error !== null) {
          fail(error);
          downstream = hold.ready;
        } else {
          downstream = step(index + 1);
        }
        return downstream;
      };
      hold.enter();
      let result: unknown;
      try {
        result = middlewares[index]!(req, res, next);
      } catch (error) {
        fail(error);
        leave();
        return hold.ready;
      }
      if (result instanceof Promise) {
        // An earlier middleware's `await next()` resolves after this one's own code after next().
        return result.then(answer, fail).then(() => {
          // Settled without next() and without an answer: nothing else will answer (Starlette's
          // "No response returned."), so the client gets a 500 rather than waiting for good.
          if (downstream === undefined && hold.untouched) fail(new LoopwiseError('LW_ERR_INVALID_RESPONSE', 'a middleware settled without calling next() and without answering: no response was returned'));
          leave();
          return hold.ready;
        });
      }
      answer(result);
      leave();
      // Connect-style (no promise): an earlier `await next()` waits for the chain below it.
      return downstream ?? hold.ready;
    };
    void step(0);
  };
}
