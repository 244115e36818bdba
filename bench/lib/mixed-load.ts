// The mixed load of the memory test and the soak: autocannon (as a library) cycling every
// connection through a list of requests to bench/apps/mixed.ts, with every answer's status and
// body checked as it arrives. A wrong answer counts as an error, as a socket error does.
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

export interface MixedRequest {
  /** As printed: "GET /users/:id". */
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** The status every answer must have. */
  status: number;
  /** True when the body is the right one. */
  check(body: string): boolean;
}

/** What `GET /offload` (2000 rounds) must answer: the same arithmetic as the route. */
function offloadSum(n: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum = (sum + i * i) % 1_000_003;
  return sum;
}

const detail = (body: string): unknown => (JSON.parse(body) as { detail?: unknown }).detail;
const JSON_HEADERS = { 'content-type': 'application/json' };
const PERSON = '{"name":"Ada","age":36}';
const OFFLOAD_ANSWER = `{"sum":${offloadSum(2_000)}}`;

/** The routes of bench/apps/mixed.ts, each with its expected answer. */
export const MIX: readonly MixedRequest[] = [
  { name: 'GET /json', method: 'GET', path: '/json', status: 200, check: (body) => body === '{"message":"hello"}' },
  { name: 'GET /users/:id', method: 'GET', path: '/users/42', status: 200, check: (body) => body === '{"id":42}' },
  { name: 'POST /echo', method: 'POST', path: '/echo', body: PERSON, headers: JSON_HEADERS, status: 200, check: (body) => body === PERSON },
  { name: 'GET /missing (404)', method: 'GET', path: '/missing', status: 404, check: (body) => detail(body) === 'Not Found' },
  {
    name: 'GET /users/abc (422)',
    method: 'GET',
    path: '/users/abc',
    status: 422,
    check: (body) => {
      const issues = detail(body) as { loc?: unknown[] }[];
      return Array.isArray(issues) && issues.length === 1 && JSON.stringify(issues[0]!.loc) === '["path","id"]';
    },
  },
  { name: 'GET /offload (offloaded)', method: 'GET', path: '/offload', status: 200, check: (body) => body === OFFLOAD_ANSWER },
  { name: 'GET /dep (dependency)', method: 'GET', path: '/dep', status: 200, check: (body) => /^\{"resource":\d+,"bytes":1024\}$/.test(body) },
  {
    name: 'GET /events (SSE)',
    method: 'GET',
    path: '/events',
    status: 200,
    check: (body) => body === [1, 2, 3].map((i) => `event: tick\nid: ${i}\ndata: {"i":${i}}\n\n`).join(''),
  },
];

/** The route that leaks on purpose (LEAK=1). */
export const LEAK: MixedRequest = { name: 'GET /leak', method: 'GET', path: '/leak', status: 200, check: (body) => /^\{"leaked":\d+\}$/.test(body) };

export interface MixedLoadOptions {
  /** Exactly this many requests; or `duration` seconds. */
  amount?: number;
  duration?: number;
  /** Concurrent keep-alive connections. Default 10. */
  connections?: number;
  mix?: readonly MixedRequest[];
  /** About once a second: responses so far. */
  onTick?(responses: number): void;
}

export interface MixedLoadResult {
  responses: number;
  seconds: number;
  requestsPerSecond: number;
  /** Answers per request of the mix. */
  perRoute: Record<string, number>;
  /** Answers with the wrong status or body. */
  wrong: number;
  /** The first few wrong answers, for the report. */
  samples: string[];
  /** Socket errors and timeouts (autocannon's). */
  errors: number;
  timeouts: number;
}

interface AutocannonInstance extends EventEmitter {
  stop(): void;
}
type Autocannon = (
  options: Record<string, unknown>,
  done: (error: Error | null, result: { errors: number; timeouts: number }) => void,
) => AutocannonInstance;
// autocannon ships no types (see src/evidence/run-load.ts).
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Sends the mix to `url` (http://127.0.0.1:port) until `amount` answers or `duration` seconds. */
export function runMixedLoad(url: string, options: MixedLoadOptions): Promise<MixedLoadResult> {
  return startMixedLoad(url, options).done;
}

/** Counts so far, while a load runs. */
export interface LiveCounts {
  responses: number;
  wrong: number;
  /** Request errors so far (socket errors and timeouts), as autocannon reports them. */
  errors: number;
}

/** The same, with counts while it runs and a way to stop early (`done` then resolves with what was measured). */
export function startMixedLoad(url: string, options: MixedLoadOptions): { done: Promise<MixedLoadResult>; live(): LiveCounts; stop(): void } {
  const mix = options.mix ?? MIX;
  const perRoute: Record<string, number> = Object.fromEntries(mix.map((request) => [request.name, 0]));
  const samples: string[] = [];
  let wrong = 0;
  let responses = 0;
  let requestErrors = 0;
  const started = performance.now();
  let instance: AutocannonInstance | null = null;
  const done = new Promise<MixedLoadResult>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: options.connections ?? 10,
        pipelining: 1,
        sampleInt: 100,
        timeout: 10,
        ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration ?? 10 }),
        requests: mix.map((request) => ({
          method: request.method,
          path: request.path,
          headers: request.headers ?? {},
          ...(request.body !== undefined ? { body: request.body } : {}),
          onResponse(status: number, body: string) {
            responses++;
            perRoute[request.name]!++;
            if (status === request.status && request.check(body)) return;
            wrong++;
            if (samples.length < 5) samples.push(`${request.name}: ${status} ${body.slice(0, 200)}`);
          },
        })),
      },
      (error, result) => {
        if (error !== null) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        resolve({
          responses,
          seconds,
          requestsPerSecond: responses / seconds,
          perRoute,
          wrong,
          samples,
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('reqError', () => void requestErrors++);
    if (options.onTick !== undefined) instance.on('tick', () => options.onTick!(responses));
  });
  return {
    done,
    live: () => ({ responses, wrong, errors: requestErrors }),
    stop: () => (instance as AutocannonInstance | null)?.stop(),
  };
}
