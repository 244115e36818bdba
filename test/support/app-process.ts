// A loopwise app in a child process of its own, for tests that need real signals, real exits or a
// heap of its own: its stdout read line by line, bounded waits for a line, the exit timed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { withTimeout } from './with-timeout.js';

export interface AppProcess {
  child: ChildProcess;
  /** Every stdout line so far, in order (pino's JSON lines and the fixture's own). */
  lines: string[];
  stderr(): string;
  /** Resolves with the first line (already seen or still to come) that `match` accepts; fails after `ms`. */
  waitForLine(match: (line: string) => boolean, ms: number, what: string): Promise<string>;
  /** The exit, with the time it happened (Date.now()), whenever it comes. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGKILL if still running: for `t.after`. */
  kill(): void;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Node flags before `--import tsx`, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  /** How long to wait for the line that gives the port. Default 20 s. */
  readyTimeout?: number;
  /** The line that gives the port, its number in group 1. Default `port <n>`; bench servers print `ready <n>`. */
  ready?: RegExp;
}

/** Starts `node --import tsx <fixture>` and waits for its `port <n>` line (or `options.ready`). */
export async function startAppProcess(fixture: string, options: StartOptions = {}): Promise<AppProcess & { port: number }> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', fixture], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const waitForLine = (match: (line: string) => boolean, ms: number, what: string): Promise<string> => {
    const seen = lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    const found = new Promise<string>((resolve, reject) => {
      const waiter = { match, resolve };
      waiters.add(waiter);
      void exited.then(({ code, signal }) => {
        if (!waiters.has(waiter)) return;
        waiters.delete(waiter);
        reject(new Error(`the fixture exited (code ${code}, signal ${signal}) before ${what}\nstderr: ${stderr}`));
      });
    });
    return withTimeout(found, ms, `${what}\nstdout: ${lines.slice(-20).join('\n')}\nstderr: ${stderr}`);
  };
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const ready = options.ready ?? /^port (\d+)$/;
    const portLine = await waitForLine((line) => ready.test(line), options.readyTimeout ?? 20_000, 'the fixture printed its port');
    return { child, lines, stderr: () => stderr, waitForLine, exited, kill, port: Number(ready.exec(portLine)![1]) };
  } catch (error) {
    kill();
    throw error;
  }
}

/** The pino lines among a process's stdout lines, parsed. */
export function logLines(lines: readonly string[]): Record<string, any>[] {
  return lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>);
}
