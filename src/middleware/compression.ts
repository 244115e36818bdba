import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants } from 'node:zlib';
import { createRequire } from 'node:module';
import type CompressionPackage from 'compression';
import { integerBetween, nonNegativeNumber } from '../option-checks.js';
import type { Middleware } from './middleware.js';

export interface CompressionOptions {
  /** Bodies smaller than this many bytes are sent as they are. Default 1024. Streamed bodies (no length) are always compressed. */
  threshold?: number;
  /** gzip level, 0–9. Default zlib's (6). */
  level?: number;
  /** brotli quality, 0–11. Default 4 (about gzip's speed, a better ratio). */
  brotliQuality?: number;
  /**
   * Which responses to compress. Default: compressible content types (text, JSON, JS, SVG…; the
   * package's `compression.filter`). Event streams, encoded bodies and `Cache-Control: no-transform`
   * are never compressed, whatever this says.
   */
  filter?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * Flush the compressor after every write, so each chunk of a streamed response reaches the client
   * as soon as it is written, at some cost in ratio. Default false: chunks are compressed together
   * (sent as zlib's output fills, and all of it at the end).
   */
  flushEachWrite?: boolean;
}

export const DEFAULT_COMPRESSION_THRESHOLD = 1024;

// Loaded by compression(), not at import: an app that does not compress does not pay for it at start.
const require = createRequire(import.meta.url);

/**
 * Compresses response bodies with brotli or gzip as the request's Accept-Encoding allows (brotli
 * when both are, at equal preference; none for `identity` or no header), by the `compression`
 * package (Express's). Adds `Vary: Accept-Encoding`. Works for streamed responses too.
 *
 * Server-sent events (`text/event-stream`) are never compressed: the compressor would hold events
 * back until its buffer filled, and the page would see them late, in bursts.
 */
export function compression(options: CompressionOptions = {}): Middleware {
  const threshold = options.threshold ?? DEFAULT_COMPRESSION_THRESHOLD;
  nonNegativeNumber(threshold, 'compression() threshold', { unit: 'bytes' });
  if (options.level !== undefined) integerBetween(options.level, 'compression() level', 0, 9);
  if (options.brotliQuality !== undefined) integerBetween(options.brotliQuality, 'compression() brotliQuality', 0, 11);
  const compressionPackage: typeof CompressionPackage = require('compression');
  const wanted = options.filter ?? (compressionPackage.filter as unknown as (req: IncomingMessage, res: ServerResponse) => boolean);
  const filter = (req: IncomingMessage, res: ServerResponse): boolean => !isEventStream(res) && wanted(req, res);
  const flush = options.flushEachWrite === true;
  const handler = compressionPackage({
    threshold,
    filter: filter as never,
    ...(options.level !== undefined ? { level: options.level } : {}),
    ...(flush ? { flush: constants.Z_SYNC_FLUSH } : {}),
    brotli: {
      params: { [constants.BROTLI_PARAM_QUALITY]: options.brotliQuality ?? 4 },
      ...(flush ? { flush: constants.BROTLI_OPERATION_FLUSH } : {}),
    },
  });

  return function compressionMiddleware(req, res, next) {
    // The package wraps res.writeHead/write/end, decides when the headers go, and calls next at once.
    let failure: unknown;
    handler(req as never, res as never, (error?: unknown) => {
      if (error !== undefined && error !== null) failure = error;
    });
    if (failure !== undefined) throw failure;
    return next();
  };
}

function isEventStream(res: ServerResponse): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.trimStart().toLowerCase().startsWith('text/event-stream');
}
