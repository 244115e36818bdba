import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryPoint } from '../package-files.js';
import type { StandbyCommand, StandbyReport } from './dev-standby.js';
import { currentRuntime } from './find-runtime.js';
import { ignoreMatcher } from './ignore-patterns.js';
import { parseAppSpec } from './load-app.js';
import { runUnder } from './run-under.js';
import type { ListeningReport } from './serve-app.js';
import { parseServeOptions, UsageError, type ServeOptions } from './serve-options.js';
import { watchSources, type SourceWatcher } from './watch-sources.js';

export const DEV_HELP = `Usage: loopwise dev <app module>[:export] [options]

Serves the app for development, as \`fastapi dev\`: on 127.0.0.1, in dev mode (LOOPWISE_DEV=1:
metrics on, readable logs), served again when a file it imports changes (or a package.json,
tsconfig*.json or .env* under its directory, or any .ts/.js/.json file under a --watch directory).
Other files (scratch files, notes) do not restart it; node_modules, .git and dist are not watched.
A standby process, started ahead, takes over on a save. An app that fails to load shows its
error and is started again at the next change of any source file.

  --host HOST        address to listen on (default 127.0.0.1)     env LOOPWISE_HOST
  --port N           port (default 8000)                          env LOOPWISE_PORT, PORT
  --watch DIR        watch this directory too: any change in it restarts (repeat)
  --ignore GLOB|DIR  never restart for these (repeat): a directory, a glob with a slash
                     from the current directory (src/gen/**), or a name glob (*.test.ts)
  --log-level LEVEL  fatal, error, warn, info (default), debug, trace or silent  env LOG_LEVEL
  --no-access-log    no log line per request
  --runtime RUNTIME  bun or node (default: the one running this command)
  --help             this text`;

/** How long a restart waits for the old app to finish its requests before killing it. */
const STOP_GRACE_MS = 5000;

/** Changes to these restart the app whether it imports them or not: they configure how it loads and runs. */
const CONFIG_FILE = /^(?:package\.json|tsconfig(?:\..+)?\.json|\.env(?:\..+)?)$/;

/** `loopwise dev …`: serves the app in a child process and serves it again when its sources change. */
export async function devCommand(argv: string[]): Promise<number> {
  let options: ServeOptions | null;
  try {
    options = parseServeOptions('dev', argv);
    if (options !== null) {
      for (const dir of options.watch) {
        if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--watch takes a directory; ${resolve(dir)} is none`);
      }
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`loopwise dev: ${error.message}\n\n${DEV_HELP}`);
    return 2;
  }
  if (options === null) {
    console.log(DEV_HELP);
    return 0;
  }
  const { file } = parseAppSpec(options.spec);
  // The supervisor, its app and its standby all run on the runtime asked for.
  if (options.runtime !== undefined && options.runtime !== currentRuntime()) return runUnder(options.runtime);
  return new Supervisor(options, realpathSync(dirname(file)), options.watch.map((dir) => realpathSync(dir))).start();
}

/** A child process that serves (or will serve) the app. */
interface AppProcess {
  child: ChildProcess;
  /** Warmed up: it serves as soon as it is told to. */
  ready: boolean;
  /** Told to serve. */
  serving: boolean;
  /** Its app loaded and listens: `files` is then its import graph. */
  listening: boolean;
  files: Set<string>;
}

/** The standby's entry point: src/cli/dev-standby.ts from source, dist/cli/dev-standby.js once built. */
const STANDBY_ENTRY = fileURLToPath(entryPoint('cli/dev-standby', 'ts'));

/**
 * Keeps one process serving the app and one standby ready to take over: on a change, the
 * current one stops (gracefully, bounded) and the standby, which has already started Node, its
 * TypeScript loader and loopwise, imports the app and listens; then a new standby starts.
 */
class Supervisor {
  private current: AppProcess | null = null;
  private standby: AppProcess | null = null;
  private watcher: SourceWatcher | null = null;
  /** A restart is under way; changes meanwhile ask for one more when it is done. */
  private restarting = false;
  private again = false;
  private stopping = false;
  private readonly ignored: (path: string) => boolean;

  constructor(
    private readonly options: ServeOptions,
    private readonly appDirectory: string,
    private readonly watched: string[],
  ) {
    this.ignored = ignoreMatcher(options.ignore, [appDirectory, ...watched]);
  }

  start(): Promise<never> {
    this.watcher = watchSources([this.appDirectory, ...this.watched], (files) => this.onChange(files), 100, this.ignored);
    // Ctrl+C reaches the children too (same process group); the serving one ignores our SIGTERM after its own SIGINT.
    process.on('SIGINT', () => this.stop());
    process.on('SIGTERM', () => this.stop());
    this.serveNext();
    return new Promise<never>(() => undefined); // ends by process.exit
  }

  private onChange(files: string[]): void {
    const relevant = files.filter((file) => this.restartsFor(file));
    if (relevant.length === 0) return; // not the app's: a scratch file, notes, another program's output
    const names = relevant.map((file) => (relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file)));
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    console.error(`loopwise dev: ${shown} changed; restarting`);
    void this.restart();
  }

  /**
   * A change restarts the app when the app loaded that file, when it configures the project, or
   * when it is under a --watch directory. Until the app has loaded (or when it failed to), its
   * import graph is unknown and every source change restarts it.
   */
  private restartsFor(file: string): boolean {
    const graph = this.current?.listening === true ? this.current.files : null;
    if (graph === null || CONFIG_FILE.test(basename(file))) return true;
    if (this.watched.some((dir) => file.startsWith(dir + sep))) return true;
    return graph.has(file) || graph.has(realpathOrSelf(file));
  }

  private async restart(): Promise<void> {
    if (this.restarting) {
      this.again = true;
      return;
    }
    this.restarting = true;
    do {
      this.again = false;
      await this.stopCurrent();
      if (this.stopping) return;
      this.serveNext();
    } while (this.again);
    this.restarting = false;
  }

  /** The standby serves (it starts now if there is none yet); the next standby starts once it listens. */
  private serveNext(): void {
    const next = this.standby ?? this.spawnStandby();
    this.standby = null;
    this.current = next;
    next.serving = true;
    if (next.ready) tell(next.child, { loopwise: 'serve' });
  }

  /** Started after the serving app listens (or fails), so that it does not slow the app's own start. */
  private ensureStandby(): void {
    if (!this.stopping && this.standby === null) this.standby = this.spawnStandby();
  }

  /**
   * This CLI's dev-standby on the same Node with the same flags (so it loads TypeScript the same
   * way), LOOPWISE_DEV=1 for the App, an IPC channel for the messages (and to stop it if this
   * process dies).
   */
  private spawnStandby(): AppProcess {
    const { accessLog, logLevel } = this.options;
    const env: NodeJS.ProcessEnv = { ...process.env, LOOPWISE_DEV: '1', LOOPWISE_ACCESS_LOG: accessLog ? '1' : '0' };
    if (logLevel !== undefined) env.LOG_LEVEL = logLevel;
    const child = spawn(process.execPath, [...process.execArgv, STANDBY_ENTRY, JSON.stringify({ ...this.options, workers: 1 })], {
      env,
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    const app: AppProcess = { child, ready: false, serving: false, listening: false, files: new Set() };
    child.on('error', (error) => console.error(`loopwise dev: could not start the app's process: ${error.message}`));
    child.on('message', (message: StandbyReport | ListeningReport | null) => {
      if (message?.loopwise === 'standby-ready') {
        app.ready = true;
        if (app.serving) tell(child, { loopwise: 'serve' });
      } else if (message?.loopwise === 'loaded') {
        for (const file of message.files) app.files.add(file);
      } else if (message?.loopwise === 'listening') {
        app.listening = true;
        tell(child, { loopwise: 'list-required' });
        this.ensureStandby();
      }
    });
    child.once('exit', (code, signal) => {
      if (this.standby === app) this.standby = null; // the next restart starts one afresh
      if (this.current !== app) return;
      this.current = null;
      if (this.stopping || this.restarting) return;
      const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
      const what = app.listening ? `the app stopped (${how})` : `the app did not start (${how}); its error is above`;
      console.error(`loopwise dev: ${what}. Waiting for a change to restart it.`);
      this.ensureStandby();
    });
    return app;
  }

  /** SIGTERM: the child's App finishes in-flight requests; past the grace period, SIGKILL. */
  private async stopCurrent(): Promise<void> {
    const child = this.current?.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      console.error(`loopwise dev: the app did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** First signal: stop the app gracefully and the standby at once, then exit 0; a second one kills both. */
  private stop(): void {
    if (this.stopping) {
      this.current?.child.kill('SIGKILL');
      this.standby?.child.kill('SIGKILL');
      process.exit(1);
    }
    this.stopping = true;
    this.watcher?.close();
    const standby = this.standby?.child;
    const standbyExited = standby === undefined || standby.exitCode !== null || standby.signalCode !== null ? undefined : new Promise((resolve) => standby.once('exit', resolve));
    standby?.kill('SIGTERM');
    void Promise.all([this.stopCurrent(), standbyExited]).then(() => process.exit(0));
  }
}

/** A process that has just exited has no channel left: nothing to tell it then. */
function tell(child: ChildProcess, command: StandbyCommand): void {
  if (child.connected) child.send(command);
}

/** The path Node's module loader reports for a file: symbolic links resolved. */
function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file; // deleted: it was in the graph under the name the watcher gives
  }
}
