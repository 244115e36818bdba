import type { Logger } from 'pino';
import { HTTPException, RequestValidationError } from '../errors.js';
import { HttpResponse } from '../responses/http-response.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import type { RequestContext } from './context.js';
import type { AppState } from '../deps/dependency.js';
import { exceptionContext, type ExceptionContext } from './exception-context.js';
import { requestIdOf } from './request-id.js';
import { ClientAbortedError } from './read-body.js';
import { writeJson, writeResponse, type ResponseSink } from './send.js';
import { recordServerError } from './server-errors.js';

/**
 * What an exception handler may answer: an HttpResponse, sent as it is with its own status
 * (`json(body, { status: 418 })`, `html(…)`, `text(…)`: FastAPI's `JSONResponse(status_code=…)`),
 * or a plain value, sent as JSON with the error's status.
 */
export type ExceptionAnswer = HttpResponse | object | string | number | boolean | null;

/** Errors that carry a status for a plain answer to keep: HTTPException's own, RequestValidationError's 422. */
export type ErrorWithStatus = HTTPException | RequestValidationError;

/**
 * What a handler for errors of class E answers. Other errors have no status but 500, so their
 * handlers answer with an HttpResponse, whose status is theirs to choose: a plain value would
 * go out as a 500, which is never what a handler for `NotFoundError` means.
 */
export type ExceptionResult<E> = [E] extends [ErrorWithStatus] ? ExceptionAnswer : HttpResponse;

/** A user's answer for an error of class E (or for a status: then any plain value too). */
export type ExceptionHandler<E = any> = (error: E, context: ExceptionContext) => ExceptionResult<E> | Promise<ExceptionResult<E>>;

export type ErrorClass<E = any> = abstract new (...args: any[]) => E;

/** A handler as stored: what it returns is checked when it answers, whatever its types said. */
type AnyExceptionHandler = (error: any, context: ExceptionContext) => unknown;

/**
 * Turns any error raised on a request's path into its response: the user's handler for the
 * error's class (nearest first) or status if there is one, else FastAPI's default shapes.
 */
export class ErrorResponder {
  private readonly byClass = new Map<ErrorClass, AnyExceptionHandler>();
  private readonly byStatus = new Map<number, AnyExceptionHandler>();
  /** Handlers already warned about answering a plain value with 500: once each is enough. */
  private readonly warned = new WeakSet<AnyExceptionHandler>();

  /** `state` is the App's (`app.state`), for the handlers' context. */
  constructor(
    private readonly log: Logger,
    private readonly state: AppState = {},
  ) {}

  register(key: ErrorClass | number, handler: AnyExceptionHandler): void {
    if (typeof key === 'number') this.byStatus.set(key, handler);
    else this.byClass.set(key, handler);
  }

  /** Never throws: what it is given may be anything a handler threw, even a value every look at throws. */
  respond(context: RequestContext | null, res: ResponseSink, error: unknown, route: string): void {
    try {
      this.answer(context, res, error, route);
    } catch {
      this.lastResort(res, route);
    }
  }

  /**
   * An error once the answer has started (its head out, or its body under way behind a held head):
   * no other answer can be sent, so it is logged and the connection closed, for the client to see
   * the answer is incomplete. Never throws.
   */
  closeStarted(context: RequestContext | null, res: ResponseSink, error: unknown, route: string): void {
    try {
      this.log.error({ err: error, ...where(context, route) }, `Error after the response to ${route} had started; closing the connection`);
    } catch {
      // a logger that throws: the connection is closed all the same
    }
    res.destroy();
  }

  private answer(context: RequestContext | null, res: ResponseSink, error: unknown, route: string): void {
    if (error instanceof ClientAbortedError) {
      this.log.debug({ route }, error.message);
      return;
    }
    if (res.headersSent) {
      this.closeStarted(context, res, error, route);
      return;
    }
    const status = statusOf(error);
    const custom = context === null ? undefined : this.find(error, status);
    if (custom === undefined) {
      this.respondByDefault(res, error, status, context, route);
      return;
    }
    let outcome: unknown;
    try {
      outcome = custom(error, exceptionContext(context!, route, this.state, this.log));
    } catch (failure) {
      this.internalError(res, failure, context, route);
      return;
    }
    Promise.resolve(outcome).then(
      (value) => {
        // A value JSON cannot write (a BigInt, a cycle) threw here, inside a promise callback: an
        // unhandled rejection that ended the process. It is the handler's fault: 500, logged.
        let payload: string;
        try {
          if (value instanceof HttpResponse) {
            writeResponse(res, value, context!.replyState, (failure) => this.respond(context, res, failure, route));
            return;
          }
          payload = JSON.stringify(value) ?? 'null';
          if (status === 500 && !(error instanceof HTTPException) && this.byStatus.get(500) !== custom) this.warnPlainAnswer(custom, error, route);
        } catch (failure) {
          this.internalError(res, failure, context, route);
          return;
        }
        try {
          writeJson(res, status, payload, undefined);
        } catch (failure) {
          this.internalError(res, failure, context, route);
        }
      },
      (failure: unknown) => this.internalError(res, failure, context, route),
    );
  }

  /**
   * A handler for an error class answered a plain value, which goes out with the error's status:
   * 500 for an error that has none. Said once per handler, with the way to choose the status.
   */
  private warnPlainAnswer(handler: AnyExceptionHandler, error: unknown, route: string): void {
    if (this.warned.has(handler)) return;
    this.warned.add(handler);
    const name = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    const what = typeof name === 'string' && name !== '' ? name : 'this error';
    this.log.warn(
      { route },
      `the exception handler for ${what} (in ${route}) returned a plain value, sent as JSON with status 500, the error's own: ` +
        'return json(value, { status }) to choose the status (json(value, { status: 500 }) keeps 500 and silences this).',
    );
  }

  /** When even looking at the error threw: a 500 (or a closed connection) and a line that says so. */
  private lastResort(res: ResponseSink, route: string): void {
    try {
      this.log.error({ route }, `Unhandled error in ${route}; the thrown value could not be read or answered normally`);
    } catch {
      // a logger that throws: nothing more can be said
    }
    try {
      if (res.headersSent) res.destroy();
      else writeJson(res, 500, '{"detail":"Internal Server Error"}', undefined);
    } catch {
      res.destroy();
    }
  }

  private find(error: unknown, status: number): AnyExceptionHandler | undefined {
    if (this.byClass.size > 0 && error !== null && typeof error === 'object') {
      for (let proto = Object.getPrototypeOf(error); proto !== null; proto = Object.getPrototypeOf(proto)) {
        const handler = this.byClass.get(proto.constructor);
        if (handler !== undefined) return handler;
      }
    }
    return this.byStatus.get(status);
  }

  private respondByDefault(res: ResponseSink, error: unknown, status: number, context: RequestContext | null, route: string): void {
    let payload: string;
    try {
      if (error instanceof HTTPException) payload = JSON.stringify({ detail: error.detail });
      else if (error instanceof RequestValidationError) payload = validationPayload(error.errors);
      else {
        this.internalError(res, error, context, route);
        return;
      }
    } catch (failure) {
      // A detail JSON cannot carry (circular, a BigInt, too deep): a logged 500, never a throw out of here.
      this.internalError(res, failure, context, route);
      return;
    }
    try {
      writeJson(res, status, payload, error instanceof HTTPException ? error.headers : undefined);
    } catch (failure) {
      this.internalError(res, failure, context, route);
    }
  }

  /** The stack goes to the log, never to the client. Never throws. */
  private internalError(res: ResponseSink, error: unknown, context: RequestContext | null, route: string): void {
    if (context !== null) recordServerError(context.request, error);
    try {
      this.log.error({ err: error, ...where(context, route) }, `Unhandled error in ${route}`);
    } catch {
      this.lastResort(res, route);
      return;
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    try {
      writeJson(res, 500, '{"detail":"Internal Server Error"}', undefined);
    } catch {
      res.destroy(); // nothing left to answer with: the client sees the connection close
    }
  }
}

/**
 * The 422 body. Each issue echoes the client's input, and JSON.parse accepts nesting that
 * JSON.stringify cannot write back: a body of 100 000 nested arrays (200 KB, under the body
 * limit) failed validation with itself as `input`, and the RangeError thrown here, in a body
 * stream's 'end' callback, ended the process. Such an input is answered as `null` instead.
 */
function validationPayload(issues: ValidationIssue[]): string {
  try {
    return JSON.stringify({ detail: issues });
  } catch {
    const writable = issues.map((issue) => {
      try {
        JSON.stringify(issue);
        return issue;
      } catch {
        return { ...issue, input: null };
      }
    });
    return JSON.stringify({ detail: writable });
  }
}

/** What a log line says of the request: its route, and its id when it has one (requestId middleware, or the access log). */
function where(context: RequestContext | null, route: string): { route: string; reqId?: string } {
  const reqId = context === null ? undefined : requestIdOf(context.request);
  return reqId === undefined ? { route } : { route, reqId };
}

function statusOf(error: unknown): number {
  if (error instanceof HTTPException) return error.statusCode;
  if (error instanceof RequestValidationError) return 422;
  return 500;
}
