import type { OutgoingHttpHeaders } from 'node:http';
import { serialize, type SerializeOptions } from 'cookie';

export type CookieOptions = SerializeOptions;

/**
 * What a handler may set on its response besides the returned value: status, headers, cookies
 * (FastAPI's injected `Response`). Created only when a handler asks for it.
 */
export class Reply {
  statusCode: number | undefined = undefined;
  readonly headers: OutgoingHttpHeaders = {};

  status(code: number): this {
    this.statusCode = code;
    return this;
  }

  header(name: string, value: string | number | string[]): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }

  cookie(name: string, value: string, options: CookieOptions = {}): this {
    const line = serialize(name, value, { path: '/', sameSite: 'lax', ...options });
    const existing = this.headers['set-cookie'];
    this.headers['set-cookie'] = existing === undefined ? [line] : [...(existing as string[]), line];
    return this;
  }

  /** Tells the browser to drop a cookie: same name and path, expired. */
  clearCookie(name: string, options: CookieOptions = {}): this {
    return this.cookie(name, '', { ...options, expires: new Date(0), maxAge: 0 });
  }
}
