import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ServerName } from './options.js';

export interface RunningApp {
  port: number;
  child: ChildProcess;
  /** What the server wrote to stderr, shown if it misbehaves. */
  stderr: () => string;
}

export interface RunningServer extends RunningApp {
  name: ServerName;
}

export interface StartOptions {
  root: string;
  /** The core to pin the server to, or null to leave it unpinned. */
  cpu: number | null;
  responseSchemas: boolean;
}

export interface StartAppOptions {
  cwd?: string;
  /** The core to pin the app to, or null (the default) to leave it unpinned. */
  cpu?: number | null;
  env?: Record<string, string>;
}

const READY_TIMEOUT_MS = 20_000;

/** Children still running, so an interrupted bench does not leave servers behind. */
export const running = new Set<ChildProcess>();

/** Where a bench server lives in `root`: bench/apps/, or bench/servers/ in checkouts older than that move (cpu-ab's tree A). */
function serverFile(root: string, name: ServerName): string {
  const file = join(root, 'bench', 'apps', `${name}.ts`);
  return existsSync(file) ? file : join(root, 'bench', 'servers', `${name}.ts`);
}

/** Starts one of the compared servers (bench/apps/<name>.ts) in production mode. */
export async function startServer(name: ServerName, options: StartOptions): Promise<RunningServer> {
  const env = { NODE_ENV: 'production', BENCH_RESPONSE_SCHEMAS: options.responseSchemas ? '1' : '0' };
  const started = await startApp(serverFile(options.root, name), { cwd: options.root, cpu: options.cpu, env });
  return { name, ...started };
}

/**
 * Starts `node --import tsx <file>`, pinned with `taskset -c` when given a core: taskset execs
 * node, so every thread node creates (libuv pool, GC helpers, tsx's loader) inherits the pin.
 * PORT=0 lets the OS pick a free port; the app reports it in its `ready <port>` line.
 */
export async function startApp(file: string, options: StartAppOptions = {}): Promise<RunningApp> {
  const name = basename(file);
  const node = [process.execPath, '--import', 'tsx', file];
  const cpu = options.cpu ?? null;
  const [command, ...args] = cpu === null ? node : ['taskset', '-c', String(cpu), ...node];
  const child = spawn(command!, args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', ...options.env },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));

  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let stdout = '';
  child.stdout!.setEncoding('utf8');

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${name} did not print "ready <port>" within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const onData = (chunk: string): void => {
      stdout += chunk;
      const ready = /^ready (\d+)$/m.exec(stdout);
      if (ready) done(null, Number(ready[1]));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      done(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
    function done(error: Error | null, value?: number): void {
      clearTimeout(timer);
      child.stdout!.removeListener('data', onData);
      child.removeListener('exit', onExit);
      if (error === null) resolve(value!);
      else reject(new Error(`${error.message}\n${stderr.trim()}`));
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  }).catch(async (error: unknown) => {
    await stopServer(child);
    throw error;
  });
  // Keep draining stdout so a chatty server can never block on a full pipe.
  child.stdout!.resume();
  return { port, child, stderr: () => stderr };
}

/** SIGTERM, then SIGKILL if it lingers; resolves once the process is gone and its core is idle. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
