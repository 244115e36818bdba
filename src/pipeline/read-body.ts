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

/**
 * Reads the request body up to `limit` bytes. A declared Content-Length over the limit is
 * refused before a byte is read; a body that grows past it while streaming stops being buffered.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(payloadTooLarge(limit));

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const finish = (error: Error | null, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      request.removeListener('data', onData);
      request.removeListener('end', onEnd);
      request.removeListener('error', onError);
      request.removeListener('close', onClose);
      if (error !== null) reject(error);
      else resolve(body!);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) {
        // Stop buffering; the 413 carries `Connection: close`, so the rest is dropped with the socket.
        request.pause();
        finish(payloadTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    const onError = (): void => finish(new ClientAbortedError());
    const onClose = (): void => {
      if (!request.complete) finish(new ClientAbortedError());
    };

    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}
