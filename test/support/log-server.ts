// Runs a server script in its own process and collects the JSON lines it logs, so a test can
// wait for a log line and count them. The script prints {"ready": port} or `ready <url>` once it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogServer {
  base: string;
  pid: number;
  /** Every JSON line logged so far. */
  lines: Record<string, any>[];
  /** Polls (bounded) until a logged line matches; returns it or null. */
  waitFor(match: (line: Record<string, any>) => boolean, ms: number): Promise<Record<string, any> | null>;
  stop(): Promise<void>;
}

export interface LogServerOptions {
  /** A command the server runs under, e.g. ['taskset', '-c', '0', 'nice', '-n', '19']. */
  wrap?: string[];
}

export async function startLogServer(script: string, env: Record<string, string> = {}, options: LogServerOptions = {}): Promise<LogServer> {
  const [command, ...args] = [...(options.wrap ?? []), process.execPath, '--import', 'tsx', script];
  const child: ChildProcess = spawn(command!, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, any>[] = [];
  let resolveReady: (base: string) => void;
  const ready = new Promise<string>((resolve) => (resolveReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (text.startsWith('ready ')) return resolveReady(text.slice('ready '.length));
    let line: Record<string, any>;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof line.ready === 'number') resolveReady(`http://127.0.0.1:${line.ready}`);
    else lines.push(line);
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const base = await Promise.race([ready, once(child, 'exit').then(() => Promise.reject(new Error(`${script} exited before it was ready`)))]);
  clearTimeout(kill);
  return {
    base,
    pid: child.pid!,
    lines,
    async waitFor(match, ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        if (Date.now() > deadline) return null;
        await sleep(20);
      }
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
