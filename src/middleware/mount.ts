import type { RequestListener } from 'node:http';
import type { HttpMethod } from '../route.js';
import type { CompiledTable } from '../pipeline/dispatch.js';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * Router entries that hand every request under `prefix` to `target`, with the prefix taken off
 * the URL (as Express and Starlette do), so the target routes as if it were served alone.
 */
export function mountRoutes(prefix: string, target: RequestListener): CompiledTable[] {
  const name = `MOUNT ${prefix}`;
  const handler: CompiledTable['handler'] = (req, res) => {
    const url = req.url ?? prefix;
    const rest = url.slice(prefix.length);
    req.url = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
    target(req, res);
  };
  return METHODS.flatMap((method) => [
    { method, path: prefix, name, handler },
    { method, path: `${prefix}/*`, name, handler },
  ]);
}
