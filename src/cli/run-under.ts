import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LoopwiseError } from '../errors.js';
import { entryPoint } from '../package-files.js';
import { currentRuntime, requireRuntime, runtimeProblem, type Runtime } from './find-runtime.js';

/** Set for the process `--runtime` starts: which runtime it was started on; removed at once. */
const STARTED_AS = 'LOOPWISE_STARTED_AS';

/** The runtime this process was started on by another loopwise CLI's `--runtime`, if it was. */
let startedAs: string | undefined;

/**
 * First thing in the CLI: a process started by {@link runUnder} notes it, and stops gracefully
 * (as on SIGTERM) if its parent goes away without a word (killed outright), so that no server
 * outlives the command that started it. The variable goes no further: a cluster worker or a `dev`
 * child has a parent of its own.
 */
export function followStartingProcess(): void {
  startedAs = process.env[STARTED_AS];
  delete process.env[STARTED_AS];
  if (startedAs === undefined || !process.connected) return;
  // The channel is only there to notice the parent's death: it must not keep this process alive.
  (process.channel as { unref?: () => void } | undefined)?.unref?.();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

/**
 * `--runtime` for a command that only loads the app (routes, openapi): the exit code when the
 * value is wrong (2, with the usage) or the other runtime ran the command; null to go on here.
 */
export function loadOnRuntime(value: string | undefined, command: string, help: string): Promise<number> | number | null {
  const problem = runtimeProblem(value);
  if (problem !== null) {
    console.error(`loopwise ${command}: ${problem}\n\n${help}`);
    return 2;
  }
  return value === undefined || value === currentRuntime() ? null : runUnder(value as Runtime);
}

/**
 * `--runtime bun` on Node (or `node` on Bun): runs this same command line under the other
 * runtime and lasts as long as it does, with its exit code. The child has a process group of its
 * own and gets every signal from here, once: Ctrl+C in a terminal reaches this process only, so a
 * single Ctrl+C stays a graceful stop (a second one still stops at once).
 */
export function runUnder(runtime: Runtime): Promise<number> {
  if (startedAs !== undefined) {
    // Started for `runtime` yet not running on it: the executable found is not what it claims.
    throw new LoopwiseError('LW_ERR_STARTUP', `--runtime ${startedAs}: the executable started for it runs ${currentRuntime()}; check which ${startedAs} is in node_modules/.bin or on PATH.`);
  }
  const executable = requireRuntime(runtime);
  const entry = fileURLToPath(entryPoint('cli/loopwise', 'ts'));
  // Node runs loopwise's TypeScript sources (a checkout, the tests) through tsx, found from here
  // (not from the current directory); Bun runs them itself.
  const loader = runtime === 'node' && entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
  const child = spawn(executable, [...loader, entry, ...process.argv.slice(2)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [STARTED_AS]: runtime },
  });
  const forward = (signal: NodeJS.Signals) => () => {
    // SIGHUP (the terminal closed) would kill the child outright: a graceful stop instead.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
  return new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new LoopwiseError('LW_ERR_STARTUP', `--runtime ${runtime}: could not start ${executable}: ${error.message}`, { cause: error })));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
}
