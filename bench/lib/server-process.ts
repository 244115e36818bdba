import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ServerName } from './options.js';

export interface RunningServer {
  name: ServerName;
  port: number;
  child: ChildProcess;
  /** What the server wrote to stderr, shown if it misbehaves. */
  stderr: () => string;
}

export interface StartOptions {
  root: string;
  /** The core to pin the server to, or null to leave it unpinned. */
  cpu: number | null;
  responseSchemas: boolean;
}

const READY_TIMEOUT_MS = 20_000;

/** Children still running, so an interrupted bench does not leave servers behind. */
export const running = new Set<ChildProcess>();

/**
 * Starts one bench server, pinned with `taskset -c`: taskset execs node, so every thread node
 * creates (libuv pool, GC helpers, tsx's loader) inherits the pin. PORT=0 lets the OS pick a free
 * port; the server reports it in its `ready <port>` line.
 */
export async function startServer(name: ServerName, options: StartOptions): Promise<RunningServer> {
  const node = [process.execPath, '--import', 'tsx', join(options.root, 'bench', 'servers', `${name}.ts`)];
  const [command, ...args] = options.cpu === null ? node : ['taskset', '-c', String(options.cpu), ...node];
  const child = spawn(command!, args, {
    cwd: options.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      NODE_ENV: 'production',
      BENCH_RESPONSE_SCHEMAS: options.responseSchemas ? '1' : '0',
    },
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
  return { name, port, child, stderr: () => stderr };
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
