import { clipReason, isSendableCode } from './close-codes.js';

/**
 * Throw from a WebSocket handler (or from one of its dependencies, while connecting) to close the
 * socket with this code and reason, as Starlette's `WebSocketException`. A dependency that throws
 * it accepts the connection and closes it at once, so even a browser sees the code; an
 * `HTTPException` from a dependency refuses the handshake with its HTTP status instead.
 */
export class WebSocketException extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason = '') {
    if (!isSendableCode(code)) {
      throw new RangeError(`WebSocketException: ${code} is not a close code an endpoint may send (use 1000–1003, 1007–1014 or 3000–4999).`);
    }
    super(reason === '' ? `WebSocket closed with ${code}` : `WebSocket closed with ${code}: ${reason}`);
    this.name = 'WebSocketException';
    this.code = code;
    this.reason = clipReason(reason);
  }
}

/**
 * The socket is closed (FastAPI's `WebSocketDisconnect`): `receive()` rejects with it once the
 * peer has gone and every message it sent has been read, `send()` once the socket is closing.
 * A handler that lets it escape ends normally: it is not logged as an error.
 */
export class WebSocketDisconnect extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string) {
    super(reason === '' ? `WebSocket closed (${code})` : `WebSocket closed (${code}: ${reason})`);
    this.name = 'WebSocketDisconnect';
    this.code = code;
    this.reason = reason;
  }
}
