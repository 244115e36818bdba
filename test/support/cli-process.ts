// The loopwise CLI as a user runs it, in a child process of its own: its output collected, bounded
// waits for a line or an exit, and every process started here killed by killAll() (in `after`).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { socketGet } from './socket-get.js';

export const CLI_SOURCE = fileURLToPath(new URL('../../src/cli/loopwise.ts', import.meta.url));

/** The Bun the project pins: what `--runtime bun` finds in node_modules/.bin. */
export const PINNED_BUN_VERSION = (JSON.parse(readFileSync(new URL('../../node_modules/bun/package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The CLI as a runtime runs it from source: Bun runs the TypeScript itself, Node through tsx. */
export const cliCommand = (runtime = process.execPath): string[] =>
  runtime.endsWith('node') ? [runtime, '--import', import.meta.resolve('tsx'), CLI_SOURCE] : [runtime, CLI_SOURCE];

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name), failing after `ms`. */
  exited(ms?: number): Promise<number | string>;
  /** Polls (bounded) until stdout or stderr matches; fails naming what it saw. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<string>;
}

const started = new Set<ChildProcess>();

/** `node [--import tsx] <cli> …args`; `command` replaces the whole command line, e.g. for the built CLI. */
export function startCli(args: string[], options: { env?: Record<string, string | undefined>; command?: string[] } = {}): CliProcess {
  const command = options.command ?? [process.execPath, '--import', 'tsx', CLI_SOURCE];
  const env = { ...process.env, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const child = spawn(command[0]!, [...command.slice(1), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exit = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async exited(ms = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms: ${args.join(' ')}\nstdout: ${out}\nstderr: ${err}`)), ms)));
      return Promise.race([exit, late]).finally(() => clearTimeout(timer));
    },
    async waitForOutput(pattern, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = pattern.exec(out) ?? pattern.exec(err);
        if (found !== null) return found[0];
        if (Date.now() > deadline) throw new Error(`no output matching ${pattern} within ${ms} ms\nstdout: ${out}\nstderr: ${err}`);
        await sleep(25);
      }
    },
  };
}

/** For `after`: SIGKILL whatever a failed test left running. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...started].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exit = once(child, 'exit');
        child.kill('SIGKILL');
        await exit;
      }
    }),
  );
}

/** A port nothing listens on right now: the OS picks one, we let it go. */
export async function freePort(): Promise<number> {
  // The kernel may give a port just closed again: two calls in a row once handed two CLIs the same
  // port (EADDRINUSE in CI). A port this process was given is not given twice.
  for (let tries = 0; ; tries++) {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    if (!givenPorts.has(port) || tries >= 20) {
      givenPorts.add(port);
      return port;
    }
  }
}

const givenPorts = new Set<number>();

/** Polls GET `path` (bounded) until it answers 200; fails early if the CLI exits. */
export async function waitUntilServing(port: number, cli: CliProcess, path = '/json', ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (cli.child.exitCode !== null) throw new Error(`the CLI exited (${cli.child.exitCode}) before serving\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
    try {
      if ((await socketGet(port, path, false, 2_000)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nothing served ${path} on port ${port} within ${ms} ms\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`);
    await sleep(50);
  }
}

/** Whether a TCP connection to 127.0.0.1:port is refused (nothing listens). */
export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Polls (bounded) until connections to the port are refused. */
export async function waitUntilRefused(port: number, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await connectionRefused(port)) return true;
    await sleep(25);
  }
  return false;
}
