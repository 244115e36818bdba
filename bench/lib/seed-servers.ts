// The two servers of bench/seed.ts: the seed app in loopwise (bench/apps/seed-app.mjs, on the
// built dist/) and in FastAPI (bench/apps/seed_fastapi.py, on Debian's python3). Each is started
// pinned to one core and on a free port, and is ready once it answers its light route.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { running } from './server-process.js';

export type SeedServer = 'fastapi' | 'loopwise';

/** Debian's interpreter, where python3-fastapi and python3-uvicorn install to. */
export const PYTHON = '/usr/bin/python3';
export const INSTALL_HINT = 'apt-get update && apt-get install -y python3-fastapi python3-uvicorn wrk';
const READY_TIMEOUT_MS = 20_000;

export interface PythonStack {
  python: string;
  fastapi: string;
  uvicorn: string;
  anyio: string;
  /** What uvicorn picks with `--loop auto --http auto`: uvloop and httptools when installed. */
  loop: string;
  http: string;
}

/** Versions of the FastAPI stack, or a message saying what is missing. */
export function pythonStack(): PythonStack | { missing: string } {
  const script = [
    'import importlib.metadata as m, importlib.util as u, json, platform',
    'import fastapi, uvicorn',
    "print(json.dumps({'python': platform.python_version(), 'fastapi': fastapi.__version__, 'uvicorn': uvicorn.__version__,",
    " 'anyio': m.version('anyio'), 'loop': 'uvloop' if u.find_spec('uvloop') else 'asyncio',",
    " 'http': 'httptools' if u.find_spec('httptools') else 'h11'}))",
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  if (result.error !== undefined) return { missing: `${PYTHON} is not there` };
  if (result.status !== 0) return { missing: `${PYTHON} cannot import fastapi and uvicorn (${result.stderr.trim().split('\n').pop()})` };
  return JSON.parse(result.stdout) as PythonStack;
}

export function distMissing(root: string): boolean {
  return !existsSync(join(root, 'dist', 'index.js'));
}

export interface StartedServer {
  child: ChildProcess;
  pid: number;
  port: number;
  base: string;
  /** The loopwise app's `ready` line says how many sha256 KiB rounds make its 50 ms of work. */
  hashRounds: number | null;
  stderr: () => string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, signal: AbortSignal.timeout(1000) }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode === 200));
    });
    req.once('error', () => resolve(false));
  });
}

export interface StartSeedOptions {
  root: string;
  cpu: number;
  delayMs: number;
}

/** Starts one seed server on `cpu` (taskset execs it, so every thread it makes inherits the pin). */
export async function startSeedServer(server: SeedServer, options: StartSeedOptions): Promise<StartedServer> {
  const port = await freePort();
  const command =
    server === 'loopwise'
      ? [process.execPath, join(options.root, 'bench', 'apps', 'seed-app.mjs')]
      : [PYTHON, '-m', 'uvicorn', 'seed_fastapi:app', '--app-dir', join(options.root, 'bench', 'apps'), '--host', '127.0.0.1', '--port', String(port), '--workers', '1', '--no-access-log', '--log-level', 'warning'];
  const child = spawn('taskset', ['-c', String(options.cpu), ...command], {
    cwd: options.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), SEED_DELAY_MS: String(options.delayMs), NODE_ENV: 'production' },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(`${base}/json`))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${server} exited before it answered (code ${child.exitCode}, signal ${child.signalCode}):\n${stderr.trim()}`);
    }
    if (Date.now() > deadline) {
      await stopSeedServer(child);
      throw new Error(`${server} did not answer GET /json within ${READY_TIMEOUT_MS} ms:\n${stderr.trim()}`);
    }
    await sleep(100);
  }
  const rounds = /hash-rounds (\d+)/.exec(stdout)?.[1];
  return { child, pid: child.pid!, port, base, hashRounds: rounds === undefined ? null : Number(rounds), stderr: () => stderr };
}

/** SIGKILL: nothing a measured server holds needs a graceful close, and a backlog of blocked requests would delay one. */
export async function stopSeedServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
