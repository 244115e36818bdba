// The scale demo's load: closed loops of keep-alive HTTP requests (each connection sends its next
// request when the last is answered), every answer recorded with its time, status and body.
import { Agent, get } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Answer {
  route: string;
  /** performance.now() at the request's start and its answer. */
  start: number;
  end: number;
  /** HTTP status, or 0 for a connection error or a timeout. */
  status: number;
  body: string;
}

export interface LoadOptions {
  base: string;
  route: string;
  /** Builds each request's path (e.g. a new id each time). */
  path: (n: number) => string;
  connections: number;
  /** Most requests a second per connection, or undefined for as fast as answered. */
  rate?: number;
  timeoutMs: number;
  /** false: a new connection per request (so node:cluster's round-robin spreads them over the API processes). Default true. */
  keepAlive?: boolean;
}

/** Starts loading at once; `stop()` ends every loop after its request in flight and resolves with all answers. */
export function startLoad(options: LoadOptions, into: Answer[]): { stop: () => Promise<void> } {
  const agent = new Agent({ keepAlive: options.keepAlive ?? true, maxSockets: options.connections });
  let stopping = false;
  let n = 0;
  const loop = async (): Promise<void> => {
    while (!stopping) {
      const start = performance.now();
      into.push(await request(`${options.base}${options.path(n++)}`, options.route, agent, options.timeoutMs, start));
      if (options.rate !== undefined) await sleep(Math.max(0, 1000 / options.rate - (performance.now() - start)));
    }
  };
  const loops = Array.from({ length: options.connections }, loop);
  return {
    async stop() {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

function request(url: string, route: string, agent: Agent, timeoutMs: number, start: number): Promise<Answer> {
  return new Promise((resolve) => {
    const done = (status: number, body: string): void => resolve({ route, start, end: performance.now(), status, body });
    const req = get(url, { agent, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.once('end', () => done(res.statusCode ?? 0, body));
      res.once('error', () => done(0, ''));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => done(0, ''));
  });
}
