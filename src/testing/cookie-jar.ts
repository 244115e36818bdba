import { parseSetCookie } from 'cookie';

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** Epoch ms; null: a session cookie, kept until the jar is cleared. */
  expiresAt: number | null;
}

/**
 * The test client's cookies, as a browser keeps them for one site (RFC 6265): Set-Cookie stores
 * or replaces a cookie (by name and path), `Max-Age=0` or a past `Expires` deletes it, and a
 * request sends the cookies whose `Path` covers its path. Domain is not checked: every request
 * goes to the one app. `Secure` cookies are sent too, as browsers do for http://localhost. Values
 * are kept as the app sent them (not URL-decoded), as browsers keep them.
 */
export class CookieJar implements Iterable<[string, string]> {
  private readonly cookies = new Map<string, StoredCookie>();

  /** The value of the cookie with this name (the one with the longest path, if there are several). */
  get(name: string): string | undefined {
    return this.live().find((cookie) => cookie.name === name)?.value;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Sets a cookie as if the app had (`path` defaults to `/`), e.g. a session made by hand. */
  set(name: string, value: string, options: { path?: string } = {}): void {
    const path = options.path ?? '/';
    this.cookies.set(key(name, path), { name, value, path, expiresAt: null });
  }

  /** Deletes the cookie with this name, under every path (or only under `path`). */
  delete(name: string, options: { path?: string } = {}): void {
    for (const [id, cookie] of this.cookies) {
      if (cookie.name === name && (options.path === undefined || cookie.path === options.path)) this.cookies.delete(id);
    }
  }

  clear(): void {
    this.cookies.clear();
  }

  /** How many cookies the jar holds (expired ones left out). */
  get size(): number {
    return this.live().length;
  }

  /** Every cookie as `{ name: value }` (the longest path's value where a name repeats). */
  toObject(): Record<string, string> {
    const all: Record<string, string> = {};
    for (const cookie of this.live()) all[cookie.name] ??= cookie.value;
    return all;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return Object.entries(this.toObject())[Symbol.iterator]();
  }

  /** @internal Stores what a response's Set-Cookie headers say, for a request to `requestPath`. */
  store(setCookie: string | string[] | undefined, requestPath: string): void {
    if (setCookie === undefined) return;
    const now = Date.now();
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const parsed = parseSetCookie(line, { decode: raw }); // kept as sent, to be sent back as it came
      if (parsed.name === '' || parsed.value === undefined) continue; // a browser ignores a nameless or malformed cookie
      const path = parsed.path?.startsWith('/') ? parsed.path : defaultPath(requestPath);
      // Max-Age wins over Expires (RFC 6265 §5.3); zero or less, or a date past, deletes.
      const expiresAt = parsed.maxAge !== undefined ? now + parsed.maxAge * 1000 : (parsed.expires?.getTime() ?? null);
      const id = key(parsed.name, path);
      if (expiresAt !== null && (expiresAt <= now || Number.isNaN(expiresAt))) this.cookies.delete(id);
      else this.cookies.set(id, { name: parsed.name, value: parsed.value, path, expiresAt });
    }
  }

  /** @internal The Cookie header for a request to `requestPath`: longest paths first, as browsers order it. */
  header(requestPath: string, extra: Record<string, string> = {}): string | undefined {
    const sent = new Map<string, string>();
    for (const cookie of this.live()) {
      if (pathMatches(requestPath, cookie.path) && !sent.has(cookie.name)) sent.set(cookie.name, cookie.value);
    }
    for (const [name, value] of Object.entries(extra)) sent.set(name, value);
    if (sent.size === 0) return undefined;
    return [...sent].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Unexpired cookies, longest path first; drops the expired ones. */
  private live(): StoredCookie[] {
    const now = Date.now();
    const live: StoredCookie[] = [];
    for (const [id, cookie] of this.cookies) {
      if (cookie.expiresAt !== null && cookie.expiresAt <= now) this.cookies.delete(id);
      else live.push(cookie);
    }
    return live.sort((a, b) => b.path.length - a.path.length);
  }
}

function raw(value: string): string {
  return value;
}

function key(name: string, path: string): string {
  return `${name}\u0000${path}`;
}

/** RFC 6265 §5.1.4: the request path up to its last slash, or `/`. */
function defaultPath(requestPath: string): string {
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

/** RFC 6265 §5.1.4: `/docs` covers `/docs` and `/docs/x`, not `/docsets`. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}
