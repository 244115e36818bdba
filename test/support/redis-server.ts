// A real redis-server (Debian's package) for the tests that need one: started on a free port of
// 127.0.0.1 with its own temporary directory, no persistence unless asked, and stopped by pid.
// `stop()` then `start()` again on the same port is how a test takes Redis away and brings it back.
// That port is taken below the kernel's ephemeral range and reserved across processes (a file per
// port), so while Redis is down no outgoing connection, port-0 listener or other Redis test of a
// parallel process can take it: the files that restart Redis need not run alone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './cli-process.js';

export interface RedisServer {
  port: number;
  url: string;
  /** The running server's pid, or null while stopped. */
  readonly pid: number | null;
  /** Starts it again on the same port (and directory) after stop() or kill(). */
  start(): Promise<void>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: Redis gone at once, as a crash. */
  kill(): Promise<void>;
  /** stop(), and the temporary directory removed. */
  dispose(): Promise<void>;
}

/**
 * Why Redis tests cannot run here, or false: redis-server missing. CI installs it (.ci/run), so
 * there a missing server fails the test instead of skipping it (LOOPWISE_REQUIRE_REDIS=1).
 */
export function redisMissing(): string | false {
  const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (installed) return false;
  if (process.env.LOOPWISE_REQUIRE_REDIS === '1') throw new Error('redis-server is required (LOOPWISE_REQUIRE_REDIS=1) but not installed');
  return 'redis-server is not installed (Debian package redis-server; .ci/run installs it)';
}

export async function startRedis(options: { appendOnly?: boolean } = {}): Promise<RedisServer> {
  const { port, release } = await reservedPort();
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-redis-'));
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', options.appendOnly ? 'yes' : 'no', '--daemonize', 'no', '--loglevel', 'warning'];
    const started = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child = started;
    // Ready once it accepts a connection and answers PING (bounded: 10 s).
    for (let i = 0; i < 200; i++) {
      if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode} on port ${port}`);
      if (await pings(port)) return;
      await sleep(50);
    }
    started.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port} within 10 s`);
  }

  async function end(signal: NodeJS.Signals): Promise<void> {
    const running = child;
    child = null;
    if (running === null || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill(signal);
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? null;
    },
    start,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async dispose() {
      await end('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      release();
    },
  };
}

/** One PING over a raw socket: true on +PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('+PONG')));
  });
}

const RESERVATIONS = join(tmpdir(), 'loopwise-redis-ports');
const held = new Set<string>();
process.once('exit', () => {
  for (const file of held) rmSync(file, { force: true });
});

/**
 * A port for Redis that stays its own through a restart: under the ephemeral range (no connect()
 * or listen(0) is given such a port), free now, and reserved by a file that this process removes
 * when it disposes of the server or exits. The range is read from /proc; elsewhere it is taken to
 * start at 32768 or above (macOS and Windows: 49152). Where it starts too low: an ephemeral port,
 * which a parallel process could take while Redis is down.
 */
async function reservedPort(): Promise<{ port: number; release: () => void }> {
  let low = 32_768;
  try {
    low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    // not Linux
  }
  // 20000 and up: clear of the well-known and usual development ports (3000, 6379, 8000, 8080...).
  const from = 20_000;
  if (!(low > from + 1_000)) return { port: await freePort(), release: () => undefined };
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let tries = 0; tries < 200; tries++) {
    const port = from + Math.floor(Math.random() * (low - from));
    const file = join(RESERVATIONS, String(port));
    if (!reserve(file)) continue;
    if (await canListen(port)) {
      held.add(file);
      return {
        port,
        release: () => {
          held.delete(file);
          rmSync(file, { force: true });
        },
      };
    }
    rmSync(file, { force: true }); // held by something else: not ours to keep
  }
  throw new Error(`no free port for redis-server in ${from}-${low - 1} after 200 tries`);
}

/**
 * Creates the reservation file; false if it exists. One left by a process that died is not taken
 * over (two processes could both take it): its port is skipped, there are thousands of others.
 */
function reserve(file: string): boolean {
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
