import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { HTTPException } from '../errors.js';
import { HttpResponse, type ResponseInit } from './http-response.js';

interface SendHelpers {
  mime: { contentType(extensionOrType: string): string | false };
  parseRange: (size: number, header: string, options?: { combine?: boolean }) => -1 | -2 | (Array<{ start: number; end: number }> & { type: string });
}

// send's own helpers, loaded through send so they are the versions it declares (no extra
// dependency), on the first file(): mime-types' database is large, and most apps send no files.
let helpers: SendHelpers | null = null;

function sendHelpers(): SendHelpers {
  if (helpers !== null) return helpers;
  const fromSend = createRequire(createRequire(import.meta.url).resolve('send'));
  return (helpers = { mime: fromSend('mime-types') as SendHelpers['mime'], parseRange: fromSend('range-parser') as SendHelpers['parseRange'] });
}

export interface FileOptions extends ResponseInit {
  /** The name the browser saves it under: sends `Content-Disposition` (non-ASCII names per RFC 6266). */
  filename?: string;
  /** `attachment` (save, the default when `filename` is given) or `inline` (show in the browser). */
  disposition?: 'attachment' | 'inline';
  /** Default: from the file's extension (`application/octet-stream` when unknown). */
  contentType?: string;
  /**
   * The request (a handler's `request`): with it, `Range` gets 206 / 416 (resumable downloads),
   * `If-None-Match` / `If-Modified-Since` get 304, and HEAD reads nothing from disk.
   */
  request?: { method?: string | undefined; headers: IncomingHttpHeaders };
}

/**
 * A file from disk, streamed with its `Content-Length`, type (by extension), `Last-Modified` and
 * `ETag`. Await it (or return it from an async handler): the file is opened first, so a missing
 * one becomes `404 {"detail":"Not Found"}` rather than a broken stream. Inline routes only.
 *
 *     app.get('/report', async ({ request }) => file('reports/q3.pdf', { filename: 'Q3 – résumé.pdf', request }));
 */
export async function file(path: string, options: FileOptions = {}): Promise<HttpResponse> {
  const { mime, parseRange } = sendHelpers();
  let handle: FileHandle;
  try {
    // Non-blocking: opening a FIFO (or a device that waits) for reading blocked a thread of libuv's
    // pool until a writer came, for good; file() serves regular files only, checked just below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw notFoundOr(error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new HTTPException(404, 'Not Found');
    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const lastModified = stat.mtime.toUTCString();
    const headers: OutgoingHttpHeaders = {
      'content-type': options.contentType ?? (mime.contentType(extname(path)) || 'application/octet-stream'),
      'last-modified': lastModified,
      etag,
    };
    if (options.filename !== undefined || options.disposition !== undefined) {
      headers['content-disposition'] = contentDisposition(options.disposition ?? 'attachment', options.filename ?? basename(path));
    }
    const request = options.request;
    const method = request?.method ?? 'GET';
    const conditional = request !== undefined && (method === 'GET' || method === 'HEAD');
    if (conditional && isFresh(request.headers, etag, stat.mtimeMs)) {
      await handle.close();
      return new HttpResponse(null, { status: 304, headers: { ...options.headers, etag, 'last-modified': lastModified } });
    }

    let start = 0;
    let end = stat.size - 1;
    let status = options.status ?? 200;
    if (request !== undefined) headers['accept-ranges'] = 'bytes';
    const range = conditional ? request.headers.range : undefined;
    if (range !== undefined && /^ *bytes=/.test(range) && rangeStillValid(header(request!.headers, 'if-range'), etag, lastModified)) {
      const ranges = parseRange(stat.size, range, { combine: true });
      if (ranges === -1) {
        await handle.close();
        throw new HTTPException(416, 'Range Not Satisfiable', { 'content-range': `bytes */${stat.size}` });
      }
      // Malformed or several ranges: the whole file, as send and most servers do.
      if (ranges !== -2 && ranges.length === 1) {
        start = ranges[0]!.start;
        end = ranges[0]!.end;
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${stat.size}`;
      }
    }
    headers['content-length'] = end - start + 1;
    Object.assign(headers, options.headers);

    if (method === 'HEAD' || stat.size === 0) {
      await handle.close();
      return new HttpResponse(Readable.from([]), { status, headers });
    }
    // The stream closes the handle when it ends or is destroyed (the client went away).
    return new HttpResponse(handle.createReadStream({ start, end }), { status, headers });
  } catch (error) {
    await handle.close().catch(() => {});
    throw error instanceof HTTPException ? error : notFoundOr(error);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function notFoundOr(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP') {
    return new HTTPException(404, 'Not Found');
  }
  return error; // EACCES and the like: a server fault, answered 500 and logged
}

/**
 * `attachment; filename="..."` with an ASCII fallback, plus `filename*=UTF-8''…` (RFC 6266 /
 * RFC 8187) when the name has characters the quoted form cannot carry.
 */
export function contentDisposition(type: 'attachment' | 'inline', filename: string): string {
  const name = filename.replace(/[\u0000-\u001f\u007f]/g, '');
  const fallback = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // "résumé" → "resume"
    .replace(/[^\x20-\x7e]|["\\%]/g, '_');
  if (fallback === name) return `${type}; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** RFC 9110: If-None-Match wins over If-Modified-Since; ETags compare weakly. */
function isFresh(headers: IncomingHttpHeaders, etag: string, mtimeMs: number): boolean {
  const noneMatch = headers['if-none-match'];
  if (noneMatch !== undefined) {
    if (noneMatch.trim() === '*') return true;
    const bare = etag.replace(/^W\//, '');
    return noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
  }
  const since = headers['if-modified-since'];
  if (since === undefined) return false;
  const time = Date.parse(since);
  return !Number.isNaN(time) && Math.floor(mtimeMs / 1000) * 1000 <= time;
}

/** If-Range: the range applies only to the version the client has (its ETag or date), else the whole file. */
function rangeStillValid(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  // As send does (RFC 9110 wants a strong comparison, but every ETag here is weak).
  if (ifRange.includes('"')) return ifRange.includes(etag);
  const time = Date.parse(ifRange);
  return !Number.isNaN(time) && Date.parse(lastModified) <= time;
}
