import type { IncomingMessage } from 'node:http';
import { HTTPException } from '../errors.js';

/** The client went away mid-body: there is no one left to answer. */
export class ClientAbortedError extends Error {
  constructor() {
    super('the client closed the connection before sending the whole body');
    this.name = 'ClientAbortedError';
  }
}

export function payloadTooLarge(limit: number): HTTPException {
  return new HTTPException(413, `Request body is larger than the limit of ${limit} bytes`, { connection: 'close' });
}

export type BodyCallback = (error: Error | null, body: Buffer | null) => void;

const EMPTY = Buffer.alloc(0);

/**
 * Reads the request body up to `limit` bytes, then calls `done` once. A declared Content-Length
 * over the limit is refused before a byte is read; a body that grows past it while streaming
 * stops being buffered. A callback, not a promise: this runs on every request with a body.
 */
export function readBody(request: IncomingMessage, limit: number, done: BodyCallback): void {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(payloadTooLarge(limit), null);
    return;
  }
  let first: Buffer | null = null;
  let rest: Buffer[] | null = null;
  let received = 0;
  let settled = false;

  request.on('data', (chunk: Buffer) => {
    if (settled) return;
    received += chunk.length;
    if (received > limit) {
      // Stop buffering; the 413 carries `Connection: close`, so the rest is dropped with the socket.
      settled = true;
      request.pause();
      done(payloadTooLarge(limit), null);
    } else if (first === null) {
      first = chunk;
    } else {
      (rest ??= [first]).push(chunk);
    }
  });
  request.on('end', () => {
    if (settled) return;
    settled = true;
    done(null, rest !== null ? Buffer.concat(rest, received) : (first ?? EMPTY));
  });
  // An aborted upload ends in 'error' (ECONNRESET, "aborted"): nobody is left to answer.
  request.on('error', () => {
    if (settled) return;
    settled = true;
    done(new ClientAbortedError(), null);
  });
}
