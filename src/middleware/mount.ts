import type { RequestListener } from 'node:http';
import { HTTP_METHODS } from '../http-types.js';
import type { RouteTableEntry } from '../pipeline/dispatch.js';
import type { ErrorResponder } from '../pipeline/handle-error.js';
import { contextWithoutRoute } from '../pipeline/context.js';
import { MOUNT_PREFIX, type ProxiedRequest } from '../proxy/forwarded.js';

const NOT_FOUND = '{"detail":"Not Found"}';

/**
 * Router entries that hand every request under `prefix` to `target`, with the prefix taken off
 * the URL (as Express and Starlette do), so the target routes as if it were served alone. The
 * URL as the client sent it stays in `req.originalUrl` (as Express keeps it).
 *
 * As Starlette's Mount, the entry is `prefix/*`: the bare prefix is not under it, so "/legacy"
 * is a miss of the outer App, which redirects it to "/legacy/" (redirectSlashes) or answers 404.
 */
export function mountRoutes(prefix: string, target: RequestListener, responder: ErrorResponder): RouteTableEntry[] {
  const name = `MOUNT ${prefix}`;
  // The target is any (req, res) function: what it throws, or its promise rejects with, is a logged
  // 500 (or a closed connection), never an exception up the server's listener.
  const fail = (req: Parameters<RequestListener>[0], res: Parameters<RequestListener>[1], error: unknown): void => {
    responder.respond(contextWithoutRoute(req), res, error, name);
  };
  const handler: RouteTableEntry['handler'] = (req, res) => {
    const url = req.url ?? prefix;
    const rest = stripPrefix(url, prefix);
    if (rest === null) {
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': NOT_FOUND.length }).end(NOT_FOUND);
      return;
    }
    (req as { originalUrl?: string }).originalUrl ??= url;
    // The mounted App's docs pages and OpenAPI `servers` are under the prefix (Starlette's root_path).
    (req as ProxiedRequest)[MOUNT_PREFIX] = ((req as ProxiedRequest)[MOUNT_PREFIX] ?? '') + prefix;
    req.url = rest.startsWith('/') ? rest : `/${rest}`;
    let result: unknown;
    try {
      result = target(req, res);
    } catch (error) {
      fail(req, res, error);
      return;
    }
    if (result instanceof Promise) result.catch((error: unknown) => fail(req, res, error));
  };
  return HTTP_METHODS.map((method) => ({ method, path: `${prefix}/*`, name, handler }));
}

/**
 * The URL after the prefix. The router matched the decoded path, so the prefix may have come
 * percent-encoded ("/%61pi" for "/api"): walk it escape by escape, never cut by length.
 */
function stripPrefix(url: string, prefix: string): string | null {
  if (url.startsWith(prefix)) return url.slice(prefix.length);
  let i = 0;
  for (const ch of prefix) {
    if (url[i] === ch) i += 1;
    else if (url[i] === '%' && ch.charCodeAt(0) < 0x80 && parseInt(url.slice(i + 1, i + 3), 16) === ch.charCodeAt(0)) i += 3;
    else return null;
  }
  return url.slice(i);
}
