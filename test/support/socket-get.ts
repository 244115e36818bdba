import { request as httpRequest, type Agent } from 'node:http';
import { withTimeout } from './with-timeout.js';

export interface SocketResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET over a real socket to 127.0.0.1, failing after `timeout` ms instead of hanging. */
export function socketGet(port: number, path: string, agent: Agent | false = false, timeout = 5_000): Promise<SocketResponse> {
  const run = new Promise<SocketResponse>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return withTimeout(run, timeout, `GET ${path}`);
}
