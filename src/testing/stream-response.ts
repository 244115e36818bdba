// A streamed answer read as it arrives (FastAPI's `with client.stream("GET", url) as r:
// r.iter_lines()`), for SSE and streaming routes whose body never ends in memory. It runs over a
// real socket (the server the test client opens for WebSockets), since in memory the whole body
// is awaited; every read is bounded, so an endless stream fails a test instead of hanging it.
import { createInterface } from 'node:readline';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';

export interface StreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body's lines as they arrive (without their line ends), until it ends or `close()`. */
  lines(): AsyncIterableIterator<string>;
  /** Stops reading and closes the connection (a server-sent event stream then sees its client go). */
  close(): void;
}

/** Opens `url` and resolves once the status and headers are in (or rejects after `timeout` ms). */
export function openStream(url: URL, method: string, headers: OutgoingHttpHeaders, body: Buffer | undefined, timeout: number): Promise<StreamResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      request.setTimeout(0); // from here each read has its own bound (nextChunk), with a clearer message
      resolve(streamResponse(response, timeout, url.pathname));
    });
    request.setTimeout(timeout, () => request.destroy(new Error(`stream(${method} ${url.pathname}): no answer within ${timeout} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

function streamResponse(response: IncomingMessage, timeout: number, path: string): StreamResponse {
  // Node's readline splits the body into lines (CRLF or LF, the last one unterminated included).
  const reader = createInterface({ input: response, crlfDelay: Infinity })[Symbol.asyncIterator]();

  /** The next line; a silence longer than `timeout` rejects. */
  async function nextLine(): Promise<IteratorResult<string>> {
    let timer: NodeJS.Timeout | undefined;
    const silence = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`stream(${path}): nothing arrived within ${timeout} ms; close() the stream when the test has read what it needs`)), timeout);
    });
    try {
      return await Promise.race([reader.next(), silence]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function* lines(): AsyncIterableIterator<string> {
    for (let next = await nextLine(); next.done !== true; next = await nextLine()) yield next.value;
  }

  return {
    statusCode: response.statusCode ?? 0,
    headers: response.headers,
    lines,
    close: () => response.destroy(),
  };
}
