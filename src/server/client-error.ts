import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { closeLingering } from '../pipeline/read-body.js';

/** What the answer may name: the limits the server was opened with. */
export interface ClientErrorLimits {
  maxHeaderSize: number;
  headersTimeout: number;
  requestTimeout: number;
}

/** What Node's HTTP parser attaches to its errors (`prepareError` in _http_server). */
interface ParserError extends Error {
  code?: string;
  reason?: string;
  rawPacket?: Buffer;
  bytesParsed?: number;
}

type Answer = { status: number; detail: string };

/** The socket as Node's server keeps it: the response in flight on it, if any. */
type ServerSocket = Socket & { _httpMessage?: InFlight | null };
type InFlight = Pick<ServerResponse, 'headersSent' | 'writableEnded' | 'writableFinished' | 'once'> & { req?: { complete: boolean } };

const BAD = 'Invalid HTTP request';
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}) [!-~]+ HTTP\/\d\.\d\r?$/;

/**
 * Node's parser errors by code, and within a code by llhttp's reason, most specific first. The
 * details are fixed sentences: what was wrong, never the parser's own words or state.
 */
const RULES: { code: string; reason?: RegExp; answer: Answer }[] = [
  { code: 'HPE_INVALID_CONTENT_LENGTH', reason: /Transfer-Encoding/i, answer: bad('Content-Length and Transfer-Encoding together (a request smuggling pattern)') },
  { code: 'HPE_INVALID_TRANSFER_ENCODING', reason: /Content-Length/i, answer: bad('Content-Length and Transfer-Encoding together (a request smuggling pattern)') },
  { code: 'HPE_INVALID_CONTENT_LENGTH', reason: /overflow/i, answer: bad('Content-Length is too large') },
  { code: 'HPE_INVALID_CONTENT_LENGTH', answer: bad('Content-Length must be a single non-negative whole number') },
  { code: 'HPE_UNEXPECTED_CONTENT_LENGTH', reason: /duplicate/i, answer: bad('duplicate Content-Length') },
  { code: 'HPE_UNEXPECTED_CONTENT_LENGTH', answer: bad('unexpected Content-Length') },
  { code: 'HPE_INVALID_TRANSFER_ENCODING', answer: bad('unsupported Transfer-Encoding (only chunked, once and last, is accepted)') },
  { code: 'HPE_INVALID_CHUNK_SIZE', answer: bad('malformed chunked encoding (invalid chunk size)') },
  { code: 'HPE_CHUNK_EXTENSIONS_OVERFLOW', answer: { status: 413, detail: 'Content Too Large: the chunk extensions are too large' } },
  { code: 'HPE_INVALID_HEADER_TOKEN', reason: /value char/i, answer: bad('a header value contains a control character') },
  { code: 'HPE_INVALID_HEADER_TOKEN', reason: /whitespace after header value/i, answer: bad('a header continued on the next line (obsolete line folding) is not accepted') },
  { code: 'HPE_INVALID_HEADER_TOKEN', answer: bad('malformed header line (no colon, whitespace before the colon, or a character not allowed in a name)') },
  { code: 'HPE_INVALID_URL', answer: bad('the URL contains a character that is not allowed (non-ASCII bytes and spaces must be percent-encoded)') },
  { code: 'HPE_PAUSED_H2_UPGRADE', answer: { status: 505, detail: 'HTTP Version Not Supported: this server speaks HTTP/1.1; HTTP/2 without TLS (prior knowledge) is not served' } },
  { code: 'HPE_INVALID_VERSION', reason: /CR|LF/, answer: bad('lines must end with CRLF') },
  { code: 'HPE_INVALID_VERSION', answer: { status: 505, detail: 'HTTP Version Not Supported: this server speaks HTTP/1.1 and HTTP/1.0' } },
  { code: 'HPE_INVALID_CONSTANT', reason: /HTTP\//, answer: bad('malformed request line') },
  { code: '*', reason: /chunk/i, answer: bad('malformed chunked encoding') },
  { code: 'HPE_CR_EXPECTED', answer: bad('lines must end with CRLF') },
  { code: 'HPE_LF_EXPECTED', answer: bad('lines must end with CRLF') },
  { code: 'HPE_STRICT', reason: /CR|LF/, answer: bad('lines must end with CRLF') },
  { code: 'HPE_INVALID_EOF_STATE', answer: bad('the connection ended in the middle of a request') },
  { code: 'HPE_CLOSED_CONNECTION', answer: bad('data after a request that closed the connection') },
];

function bad(reason: string): Answer {
  return { status: 400, detail: `${BAD}: ${reason}` };
}

/**
 * The server's `clientError` listener: what Node's parser refuses (a malformed request, a
 * smuggling attempt, headers over the size limit, a client too slow to send its request) is
 * answered in FastAPI's shape, `{"detail": "…"}`, with `Connection: close`, and the connection is
 * closed. The request handlers never see these requests.
 *
 * The socket may carry a response already (`_httpMessage`). If its request arrived whole, the
 * error is in a later, pipelined request: the answer goes out after that response. If not, the
 * error is in that request's own body: answered now, unless its response has started, in which
 * case the connection is only closed (a second answer would corrupt the first). A reset or a
 * socket already gone is just destroyed.
 */
export function clientErrorHandler(limits: ClientErrorLimits, log: Logger): (error: Error, socket: Duplex) => void {
  const answered = new WeakSet<Duplex>();
  return function onClientError(error: ParserError, duplex: Duplex): void {
    const socket = duplex as ServerSocket;
    // Bytes that keep arriving after the answer make the parser fail again: it has been answered.
    if (answered.has(socket)) return;
    const answer = answerFor(error, socket, limits);
    if (answer === null || !socket.writable) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    log.debug({ code: error.code, status: answer.status, remoteAddress: socket.remoteAddress }, `client error: ${answer.detail}`);
    const head = isHead(error);
    const send = (): void => answerAndClose(socket, answer.status, answer.detail, head);
    const inFlight = socket._httpMessage;
    if (inFlight == null) {
      send();
    } else if (inFlight.req?.complete === true) {
      if (inFlight.writableEnded) send();
      else {
        inFlight.once('finish', () => (socket.writable ? send() : socket.destroy()));
        inFlight.once('close', () => (inFlight.writableFinished ? undefined : socket.destroy()));
      }
    } else if (!inFlight.headersSent) {
      send();
    } else if (inFlight.writableEnded) {
      closeLingering(socket);
    } else {
      socket.destroy();
    }
  };
}

/**
 * Writes `{"detail": …}` with `Connection: close` straight to a socket no response owns, then
 * closes it. The answer to a HEAD request has the headers only, as RFC 9110 §9.3.2 says.
 */
export function answerAndClose(socket: Duplex, status: number, detail: string, head = false): void {
  const body = JSON.stringify({ detail });
  closeLingering(
    socket as Socket,
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      (head ? '' : body),
  );
}

function answerFor(error: ParserError, socket: ServerSocket, limits: ClientErrorLimits): Answer | null {
  const code = error.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // A request whose headers arrived, and not yet its body, has a response waiting: the body was slow.
    if (socket._httpMessage != null && socket._httpMessage.req?.complete === false) {
      return { status: 408, detail: `Request Timeout: the request body did not arrive within ${limits.requestTimeout} ms` };
    }
    const within = limits.headersTimeout > 0 ? limits.headersTimeout : limits.requestTimeout;
    return { status: 408, detail: `Request Timeout: the request headers did not arrive within ${within} ms` };
  }
  if (!code.startsWith('HPE_')) return null; // ECONNRESET, EPIPE…: the client is gone
  const line = currentLine(error);
  if (code === 'HPE_HEADER_OVERFLOW') {
    // The parser overflowed inside a request line (method, space, URL): the URL alone is too long.
    if (line !== null && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32} /.test(line)) {
      return { status: 414, detail: `URI Too Long: the request line is longer than the limit of ${limits.maxHeaderSize} bytes` };
    }
    return { status: 431, detail: `Request Header Fields Too Large: the request line and headers are larger than the limit of ${limits.maxHeaderSize} bytes` };
  }
  if (code === 'HPE_INVALID_METHOD') {
    // A well-formed request line with a method Node does not know (FOO, get): 501, as RFC 9110 says.
    const method = line === null ? null : (REQUEST_LINE.exec(line)?.[1] ?? null);
    if (method !== null) return { status: 501, detail: `Not Implemented: the method ${method} is not supported` };
    return bad('malformed request line');
  }
  const reason = error.reason ?? '';
  // Bun's node:http parser gives HPE_INVALID_VERSION, with no reason, for a request line that ends
  // in LF alone: the line ending is what is wrong when the version is one it serves (not a 505).
  if (code === 'HPE_INVALID_VERSION' && reason === '' && endsInBareLf(error)) return bad('lines must end with CRLF');
  for (const rule of RULES) {
    if ((rule.code === code || rule.code === '*') && (rule.reason === undefined || rule.reason.test(reason))) return rule.answer;
  }
  return bad('the request could not be parsed');
}

/** Whether the packet's request line is an HTTP/1.x one ended by LF alone. */
function endsInBareLf(error: ParserError): boolean {
  const packet = error.rawPacket;
  if (!Buffer.isBuffer(packet)) return false;
  const end = packet.indexOf(0x0a);
  return end > 0 && packet[end - 1] !== 0x0d && / HTTP\/1\.[01]$/.test(packet.subarray(0, end).toString('latin1'));
}

/**
 * Whether the refused request is a HEAD: its request line is the first after the last blank line
 * before where the parser stopped (earlier requests on the connection end in one), or the
 * packet's first line. A packet that holds no request line (a later TCP segment) reads as not HEAD.
 */
function isHead(error: ParserError): boolean {
  const packet = error.rawPacket;
  if (!Buffer.isBuffer(packet)) return false;
  const at = Math.min(Math.max(error.bytesParsed ?? 0, 0), packet.length);
  const blank = at === 0 ? -1 : packet.lastIndexOf('\r\n\r\n', at - 1);
  let start = blank === -1 ? 0 : blank + 4;
  while (packet[start] === 0x0d || packet[start] === 0x0a) start++; // empty lines before a request are allowed
  return packet.subarray(start, start + 5).toString('latin1') === 'HEAD ';
}

/** The line the parser stopped in, from the bytes it was given (Node's `rawPacket`). */
function currentLine(error: ParserError): string | null {
  const packet = error.rawPacket;
  if (!Buffer.isBuffer(packet)) return null;
  const at = Math.min(Math.max(error.bytesParsed ?? 0, 0), packet.length);
  const start = at === 0 ? 0 : packet.lastIndexOf(0x0a, at - 1) + 1;
  const end = packet.indexOf(0x0a, start);
  return packet.subarray(start, end === -1 ? packet.length : end).toString('latin1');
}
