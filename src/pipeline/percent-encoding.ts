import { HTTPException } from '../errors.js';

/**
 * Refuses (400) a query string or form body whose percent-encoding is broken: a `%` not followed
 * by two hex digits, or escapes that do not decode to UTF-8 (`%FF`). The parser would otherwise
 * keep such text as it came, and a handler would read `%ZZ` as a value. Costs nothing without `%`.
 */
export function checkPercentEncoding(raw: string, what: 'query string' | 'form body'): void {
  if (raw.indexOf('%') === -1) return;
  try {
    decodeURIComponent(raw);
  } catch {
    throw new HTTPException(400, `Bad Request: the ${what} is not valid percent-encoding`);
  }
}
