// A real redis-server for the scale bench and `npm run scale-demo`: started on a free port of
// 127.0.0.1 with a temporary directory and no persistence, and stopped by pid. bench/ never
// imports test/, so this is the bench's own copy of what test/support/redis-server.ts does.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RedisProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGTERM, wait for the exit (SIGKILL after 5 s), and the temporary directory removed. */
  stop(): Promise<void>;
}

/** What to install when redis-server is missing, or null when it is there. */
export function redisServerMissing(): string | null {
  const found = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return found.status === 0 ? null : 'redis-server is not installed: apt-get install -y redis-server (Debian/Ubuntu) or brew install redis (macOS)';
}

/** A port nothing listens on right now: the OS picks one, we let it go. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts redis-server and resolves once it answers PING (bounded: 10 s). */
export async function startRedisProcess(options: { cpu?: number | string | null } = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-bench-redis-'));
  const redis = ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  const cpu = options.cpu ?? null;
  const [command, ...args] = cpu === null ? redis : ['taskset', '-c', String(cpu), ...redis];
  const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}`);
    }
    if (await pings(port)) return { port, url: `redis://127.0.0.1:${port}`, child, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`redis-server did not answer on port ${port} within 10 s`);
}

/** One PING over a raw socket: true on +PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('+PONG')));
  });
}
