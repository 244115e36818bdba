import { validateHeaderName, validateHeaderValue, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { HTTPException } from '../errors.js';
import type { Reply } from '../pipeline/reply.js';

// ws loads when the first WebSocket route is compiled (at listen), not at import: an app without
// WebSocket routes never needs it.
const require = createRequire(import.meta.url);

export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** The handshake's own requirements (RFC 6455 §4.2.1), checked before any dependency runs; null when it meets them. */
export function handshakeError(req: IncomingMessage): HTTPException | null {
  if (req.httpVersionMinor !== 1) return new HTTPException(505, 'HTTP Version Not Supported: a WebSocket handshake needs HTTP/1.1', { connection: 'close' });
  if (req.method !== 'GET') return new HTTPException(405, 'Method Not Allowed: a WebSocket handshake is a GET', { allow: 'GET' });
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return new HTTPException(400, 'Bad Request: missing or invalid Sec-WebSocket-Key header');
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') {
    return new HTTPException(426, 'Upgrade Required: missing or unsupported Sec-WebSocket-Version (this server speaks 13)', { 'sec-websocket-version': '13' });
  }
  return null;
}

/** A handshake that arrives while the app closes. */
export function shuttingDownError(): HTTPException {
  return new HTTPException(503, 'Service Unavailable: the server is shutting down', { 'retry-after': '1' });
}

/**
 * Answers 101 on `socket` (with the headers and cookies the dependencies set on `reply`) and
 * calls `accepted` with the socket, or, when `ws` refuses the handshake itself (and answers it),
 * returns false without calling it.
 */
export type AcceptHandshake = (req: IncomingMessage, socket: Duplex, head: Buffer, reply: Reply | undefined, accepted: (ws: WebSocket) => void) => boolean;

/** One route's `ws` server, which only ever takes handshakes loopwise has already checked. */
export function compileHandshake(maxPayload: number | undefined, name: string, log: Logger): AcceptHandshake {
  const { WebSocketServer } = require('ws') as typeof import('ws');
  const server = new WebSocketServer({ noServer: true, maxPayload: maxPayload ?? DEFAULT_MAX_PAYLOAD, perMessageDeflate: false, clientTracking: false });
  const replies = new WeakMap<IncomingMessage, Reply>();
  server.on('headers', (lines, req) => {
    const reply = replies.get(req);
    if (reply === undefined) return;
    try {
      lines.push(...headerLines(reply, name, log));
    } catch (error) {
      // A header value whose String() throws: ws calls this listener inside the handshake.
      log.error({ err: error, route: name }, `${name}: headers set by a dependency could not be written; left out of the handshake`);
    }
  });
  return (req, socket, head, reply, accepted) => {
    if (reply !== undefined) replies.set(req, reply);
    let done = false;
    server.handleUpgrade(req, socket, head, (ws) => {
      done = true;
      accepted(ws);
    });
    return done;
  };
}

/** The reply's headers as lines of the 101; one that is not valid HTTP is logged and left out, not sent. */
function headerLines(reply: Reply, name: string, log: Logger): string[] {
  const lines: string[] = [];
  for (const [header, value] of Object.entries(reply.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [String(value)]) {
      try {
        validateHeaderName(header);
        validateHeaderValue(header, one);
        lines.push(`${header}: ${one}`);
      } catch (error) {
        log.error({ err: error, route: name, header }, `${name}: header ${header} set by a dependency is not valid HTTP; left out of the handshake`);
      }
    }
  }
  return lines;
}
