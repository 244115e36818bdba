import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests whose body the server refused before reading it: they never get `100 Continue`. */
const refused = new WeakSet<IncomingMessage>();

type ReadableRequest = IncomingMessage & { _read(size: number): void };

/**
 * For a request that says `Expect: 100-continue` (the server's `checkContinue` listener): sends
 * `100 Continue` when something first reads the body (a route's body reader, a multipart parser,
 * a mounted app, a handler's own stream), not before. Node would send it at once, so a client
 * announcing a body over the limit was told to send it, then got 413; now the limit is checked
 * first, where the route and its limit are known, and a body the route never reads is never asked
 * for (Node then closes the connection after the answer: the client may still send it).
 */
export function continueWhenRead(request: IncomingMessage, response: ServerResponse): void {
  const req = request as ReadableRequest;
  const read = req._read;
  // Readable calls _read once a consumer wants data: the moment the body is asked for.
  req._read = function readAfterContinue(this: ReadableRequest, size: number): void {
    req._read = read;
    if (!refused.has(req) && !response.headersSent && !response.writableEnded) response.writeContinue();
    read.call(this, size);
  };
}

/** The body is refused (413, 400) before it is read: what is then drained does not ask for it. */
export function withholdContinue(request: IncomingMessage): void {
  refused.add(request);
}
