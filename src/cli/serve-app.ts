import { cliServer, type App } from '../app.js';
import { LoopwiseError } from '../errors.js';
import { runtimeLabel } from '../runtime-label.js';
import { serverUrl, type Listening } from '../server/http-server.js';
import { closeAndExit } from '../server/signals.js';
import { devBanner } from './dev-banner.js';
import { loadApp } from './load-app.js';
import type { ServeOptions } from './serve-options.js';

/** What a supervised process (cluster worker, `dev` child) tells its parent over IPC once it serves. */
export interface ListeningReport {
  loopwise: 'listening';
  url: string;
  closeTimeout: number;
}

export interface ServeRole {
  /**
   * A parent (cluster primary, dev supervisor) owns this process's lifetime. Signals after the
   * first are ignored: Ctrl+C reaches both processes and the parent then sends SIGTERM too, and
   * the parent kills us itself past its deadline. The parent going away means stop.
   */
  supervised: boolean;
  /** Print the `dev` banner (URLs of the app, its docs and metrics) once listening. */
  banner: boolean;
}

/**
 * Serves the app in this process: `loopwise run --workers 1`, each cluster worker, each `dev`
 * child. The process ends here: by exit code 1 if the app cannot start, else after a signal and
 * a graceful close.
 */
export async function serveApp(options: ServeOptions, role: ServeRole): Promise<never> {
  let app: App<boolean> | null = null;
  let serving = false;
  let stopping: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping !== null) {
      if (role.supervised) return; // the parent kills us itself if we take too long
      console.error(`loopwise run: ${signal} again: exiting without waiting for in-flight requests`);
      process.exit(1);
    }
    stopping = signal;
    if (serving) void closeAndExit(app!, signal);
    // The module is still loading: nothing of the App's has started, so nothing to drain.
    else if (app === null) process.exit(0);
    // Else listen() is under way (lifespan, worker threads): it finishes, sees `stopping`, closes.
  };
  // Our own handlers (listen's handleSignals is off): installed before the module loads, they
  // also cover a signal that arrives while the app starts.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (role.supervised) process.on('disconnect', () => stop('SIGTERM')); // the parent died

  // While this is set, a listen() the module makes itself opens no second server (src/app.ts).
  const planned = address(options.host, options.port);
  cliServer.address = planned;
  let listening: Listening;
  try {
    app = await loadApp(options.spec);
    // listen() checks the flag synchronously on entry: clear it for this one call only.
    cliServer.address = null;
    const opening = app.listen({ host: options.host, port: options.port, handleSignals: false });
    cliServer.address = planned;
    listening = await opening;
    cliServer.address = listening;
  } catch (error) {
    console.error(`loopwise run: ${describe(error)}`);
    await app?.close().catch(() => undefined); // offload threads, lifespan: nothing may keep us alive
    process.exit(1);
  }
  serving = true;
  if (stopping !== null) return closeAndExit(app, stopping);
  const info = app.serveInfo();
  if (role.supervised) process.send?.({ loopwise: 'listening', url: listening.url, closeTimeout: info.closeTimeout } satisfies ListeningReport);
  // After the app's own "listening" line (pino writes asynchronously), not before it.
  if (role.banner) app.log.flush(() => process.stdout.write(devBanner(app.title, listening.url, info, runtimeLabel())));
  return new Promise<never>(() => undefined); // serving until a signal
}

/** The URL the App's listen() will report, known before it listens (the port may still be 0). */
export function address(host: string, port: number): Listening {
  return { url: serverUrl(host, port), host, port };
}

/**
 * Our own errors say what to do in their message; the user's own (a syntax error, a throw at
 * module level) need their stack, but only the frames in their code, not Node's or a loader's.
 */
function describe(error: unknown): string {
  if (error instanceof LoopwiseError) return error.message;
  if (!(error instanceof Error)) return String(error);
  // Bun's syntax errors (a BuildMessage) have no stack: the file and line are in `position`.
  const position = (error as { position?: { file?: unknown; line?: unknown; column?: unknown; lineText?: unknown } | null }).position;
  if (error.stack === undefined && position != null && typeof position.file === 'string') {
    return `${error.message}\n    at ${position.file}:${String(position.line)}:${String(position.column)}${typeof position.lineText === 'string' ? `\n    ${position.lineText}` : ''}`;
  }
  const lines = (error.stack ?? error.message).split('\n');
  return lines.filter((line) => !/^\s+at (?:.*\()?(?:node:|.*[/\\]node_modules[/\\])/.test(line)).join('\n');
}
