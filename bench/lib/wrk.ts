import { spawn } from 'node:child_process';

export interface WrkRun {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses with a status outside 2xx/3xx: any at all means the run measured the wrong thing. */
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  /** Absolute path of a Lua script (method, body, headers), if the request is not a plain GET. */
  script?: string;
  /** The core (or taskset list, e.g. "0,1") to pin wrk to, or null to leave it unpinned. */
  cpu: number | string | null;
  /** wrk threads; default 1. */
  threads?: number;
  /** Seconds wrk waits for an answer before it counts a socket timeout; wrk's default is 2. */
  timeout?: number;
}

/**
 * One wrk thread is plenty to saturate a single-core Node server and keeps wrk itself on one
 * core; --latency asks for the percentile table p99 is read from.
 */
export async function runWrk(options: WrkOptions): Promise<WrkRun> {
  const wrk = ['wrk', `-t${options.threads ?? 1}`, `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  if (options.timeout !== undefined) wrk.push('--timeout', `${options.timeout}s`);
  if (options.script !== undefined) wrk.push('-s', options.script);
  wrk.push(options.url);
  const [command, ...args] = options.cpu === null ? wrk : ['taskset', '-c', String(options.cpu), ...wrk];
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`wrk exited with code ${code}:\n${out}`);
  return parseWrk(out);
}

export function parseWrk(out: string): WrkRun {
  const number = (pattern: RegExp, what: string): RegExpExecArray => {
    const match = pattern.exec(out);
    if (match === null) throw new Error(`could not read ${what} from wrk's output:\n${out}`);
    return match;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(number(/(\d+) requests in /, 'the request count')[1]),
    requestsPerSecond: Number(number(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]),
    p50Ms: toMs(number(/^\s*50(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$/m, 'the p50 latency')),
    p99Ms: toMs(number(/^\s*99(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$/m, 'the p99 latency')),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
    },
  };
}

const MS_PER_UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(match: RegExpExecArray): number {
  return Number(match[1]) * MS_PER_UNIT[match[2]!]!;
}
