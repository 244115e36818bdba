import type { Socket } from 'node:net';

/** The socket as Node's server keeps it: the response being sent on it, if any. */
type ServerSocket = Socket & { _httpMessage?: unknown };

/**
 * The server's `timeout` listener, for `server.timeout = sendTimeout` (nginx's `send_timeout`).
 * Node times a socket out after that long without reading or writing a byte, and its own timer
 * already waits while a write is still moving (net.Socket#_onTimeout), so it fires mid-response
 * only when the client has stopped reading: then the connection is destroyed and the unsent
 * response freed. A handler still working (nothing queued to send) is not cut: that is the route's
 * `timeout`. With no response in progress (a kept-alive connection idle past its keepAliveTimeout,
 * which shares this timer) the socket is destroyed, as Node does when no one listens.
 */
export function sendTimeoutHandler(socket: Socket): void {
  const inProgress = (socket as ServerSocket)._httpMessage != null;
  if (!inProgress || socket.writableLength > 0) socket.destroy();
}
