import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { HTTPException } from '../errors.js';
import { withholdContinue } from '../server/expect-continue.js';
import { BunIncomingMessage } from '../server/bun-request.js';
import { isBun } from '../runtime-env.js';
import { requestHeader } from './request-header.js';

/** Decided once: on Node the Bun branch below is never taken (a constant the JIT drops). */
const ON_BUN = isBun();

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

/** How long a refused upload's connection keeps being read (and discarded) after the answer, at most. */
const LINGER_MS = 2_000;

/**
 * Stops reading a body the server has refused (413, 400) without cutting the client off mid-send.
 * What the client still sends is discarded; once the answer (which says `Connection: close`) is
 * out, the socket is half-closed and read for up to 2 s more before it is destroyed. Closing at
 * once would leave unread bytes in the kernel, which answers them with a reset that can reach the
 * client before it has read the 413 (nginx's "lingering close" solves the same problem).
 */
export function abandonBody(request: IncomingMessage): void {
  withholdContinue(request); // a client waiting for `100 Continue` is not told to send what is refused
  request.resume();
  const socket = request.socket as (Socket & { destroySoon?: () => void }) | null;
  // Node's server calls destroySoon() after a `Connection: close` response; in-memory requests have no socket to linger.
  if (socket === null || typeof socket.destroySoon !== 'function' || Object.hasOwn(socket, 'destroySoon')) return;
  socket.destroySoon = function lingeringClose(this: Socket): void {
    closeLingering(this);
  };
}

/**
 * Ends the connection without a reset: half-closes it (after `last`, if given, is written) and
 * destroys it once the client closes its side too, or after 2 s. See abandonBody() for why.
 */
export function closeLingering(socket: Socket, last?: string): void {
  if (last === undefined) socket.end();
  else socket.end(last);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** The body's bytes: a Buffer on Node; on Bun's server, a small body is Bun's own Uint8Array (not copied). */
export type BodyCallback = (error: Error | null, body: Uint8Array | null) => void;

const EMPTY = Buffer.alloc(0);

/**
 * Reads the request body up to `limit` bytes, then calls `done` once. A declared Content-Length
 * over the limit is refused before a byte is read; a body that grows past it while streaming
 * stops being buffered. With `Expect: 100-continue`, the `100 Continue` goes out only once the
 * declared length has passed this check (src/server/expect-continue.ts). A callback, not a promise: this runs on every request with a body.
 */
export function readBody(request: IncomingMessage, limit: number, done: BodyCallback): void {
  const declared = requestHeader(request, 'content-length');
  if (declared !== undefined && Number(declared) > limit) {
    abandonBody(request);
    done(payloadTooLarge(limit), null);
    return;
  }
  // Bun's server: a small body of known length comes in one call, without stream events.
  if (ON_BUN && request instanceof BunIncomingMessage && request.readWhole(declared, (error, body) => done(error === null ? null : new ClientAbortedError(), body))) return;
  let first: Buffer | null = null;
  let rest: Buffer[] | null = null;
  let received = 0;
  let settled = false;

  request.on('data', (chunk: Buffer) => {
    if (settled) return;
    received += chunk.length;
    if (received > limit) {
      // Stop buffering; the rest is discarded until the 413 (with `Connection: close`) is out and the socket closes.
      settled = true;
      abandonBody(request);
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
