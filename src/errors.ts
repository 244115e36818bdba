import { STATUS_CODES } from 'node:http';
import { headersProblem, statusProblem, withLowerCaseNames } from './header-check.js';
import type { ValidationIssue } from './schema/validation-issue.js';

/**
 * Raise from a handler to answer with `{"detail": detail}` and the given status, as FastAPI's
 * HTTPException does. `detail` may be any JSON value; it defaults to the status' reason phrase.
 */
export class HTTPException extends Error {
  readonly statusCode: number;
  readonly detail: unknown;
  readonly headers: Record<string, string> | undefined;

  constructor(statusCode: number, detail?: unknown, headers?: Record<string, string>) {
    // Checked here, where it is raised: a bad status or header is the raiser's bug (a logged 500), not a crash in writeHead.
    const problem = statusProblem(statusCode) ?? headersProblem(headers);
    if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', `HTTPException: ${problem}`);
    const text = detail ?? STATUS_CODES[statusCode] ?? 'Error';
    super(typeof text === 'string' ? text : JSON.stringify(text));
    this.name = 'HTTPException';
    this.statusCode = statusCode;
    this.detail = text;
    this.headers = headers === undefined ? undefined : withLowerCaseNames(headers);
  }
}

/** 504 in FastAPI's shape, saying which limit was hit (the route's, not an upstream's); main thread and offload pool alike. */
export function timeoutError(timeout: number): HTTPException {
  return new HTTPException(504, `Gateway Timeout: the handler did not finish within ${timeout} ms`);
}

/** The request did not match its declared schemas; answered 422 with one issue per failure. */
export class RequestValidationError extends Error {
  readonly errors: ValidationIssue[];

  constructor(errors: ValidationIssue[]) {
    super(`Request validation failed: ${errors.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; ')}`);
    this.name = 'RequestValidationError';
    this.errors = errors;
  }
}

/**
 * Framework errors a developer can hit. Each has a stable code (searchable in docs/errors.md)
 * and a message that says what to do.
 */
export type LoopwiseErrorCode =
  | 'LW_ERR_ROUTES_FROZEN'
  | 'LW_ERR_DUPLICATE_ROUTE'
  | 'LW_ERR_INVALID_ROUTE'
  | 'LW_ERR_SCHEMA_INVALID'
  | 'LW_ERR_RESPONSE_SERIALIZATION'
  | 'LW_ERR_INVALID_RESPONSE'
  | 'LW_ERR_ALREADY_LISTENING'
  | 'LW_ERR_INVALID_OPTION'
  | 'LW_ERR_OFFLOAD_MODULE'
  | 'LW_ERR_OFFLOAD_RESULT'
  | 'LW_ERR_OPENAPI'
  | 'LW_ERR_DOCS_ASSET'
  | 'LW_ERR_INVALID_DEPENDENCY'
  | 'LW_ERR_DEPENDENCY_CYCLE'
  | 'LW_ERR_STARTUP'
  | 'LW_ERR_MISSING_PACKAGE'
  // app.channel(): a message its schema refused (or that cannot be sent), and Redis away on publish.
  | 'LW_ERR_CHANNEL_MESSAGE'
  | 'LW_ERR_PUBSUB_UNAVAILABLE'
  // Something the running runtime (Bun) cannot do: named, with what to do instead.
  | 'LW_ERR_RUNTIME';

export class LoopwiseError extends Error {
  readonly code: LoopwiseErrorCode;

  constructor(code: LoopwiseErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'LoopwiseError';
    this.code = code;
  }
}

/** A thrown value's message for a log line; never throws, whatever was thrown (a Proxy, a throwing getter). */
export function messageOf(error: unknown): string {
  try {
    const message = (error as Error | null)?.message;
    return typeof message === 'string' ? message : String(error);
  } catch {
    return 'a thrown value that cannot be read';
  }
}
