import { validateHeaderName, validateHeaderValue } from 'node:http';

/**
 * Why a response header cannot be sent as given, or `undefined` when Node will take it. Checked
 * where a handler sets a header, so a bad one fails that handler (a logged 500) instead of
 * throwing later inside `writeHead`, where nothing can catch it and the process would end.
 * Node's own checks (RFC 9110 token names; values of Latin-1 bytes, no CR, LF or NUL).
 */
export function headerProblem(name: unknown, value: unknown): string | undefined {
  if (typeof name !== 'string') return `a header name must be a string, not ${typeof name}`;
  try {
    validateHeaderName(name);
  } catch {
    return `the header name ${quote(name)} is not a valid HTTP token`;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = valueProblem(name, item);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return valueProblem(name, value);
}

/** The first problem among a headers object's entries. */
export function headersProblem(headers: object | undefined): string | undefined {
  if (headers === undefined) return undefined;
  if (headers === null || typeof headers !== 'object') return `headers must be an object, not ${headers === null ? 'null' : typeof headers}`;
  for (const name in headers) {
    const problem = headerProblem(name, (headers as Record<string, unknown>)[name]);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Node's own test for a header value's or a reason phrase's text: Latin-1 only, no CR, LF or NUL. */
export const INVALID_FIELD_TEXT = /[^\t\x20-\x7e\x80-\xff]/;

/** Node accepts 100–999 and throws on anything else; 1xx are not final answers, so only 200–999. */
export function statusProblem(status: unknown): string | undefined {
  if (typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 999) return undefined;
  return `the status ${quote(status)} is not an HTTP status code (an integer from 200 to 999)`;
}

function valueProblem(name: string, value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `the header ${name} is ${value}`;
  if (typeof value !== 'string') return `the header ${name} has no string value (${value === null ? 'null' : typeof value}): leave it out or give it one`;
  try {
    validateHeaderValue(name, value);
  } catch {
    // The value itself stays out of the message: it may be a secret, and is the client's text.
    return `the header ${name} has a character a header cannot carry (only Latin-1, no CR, LF or NUL; percent-encode or drop it)`;
  }
  return undefined;
}

function quote(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The same headers with lower-case names. loopwise sets the framing headers (`content-length`,
 * `content-type`) by their lower-case names; a handler's `Content-Length` beside them would go out
 * as a second, conflicting header. Returns the object itself when it is already lower-case.
 */
export function withLowerCaseNames<H extends object>(headers: H): H {
  let lower = true;
  for (const name in headers) {
    if (name !== name.toLowerCase()) {
      lower = false;
      break;
    }
  }
  if (lower) return headers;
  const copy: Record<string, unknown> = {};
  for (const name in headers) copy[name.toLowerCase()] = (headers as Record<string, unknown>)[name];
  return copy as H;
}
