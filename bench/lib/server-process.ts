import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SERVER_SPECS, type Runtime, type ServerName } from './servers.js';

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
  /** node (the default): `node --import tsx <file>`; bun: `<root>/node_modules/.bin/bun <file>`. */
  runtime?: Runtime;
  /** Where node_modules/.bin/bun is looked for; default `cwd`, else this process's working directory. */
  root?: string;
  /** The core to pin the app to, or null (the default) to leave it unpinned. */
  cpu?: number | null;
  env?: Record<string, string>;
}

const READY_TIMEOUT_MS = 20_000;

/** Children still running, so an interrupted bench does not leave servers behind. */
export const running = new Set<ChildProcess>();

/** Where a bench server lives in `root`: bench/apps/, or bench/servers/ in checkouts older than that move (cpu-ab's tree A). */
function serverFile(root: string, app: string): string {
  const file = join(root, 'bench', 'apps', `${app}.ts`);
  return existsSync(file) ? file : join(root, 'bench', 'servers', `${app}.ts`);
}

/** The pinned bun devDependency's binary under `root`, or null when it is not installed there. */
export function bunBinary(root: string): string | null {
  const file = join(root, 'node_modules', '.bin', 'bun');
  return existsSync(file) ? file : null;
}

/** Starts one of the compared servers (bench/apps/<app>.ts, by node or bun) in production mode. */
export async function startServer(name: ServerName, options: StartOptions): Promise<RunningServer> {
  const { app, runtime } = SERVER_SPECS[name];
  const env = { NODE_ENV: 'production', BENCH_RESPONSE_SCHEMAS: options.responseSchemas ? '1' : '0' };
  const started = await startApp(serverFile(options.root, app), { cwd: options.root, root: options.root, runtime, cpu: options.cpu, env });
  return { name, ...started };
}

function commandFor(file: string, runtime: Runtime, root: string): string[] {
  if (runtime === 'node') return [process.execPath, '--import', 'tsx', file];
  const bun = bunBinary(root);
  if (bun === null) {
    throw new Error(`${basename(file)} runs on Bun, but ${join(root, 'node_modules', '.bin', 'bun')} is missing: run \`npm install\` (bun is a pinned devDependency)`);
  }
  // Bun runs the TypeScript itself: no loader, as a Bun user starts an app.
  return [bun, file];
}

/**
 * Starts `node --import tsx <file>` (or `bun <file>`), pinned with `taskset -c` when given a core:
 * taskset execs the runtime, so every thread it creates (libuv pool or Bun's, GC helpers, tsx's
 * loader) inherits the pin. PORT=0 lets the OS pick a free port; the app reports it in its
 * `ready <port>` line.
 */
export async function startApp(file: string, options: StartAppOptions = {}): Promise<RunningApp> {
  const name = basename(file);
  const runtime = commandFor(file, options.runtime ?? 'node', options.root ?? options.cwd ?? process.cwd());
  const cpu = options.cpu ?? null;
  const [command, ...args] = cpu === null ? runtime : ['taskset', '-c', String(cpu), ...runtime];
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
