// The loopwise CLI as a deployment runs it, for the scale bench and `npm run scale-demo`:
// `loopwise run app.ts` (the API) and `loopwise worker app.ts` (the job runners), each a child
// process of its own, optionally pinned with taskset, started from this checkout's src/ by tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const CLI = fileURLToPath(new URL('../../src/cli/loopwise.ts', import.meta.url));

export interface LoopwiseProcess {
  child: ChildProcess;
  pid: number;
  /** The last 8 KiB of its stdout and stderr, for an error message. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: gone at once, as a crash or an OOM kill. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** taskset core list, or null (the default) to leave it unpinned. */
  cpu?: number | string | null;
}

/** Every process started here, so a driver's exit handler can SIGKILL what is left. */
export const started = new Set<ChildProcess>();

/**
 * For a driver's 'exit' handler: SIGKILL the process group of each CLI process still running (a
 * `loopwise run --workers N` primary's cluster workers are in its group), synchronously.
 */
export function killStarted(): void {
  for (const child of started) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function startCli(args: string[], options: SpawnOptions): LoopwiseProcess {
  const node = [process.execPath, '--import', 'tsx', CLI, ...args];
  const cpu = options.cpu ?? null;
  const [command, ...rest] = cpu === null ? node : ['taskset', '-c', String(cpu), ...node];
  // detached: its own process group, so a Ctrl-C in the terminal reaches the driver only, and the
  // driver stops each child itself (in order, and knowing which one it killed).
  const child = spawn(command!, rest, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.add(child);
  child.once('exit', () => started.delete(child));
  let output = '';
  const keep = (chunk: string): void => {
    output = (output + chunk).slice(-8192);
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, pid: child.pid!, output: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

/** `loopwise run app --host 127.0.0.1 --port P [extra]`, resolved once GET `readyPath` answers 200 (bounded: 30 s). */
export async function startApi(app: string, port: number, extra: string[], options: SpawnOptions & { readyPath?: string } = {}): Promise<LoopwiseProcess> {
  const api = startCli(['run', app, '--host', '127.0.0.1', '--port', String(port), '--no-access-log', ...extra], options);
  const url = `http://127.0.0.1:${port}${options.readyPath ?? '/json'}`;
  for (let attempt = 0; attempt < 300; attempt++) {
    if (api.child.exitCode !== null) throw new Error(`loopwise run exited with code ${api.child.exitCode}:\n${api.output()}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return api;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await api.stop();
  throw new Error(`${url} did not answer within 30 s:\n${api.output()}`);
}

/** `loopwise worker app --concurrency N`, resolved once it says it takes jobs (bounded: 30 s). */
export async function startWorker(app: string, concurrency: number, options: SpawnOptions = {}): Promise<LoopwiseProcess> {
  const worker = startCli(['worker', app, '--concurrency', String(concurrency), '--log-level', 'info'], options);
  for (let attempt = 0; attempt < 300; attempt++) {
    if (/worker taking jobs from queue/.test(worker.output())) return worker;
    if (worker.child.exitCode !== null) throw new Error(`loopwise worker exited with code ${worker.child.exitCode}:\n${worker.output()}`);
    await sleep(100);
  }
  await worker.stop();
  throw new Error(`loopwise worker did not start taking jobs within 30 s:\n${worker.output()}`);
}
