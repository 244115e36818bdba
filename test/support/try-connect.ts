import { connect } from 'node:net';
import { withTimeout } from './with-timeout.js';

/** Resolves with the error code of a TCP connection attempt to 127.0.0.1, or "connected". */
export function tryConnect(port: number, timeout = 5_000): Promise<string> {
  const run = new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
  return withTimeout(run, timeout, `connect to ${port}`);
}
