// A raw HTTP/1.1 connection over node:net, for requests no HTTP client would send: it writes the
// bytes as given and parses what comes back, so a test sees exactly what the server answered and
// whether it closed the connection. Every wait is bounded; destroy() always ends the socket.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  reason: string;
  /** Lower-cased names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** Status line, headers and body as received. */
  raw: string;
}

type Parsed = { response: RawResponse; used: number } | 'incomplete';

/** One response parsed from the start of `buffer`, or 'incomplete' when more bytes are needed. */
function parseResponse(buffer: Buffer, ended: boolean, head: boolean): Parsed {
  const end = buffer.indexOf('\r\n\r\n');
  if (end === -1) return 'incomplete';
  const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/\d\.\d (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (statusLine === null) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = Number(statusLine[1]);
  const start = end + 4;
  let bodyEnd: number;
  let body: Buffer;
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
    bodyEnd = start;
    body = Buffer.alloc(0);
  } else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd === -1) return 'incomplete';
      const size = parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size in the response');
      if (buffer.length < lineEnd + 2 + size + 2) return 'incomplete';
      if (size === 0) {
        // No trailers are expected: the last chunk ends with an empty line.
        bodyEnd = lineEnd + 4;
        break;
      }
      parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    bodyEnd = start + Number(headers['content-length']);
    if (buffer.length < bodyEnd) return 'incomplete';
    body = buffer.subarray(start, bodyEnd);
  } else {
    // No length: the body runs until the server closes the connection.
    if (!ended) return 'incomplete';
    bodyEnd = buffer.length;
    body = buffer.subarray(start);
  }
  return {
    response: { status, reason: statusLine[2] ?? '', headers, body: body.toString('utf8'), raw: buffer.subarray(0, bodyEnd).toString('latin1') },
    used: bodyEnd,
  };
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private ended = false;
  private readonly waiters = new Set<() => void>();
  /** Socket errors (a reset after the server closed, say): kept, not thrown. */
  readonly errors: string[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.errors.push(error.code ?? error.message);
      this.finish();
    });
  }

  static open(port: number, timeout = 5_000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`timed out after ${timeout} ms connecting to ${port}`));
      }, timeout);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Writes bytes as they are; a write after the server closed is not an error here. */
  write(data: string | Buffer): void {
    if (this.socket.writable) this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** True once the server has closed (or reset) the connection. */
  get closed(): boolean {
    return this.ended;
  }

  /** Bytes received and not yet taken by response(). */
  get pending(): string {
    return this.buffer.toString('latin1');
  }

  /**
   * The next complete response; null when the server closed the connection without one.
   * Rejects after `timeout` ms (naming what was received) so no test hangs.
   */
  async response(timeout = 5_000, options: { head?: boolean } = {}): Promise<RawResponse | null> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const parsed = parseResponse(this.buffer, this.ended, options.head === true);
      if (parsed !== 'incomplete') {
        this.buffer = this.buffer.subarray(parsed.used);
        return parsed.response;
      }
      if (this.ended) {
        if (this.buffer.length === 0) return null;
        throw new Error(`the connection closed mid-response: ${JSON.stringify(this.pending.slice(0, 200))}`);
      }
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.wait(left))) {
        throw new Error(`no complete response within ${timeout} ms; received ${JSON.stringify(this.pending.slice(0, 200))}`);
      }
    }
  }

  /** Resolves true once the server closes the connection, false if it is still open after `timeout` ms. */
  async closedWithin(timeout: number): Promise<boolean> {
    const deadline = Date.now() + timeout;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.wait(left))) return this.ended;
    }
    return true;
  }

  destroy(): void {
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Waits for the next data or close, at most `ms`; false on timeout. */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (woken: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(woken);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.waiters.add(wake);
    });
  }
}

/** A well-formed GET with Host, keep-alive (HTTP/1.1's default). */
export function rawGet(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;
}

/** A POST with a body and its Content-Length. */
export function rawPost(path: string, body: string | Buffer, contentType = 'application/json', extra = ''): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}
