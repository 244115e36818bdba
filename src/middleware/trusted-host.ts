import type { IncomingMessage } from 'node:http';
import { LoopwiseError } from '../errors.js';
import { json, redirect } from '../responses/http-response.js';
import type { Middleware } from './middleware.js';

export interface TrustedHostOptions {
  /**
   * Host names the app answers for: exact names (`'example.com'`), subdomain patterns
   * (`'*.example.com'`: any name ending in `.example.com`, not `example.com` itself) or `'*'` (any).
   * Compared without the port and case-insensitively.
   */
  allowedHosts: readonly string[];
  /**
   * When a request for `example.com` is refused but `www.example.com` is allowed, redirect it
   * there (307) instead of answering 400, as Starlette does. Default true.
   */
  wwwRedirect?: boolean;
}

/**
 * Refuses requests whose Host header is not one of the app's names: `400 {"detail":"Invalid host
 * header"}` (Starlette's TrustedHostMiddleware). It guards against Host header attacks: a
 * forged Host that ends up in password-reset links, redirects or cache keys.
 */
export function trustedHost(options: TrustedHostOptions): Middleware {
  const allowedHosts = options?.allowedHosts;
  if (!Array.isArray(allowedHosts) || allowedHosts.length === 0) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', "trustedHost() needs allowedHosts, e.g. ['example.com', '*.example.com'] ('*' allows any).");
  }
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const pattern of allowedHosts) {
    if (typeof pattern !== 'string' || pattern === '') throw new LoopwiseError('LW_ERR_INVALID_OPTION', `trustedHost(): ${JSON.stringify(pattern)} is not a host name.`);
    const host = pattern.toLowerCase();
    if (host === '*') any = true;
    else if (host.startsWith('*.') && !host.slice(2).includes('*')) suffixes.push(host.slice(1)); // ".example.com"
    else if (host.includes('*')) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `trustedHost(): ${JSON.stringify(pattern)}: a wildcard pattern must look like '*.example.com'.`);
    } else exact.add(host);
  }
  if (any) return (_req, _res, next) => next();

  const allowed = (host: string): boolean => exact.has(host) || suffixes.some((suffix) => host.endsWith(suffix) && host.length > suffix.length);
  const wwwRedirect = options.wwwRedirect !== false;

  return function trustedHostMiddleware(req, res, next) {
    const header = req.headers.host ?? '';
    const host = hostName(header);
    if (host !== null && allowed(host)) return next();
    if (wwwRedirect && host !== null && !host.startsWith('www.') && allowed(`www.${host}`)) {
      return redirect(`${scheme(req)}://www.${header}${pathOf(req.url ?? '/')}`);
    }
    return json({ detail: 'Invalid host header' }, { status: 400 });
  };
}

/** The name in a Host header, lower-case and without the port; null when it is not a plain host. */
function hostName(header: string): string | null {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end === -1) return null;
    const rest = value.slice(end + 1);
    return rest === '' || /^:\d*$/.test(rest) ? value.slice(0, end + 1) : null;
  }
  const colon = value.indexOf(':');
  const name = colon === -1 ? value : value.slice(0, colon);
  if (colon !== -1 && !/^\d*$/.test(value.slice(colon + 1))) return null;
  // A trailing dot names the same host ("example.com." is "example.com").
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  return /^[a-z0-9._-]+$/.test(bare) ? bare : null;
}

/**
 * The path and query of a request target: an absolute-form target (`GET http://example.com/x`, as
 * sent to a proxy) keeps only its `/x`, so the Location is not `http://www.example.comhttp://…`.
 */
function pathOf(target: string): string {
  if (target.startsWith('/')) return target;
  const authority = target.indexOf('//');
  if (authority === -1) return '/'; // `*` (OPTIONS *) or a target with no path
  const rest = target.slice(authority + 2);
  const path = rest.search(/[/?#]/);
  if (path === -1) return '/';
  return rest[path] === '/' ? rest.slice(path) : `/${rest.slice(path)}`;
}

function scheme(req: IncomingMessage): string {
  return (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
}
