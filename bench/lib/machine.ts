import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { bunBinary } from './server-process.js';

/** The compared frameworks, whose versions go with every result. */
const FRAMEWORKS = ['fastify', 'elysia', 'hono', '@hono/node-server', 'express', '@sinclair/typebox'] as const;

export interface Machine {
  node: string;
  cpu: string;
  cores: number;
  kernel: string;
  wrk: string;
  /** The loopwise commit measured, with a note when src/ has uncommitted changes. */
  commit: string;
  /** `bun --version` of node_modules/.bin/bun, or 'missing'. */
  bun: string;
  /** Installed version of each compared framework, or 'missing'. */
  frameworks: Record<string, string>;
  /**
   * How loopwise-bun meets HTTP in this tree: the native front door when src/server/bun-server.ts
   * exists (listen() picks it on Bun), else Bun's node:http compatibility. Said, never acted on.
   */
  loopwiseOnBun: 'native Bun.serve front door' | 'node:http compatibility';
}

/** What the numbers depend on, printed at the top and stored with the results. */
export function describeMachine(root: string): Machine {
  const list = cpus();
  return {
    node: process.version,
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    kernel: release(),
    wrk: wrkVersion() ?? 'missing',
    commit: commitOf(root),
    bun: bunVersion(root) ?? 'missing',
    frameworks: Object.fromEntries(FRAMEWORKS.map((name) => [name, packageVersion(root, name) ?? 'missing'])),
    loopwiseOnBun: existsSync(join(root, 'src', 'server', 'bun-server.ts')) ? 'native Bun.serve front door' : 'node:http compatibility',
  };
}

function bunVersion(root: string): string | null {
  const bun = bunBinary(root);
  if (bun === null) return null;
  const result = spawnSync(bun, ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function packageVersion(root: string, name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** `wrk -v` prints its version and exits 1; null when wrk is not installed. */
function wrkVersion(): string | null {
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (result.error !== undefined) return null;
  return /wrk (\S+)/.exec(result.stdout + result.stderr)?.[1] ?? 'unknown';
}

export function hasCommand(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
}

function commitOf(root: string): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' });
  return head.stdout.trim() + (dirty.stdout.trim() === '' ? '' : ' + uncommitted changes in src/');
}

/**
 * Moves this process (every thread of it) onto the load core, so the orchestrator's own work,
 * small as it is, never lands on the core the server is measured on.
 */
export function pinSelf(cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' }).status === 0;
}
