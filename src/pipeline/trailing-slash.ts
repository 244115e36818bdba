/**
 * Starlette's `redirect_slashes` (on in FastAPI by default): a request whose path matches no
 * route, where the same path with its trailing slash added (or its trailing slashes removed)
 * would, is sent there with 307, which keeps the method and body. Only ever asked after a miss.
 *
 * `url` is the request's URL as this App routes it; `sentUrl` the one the client sent (under a
 * mount, with the mount's prefix: the `Location` must carry it). `routed` says whether a path
 * matches a route, for any method. `prefix` is what a proxy stripped (rootPath or a trusted
 * X-Forwarded-Prefix, already checked to be a plain path), put back as Starlette's redirect keeps
 * root_path. Returns the `Location`, or null for no redirect.
 */
export function slashRedirect(url: string, sentUrl: string, routed: (path: string) => boolean, prefix = ''): string | null {
  const path = pathOf(url);
  if (path === '/' || !path.startsWith('/')) return null; // "/" has no other form; an absolute-form target is not a path
  const toggled = toggledSlash(path);
  if (toggled === '' || !routed(toggled)) return null;
  const sentPath = pathOf(sentUrl);
  const location = prefix + escapeForHeader(toggledSlash(sentPath)) + sentUrl.slice(sentPath.length);
  return isSameOrigin(location) ? location : null;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** "/items" → "/items/"; "/items/" and "/items//" → "/items" (Starlette strips every trailing slash). */
function toggledSlash(path: string): string {
  if (!path.endsWith('/')) return `${path}/`;
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}

/**
 * A relative Location stays on this host only if it is a path: "//evil.example/" (or "/\evil…",
 * which browsers read the same) names another host. Checked after escaping, on what is sent.
 */
function isSameOrigin(location: string): boolean {
  return location.startsWith('/') && location[1] !== '/' && location[1] !== '\\';
}

/**
 * Characters a URL never holds raw are percent-encoded, as Starlette quotes its redirect URL:
 * a browser strips a raw tab or newline from a URL before reading it ("/\t/evil" would become
 * "//evil"), and a header value cannot carry them. Node reads the request target as latin1, so
 * each such character is one byte; others (from `inject()`) are encoded as UTF-8.
 */
function escapeForHeader(path: string): string {
  return path.replace(/[^\x21-\x7e]/gu, (char) => {
    const code = char.charCodeAt(0);
    if (code <= 0xff) return `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    return Buffer.from(char, 'utf8').toString('hex').toUpperCase().replace(/../g, '%$&');
  });
}
