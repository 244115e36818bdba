import type { OutgoingHttpHeaders } from 'node:http';
import { serialize, type SerializeOptions } from 'cookie';
import { LoopwiseError } from '../errors.js';
import { headerProblem, statusProblem } from '../header-check.js';

export type CookieOptions = SerializeOptions;

/**
 * What a handler may set on its response besides the returned value: status, headers, cookies
 * (FastAPI's injected `Response`). Created only when a handler asks for it.
 */
export class Reply {
  statusCode: number | undefined = undefined;
  readonly headers: OutgoingHttpHeaders = {};

  // Each setter checks what it is given: a bad value fails the handler that set it (a logged 500
  // naming the header) rather than Node's writeHead later, where the throw would end the process.
  status(code: number): this {
    const problem = statusProblem(code);
    if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', `reply.status(): ${problem}`);
    this.statusCode = code;
    return this;
  }

  header(name: string, value: string | number | string[]): this {
    const problem = headerProblem(name, value);
    if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', `reply.header(): ${problem}`);
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  cookie(name: string, value: string, options: CookieOptions = {}): this {
    let line: string;
    try {
      // The value is percent-encoded by default; the name, domain and path are checked by cookie.
      line = serialize(name, value, { path: '/', sameSite: 'lax', ...options });
    } catch (error) {
      throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', `reply.cookie(): the cookie cannot be sent (${(error as Error).message})`, { cause: error });
    }
    const problem = headerProblem('set-cookie', line);
    if (problem !== undefined) throw new LoopwiseError('LW_ERR_INVALID_RESPONSE', `reply.cookie(): ${problem}`);
    const existing = this.headers['set-cookie'];
    this.headers['set-cookie'] = existing === undefined ? [line] : [...(existing as string[]), line];
    return this;
  }

  /** Tells the browser to drop a cookie: same name and path, expired. */
  clearCookie(name: string, options: CookieOptions = {}): this {
    return this.cookie(name, '', { ...options, expires: new Date(0), maxAge: 0 });
  }
}
