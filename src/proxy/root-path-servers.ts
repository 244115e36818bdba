import type { OpenApiDocument } from '../openapi/types.js';

/**
 * The document as a client under `root` sees it: `servers` starts with `{ url: root }`, as
 * FastAPI's does (root_path_in_servers), the user's own servers kept after it (not repeated when
 * one already is the root). Without servers of the user's, the default `[{ url: '/' }]` is
 * replaced: a client would send "/items" past the proxy. A shallow copy: the kept document is unchanged.
 */
export function withRootPathServer(document: OpenApiDocument, root: string, userServers: boolean): OpenApiDocument {
  const current = document.servers ?? [];
  const own = userServers ? current : current.filter((server) => server.url !== '/');
  const servers = own.some((server) => server.url === root) ? own : [{ url: root }, ...own];
  return { ...document, servers };
}
