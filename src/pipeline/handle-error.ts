import type { Logger } from 'pino';
import { HTTPException, RequestValidationError } from '../errors.js';
import { HttpResponse } from '../responses/http-response.js';
import type { ValidationIssue } from '../schema/validation-issue.js';
import type { RequestContext } from './context.js';
import { requestIdOf } from './request-id.js';
import { ClientAbortedError } from './read-body.js';
import { writeJson, writeResponse, type ResponseSink } from './send.js';

/** A user's answer for an error: an HttpResponse, or a value sent as JSON with the error's status. */
export type ExceptionHandler<E = any> = (error: E, context: RequestContext) => unknown;

export type ErrorClass<E = any> = abstract new (...args: any[]) => E;

/**
 * Turns any error raised on a request's path into its response: the user's handler for the
 * error's class (nearest first) or status if there is one, else FastAPI's default shapes.
 */
export class ErrorResponder {
  private readonly byClass = new Map<ErrorClass, ExceptionHandler>();
  private readonly byStatus = new Map<number, ExceptionHandler>();

  constructor(private readonly log: Logger) {}

  register(key: ErrorClass | number, handler: ExceptionHandler): void {
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

  private answer(context: RequestContext | null, res: ResponseSink, error: unknown, route: string): void {
    if (error instanceof ClientAbortedError) {
      this.log.debug({ route }, error.message);
      return;
    }
    if (res.headersSent) {
      this.log.error({ err: error, ...where(context, route) }, `Error after the response to ${route} had started; closing the connection`);
      res.destroy();
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
      outcome = custom(error, context!);
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
            writeResponse(res, value, context!.replyState);
            return;
          }
          payload = JSON.stringify(value) ?? 'null';
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

  private find(error: unknown, status: number): ExceptionHandler | undefined {
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
