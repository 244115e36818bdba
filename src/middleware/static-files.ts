import { realpathSync, statSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type RequestListener, type ServerResponse } from 'node:http';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import type Send from 'send';
import { LoopwiseError } from '../errors.js';

export interface StaticFilesOptions {
  /**
   * Files served for a directory's URL (ending in "/"): default `index.html`; `false` for none
   * (a directory is then 404: there are no listings). A directory URL without the "/" is
   * redirected (301) to the one with it, so relative links in the page resolve.
   */
  index?: string | string[] | false;
  /**
   * Files and directories whose name starts with "." (`.env`, `.git/`): `'ignore'` (default)
   * answers 404 as if they did not exist, `'deny'` answers 403, `'allow'` serves them.
   */
  dotfiles?: 'ignore' | 'deny' | 'allow';
  /** `Cache-Control: public, max-age=…`, in ms or as a string such as `'1d'`. Default 0 (revalidate each time, cheap with ETags). */
  maxAge?: number | string;
  /** Adds `immutable` to Cache-Control, for fingerprinted file names. Default false. */
  immutable?: boolean;
  /** Send `Cache-Control` at all. Default true. */
  cacheControl?: boolean;
  /** Weak ETags from size and mtime, and 304 on `If-None-Match`. Default true. */
  etag?: boolean;
  /** `Last-Modified`, and 304 on `If-Modified-Since`. Default true. */
  lastModified?: boolean;
  /** Range requests (206 Partial Content, 416). Default true. */
  acceptRanges?: boolean;
  /** Extensions tried when a path has none, e.g. `['html']` serves `/about` from `about.html`. */
  extensions?: string[];
  /** Sets extra headers on a file about to be sent (not on errors). */
  setHeaders?: (res: ServerResponse, path: string, stat: Stats) => void;
}

type Served = { file: string } | { redirect: string } | { status: number };

const JSON_TYPE = 'application/json; charset=utf-8';

// Loaded by staticFiles(), not at import: an app that serves no files does not pay for send at start.
const require = createRequire(import.meta.url);
/** Headers send may have set before it failed: an error answer must not carry them. */
const FILE_HEADERS = ['accept-ranges', 'cache-control', 'content-length', 'content-range', 'content-type', 'etag', 'last-modified'];

/**
 * A Node `(req, res)` handler serving the files under `directory`, built on `send` (ETag,
 * Last-Modified, 304, Range, content types). Mount it: `app.mount('/assets', staticFiles('public'))`.
 *
 * No request reaches outside the directory: the path is decoded once and refused (404) if any
 * segment is `..` or it holds a backslash or NUL; the file is then resolved through its symlinks,
 * and refused if the real path is outside the directory's real path. GET and HEAD only (405
 * otherwise); errors in FastAPI's shape, `{"detail":"Not Found"}`.
 */
export function staticFiles(directory: string, options: StaticFilesOptions = {}): RequestListener {
  const root = realRoot(directory);
  const send: typeof Send = require('send');
  const index = options.index === false ? [] : typeof options.index === 'string' ? [options.index] : (options.index ?? ['index.html']);
  const dotfiles = options.dotfiles ?? 'ignore';
  if (dotfiles !== 'ignore' && dotfiles !== 'deny' && dotfiles !== 'allow') {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `staticFiles() dotfiles must be 'ignore', 'deny' or 'allow', not ${JSON.stringify(dotfiles)}.`);
  }
  const extensions = (options.extensions ?? []).map((ext) => ext.replace(/^\./, ''));
  const sendOptions: Send.SendOptions = {
    root,
    // Resolved here, before send: send only ever sees a real file inside the root.
    index: false,
    dotfiles: 'allow',
    extensions: false,
    maxAge: options.maxAge ?? 0,
    immutable: options.immutable ?? false,
    cacheControl: options.cacheControl ?? true,
    etag: options.etag ?? true,
    lastModified: options.lastModified ?? true,
    acceptRanges: options.acceptRanges ?? true,
  };
  const hidden = dotfiles === 'deny' ? 403 : 404;

  /** A path (relative to the root, real or requested) that names a dotfile, when those are not served. */
  const isHidden = (segments: readonly string[]): boolean => dotfiles !== 'allow' && segments.some((s) => s.length > 1 && s.startsWith('.'));

  /** The real path of `candidate` if it is inside the root (and shown), else the status to answer. */
  async function inside(candidate: string): Promise<string | number> {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch (error) {
      return statusOf(error);
    }
    const rel = relative(root, real);
    if (isOutside(rel)) return 404;
    if (isHidden(rel.split(sep))) return hidden;
    return real;
  }

  /** A regular file inside the root, or a status. FIFOs, sockets and devices are not files to serve. */
  async function regularFile(candidate: string): Promise<{ file: string; stats: Stats } | number> {
    const real = await inside(candidate);
    if (typeof real === 'number') return real;
    try {
      const stats = await stat(real);
      return { file: real, stats };
    } catch (error) {
      return statusOf(error);
    }
  }

  async function resolveRequest(req: IncomingMessage): Promise<Served> {
    const url = req.url ?? '/';
    const rawPath = pathPart(url);
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return { status: 400 };
    }
    // Decoded once: "%252e" stays the literal name "%2e". Backslashes and NUL are never part of a served name.
    if (decoded.includes('\0') || decoded.includes('\\')) return { status: 404 };
    const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
    if (segments.some((s) => s === '..' || (process.platform === 'win32' && s.includes(':')))) return { status: 404 };
    if (isHidden(segments)) return { status: hidden };
    const candidate = join(root, ...segments);
    if (isOutside(relative(root, candidate))) return { status: 404 };

    const found = await regularFile(candidate);
    if (found === 404 && extensions.length > 0 && !decoded.endsWith('/') && !(segments.at(-1) ?? '').includes('.')) {
      for (const ext of extensions) {
        const withExt = await regularFile(`${candidate}.${ext}`);
        if (typeof withExt !== 'number' && withExt.stats.isFile()) return { file: withExt.file };
      }
    }
    if (typeof found === 'number') return { status: found };
    if (found.stats.isFile()) return decoded.endsWith('/') ? { status: 404 } : { file: found.file };
    if (!found.stats.isDirectory() || index.length === 0) return { status: 404 };
    // The URL the client sees: the mount took its prefix off req.url (Express-style `originalUrl` keeps it).
    const visible = pathPart((req as IncomingMessage & { originalUrl?: string }).originalUrl ?? url);
    if (!visible.endsWith('/')) {
      const last = visible.slice(visible.lastIndexOf('/') + 1);
      const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
      // Relative, so it stays under whatever prefix the handler is mounted at; "./" so "a:b" is no scheme.
      return { redirect: `./${last}/${query}` };
    }
    for (const name of index) {
      const page = await regularFile(join(found.file, name));
      if (typeof page !== 'number' && page.stats.isFile()) return { file: page.file };
    }
    return { status: 404 };
  }

  return function serveStatic(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answerError(res, 405, { allow: 'GET, HEAD' });
      return;
    }
    resolveRequest(req).then(
      (served) => {
        if ('status' in served) answerError(res, served.status);
        else if ('redirect' in served) redirect(res, served.redirect);
        else sendFile(req, res, served.file);
      },
      () => answerError(res, 500),
    );
  };

  function sendFile(req: IncomingMessage, res: ServerResponse, file: string): void {
    // The real path, relative to the root and percent-encoded, which send decodes back.
    const path = '/' + relative(root, file).split(sep).map(encodeURIComponent).join('/');
    const stream = send(req, path, sendOptions);
    stream.on('error', (error: { status?: number; statusCode?: number; headers?: Record<string, string> }) => {
      answerError(res, error.status ?? error.statusCode ?? 500, error.headers);
    });
    const setHeaders = options.setHeaders;
    if (setHeaders !== undefined) {
      // Called inside send's own fs callback, where a throw would end the process: the file is
      // not sent half-decorated, the connection is cut (the user's hook failed, not the client).
      stream.on('headers', (out: ServerResponse, path: string, stat: Stats) => {
        try {
          setHeaders(out, path, stat);
        } catch {
          res.destroy();
        }
      });
    }
    stream.pipe(res);
  }
}

/** The directory's real path, checked once at startup (a missing directory is a mistake to report now). */
function realRoot(directory: string): string {
  let root: string;
  try {
    root = realpathSync(resolve(directory));
  } catch (error) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `staticFiles() directory ${JSON.stringify(directory)} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  if (!statSync(root).isDirectory()) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `staticFiles() needs a directory, and ${JSON.stringify(directory)} is not one.`);
  }
  return root;
}

/** A path relative to the root that climbs out of it (or, on Windows, lands on another drive). */
function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

function pathPart(url: string): string {
  const mark = url.search(/[?#]/);
  return mark === -1 ? url : url.slice(0, mark);
}

function statusOf(error: unknown): number {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP') return 404;
  if (code === 'EACCES' || code === 'EPERM') return 403;
  return 500;
}

function redirect(res: ServerResponse, location: string): void {
  const body = JSON.stringify({ detail: 'Moved Permanently' });
  res.writeHead(301, { location, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) }).end(body);
}

/** FastAPI's error shape; headers set by middleware (CORS, request ids) stay, send's file headers go. */
function answerError(res: ServerResponse, status: number, extra?: OutgoingHttpHeaders): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of FILE_HEADERS) res.removeHeader(name);
  const body = JSON.stringify({ detail: STATUS_CODES[status] ?? 'Error' });
  res.writeHead(status, { ...extra, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) }).end(body);
}
