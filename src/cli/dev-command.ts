import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseAppSpec } from './load-app.js';
import type { ListeningReport } from './serve-app.js';
import { parseServeOptions, UsageError, type ServeOptions } from './serve-options.js';
import { watchSources, type SourceWatcher } from './watch-sources.js';

export const DEV_HELP = `Usage: loopwise dev <app module>[:export] [options]

Serves the app for development, as \`fastapi dev\`: on 127.0.0.1, in dev mode (LOOPWISE_DEV=1:
metrics on, readable logs), restarted whenever a .ts/.mts/.cts/.js/.mjs/.cjs/.json file under
the module's directory changes (node_modules, .git and dist are not watched). An app that fails
to load shows its error and is started again at the next change.

  --host HOST        address to listen on (default 127.0.0.1)     env LOOPWISE_HOST
  --port N           port (default 8000)                          env LOOPWISE_PORT, PORT
  --watch DIR        watch this directory too (repeat)
  --log-level LEVEL  fatal, error, warn, info (default), debug, trace or silent  env LOG_LEVEL
  --no-access-log    no log line per request
  --help             this text`;

/** How long a restart waits for the old app to finish its requests before killing it. */
const STOP_GRACE_MS = 5000;

/** `loopwise dev …`: supervises a `loopwise run` child and restarts it when the sources change. */
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
  return new Supervisor(options, [dirname(file), ...options.watch.map((dir) => resolve(dir))]).start();
}

class Supervisor {
  private child: ChildProcess | null = null;
  private watcher: SourceWatcher | null = null;
  /** A restart is under way; changes meanwhile ask for one more when it is done. */
  private restarting = false;
  private again = false;
  private stopping = false;

  constructor(
    private readonly options: ServeOptions,
    private readonly roots: string[],
  ) {}

  start(): Promise<never> {
    this.watcher = watchSources(this.roots, (files) => this.onChange(files));
    // Ctrl+C reaches the child too (same process group); it ignores our SIGTERM after its own SIGINT.
    process.on('SIGINT', () => this.stop());
    process.on('SIGTERM', () => this.stop());
    this.spawnChild();
    return new Promise<never>(() => undefined); // ends by process.exit
  }

  private onChange(files: string[]): void {
    const names = files.map((file) => (relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file)));
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
    console.error(`loopwise dev: ${shown} changed; restarting`);
    void this.restart();
  }

  private async restart(): Promise<void> {
    if (this.restarting) {
      this.again = true;
      return;
    }
    this.restarting = true;
    do {
      this.again = false;
      await this.stopChild();
      if (this.stopping) return;
      this.spawnChild();
    } while (this.again);
    this.restarting = false;
  }

  /**
   * The child is this CLI's own `run` on the same Node with the same flags (so it loads
   * TypeScript the same way), one process, LOOPWISE_DEV=1 for the App, an IPC channel to say it
   * listens (and to stop it if this process dies).
   */
  private spawnChild(): void {
    const { spec, host, port, logLevel, accessLog } = this.options;
    const args = ['run', spec, '--host', host, '--port', String(port), '--workers', '1'];
    if (logLevel !== undefined) args.push('--log-level', logLevel);
    if (!accessLog) args.push('--no-access-log');
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
      env: { ...process.env, LOOPWISE_DEV: '1', LOOPWISE_DEV_CHILD: '1' },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    child.on('error', (error) => console.error(`loopwise dev: could not start the app's process: ${error.message}`));
    let served = false;
    child.on('message', (message) => {
      if ((message as ListeningReport | null)?.loopwise === 'listening') served = true;
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      if (this.stopping || this.restarting) return;
      const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
      const what = served ? `the app stopped (${how})` : `the app did not start (${how}); its error is above`;
      console.error(`loopwise dev: ${what}. Waiting for a change to restart it.`);
    });
    this.child = child;
  }

  /** SIGTERM: the child's App finishes in-flight requests; past the grace period, SIGKILL. */
  private async stopChild(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      console.error(`loopwise dev: the app did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** First signal: stop the child gracefully and exit 0; a second one kills it at once. */
  private stop(): void {
    if (this.stopping) {
      this.child?.kill('SIGKILL');
      process.exit(1);
    }
    this.stopping = true;
    this.watcher?.close();
    void this.stopChild().then(() => process.exit(0));
  }
}
