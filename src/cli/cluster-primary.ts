import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { DEFAULT_CLOSE_TIMEOUT } from '../app-options.js';
import { exitAfterFlush } from '../logger.js';
import { RestartBackoff } from './restart-backoff.js';
import type { ListeningReport } from './serve-app.js';

/** close() may take closeTimeout for requests, again for background tasks, then this for the rest. */
const STOP_MARGIN_MS = 5000;
/** How long a dead worker's last messages may take to arrive after its exit (see lastMessagesRead). */
const LAST_MESSAGES_WAIT_MS = 1000;

/**
 * `loopwise run --workers N`: this process only forks N workers (each loads the app and listens;
 * node:cluster shares the port between them), restarts the ones that die, and stops them all
 * gracefully on SIGTERM/SIGINT. It never loads the app itself.
 *
 * It gives up (stops every worker, exits 1) only when a worker dies before it serves: the module
 * or its startup failed, and every new worker would fail the same way. A worker that served and
 * then died may have been killed by a request (a handler calling process.exit, an error thrown
 * from a timer): it is always replaced, after a backoff, so that no client can stop the service.
 */
export function runPrimary(workers: number, log: Logger): Promise<never> {
  const primary = new Primary(workers, log);
  primary.start();
  return new Promise<never>(() => undefined); // ends by process.exit
}

class Primary {
  /** The live workers, by cluster id, and when each began to serve. */
  private readonly live = new Map<number, { listeningAt: number | null }>();
  private readonly backoff = new RestartBackoff();
  /** Replacements waiting for their backoff; cancelled when the primary stops. */
  private readonly restarts = new Set<NodeJS.Timeout>();
  private announced = false;
  private stopping = false;
  private exitCode = 0;
  private closeTimeout = DEFAULT_CLOSE_TIMEOUT;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly workers: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    cluster.on('message', (worker, message) => this.onMessage(worker, message));
    cluster.on('exit', (worker, code, signal) => {
      void this.lastMessagesRead(worker).then(() => this.onExit(worker, code, signal as NodeJS.Signals | null));
    });
    process.on('SIGTERM', (signal) => this.onSignal(signal));
    process.on('SIGINT', (signal) => this.onSignal(signal));
    for (let i = 0; i < this.workers; i++) this.fork();
  }

  private fork(): void {
    // The worker runs this same command line (cluster's default), so it loads TypeScript as we would.
    const worker = cluster.fork();
    this.live.set(worker.id, { listeningAt: null });
    // A failed kill() or send() is emitted as 'error': unheard, it would end the primary.
    worker.on('error', (error) => this.log.error({ err: error, pid: worker.process.pid }, `worker ${worker.process.pid}: ${error.message}`));
  }

  /**
   * 'exit' can be emitted before the worker's last IPC messages are read, its "listening" report
   * among them; 'disconnect' comes after them. Judging a worker that served a request and died at
   * once as one that never started would stop the service: wait for its messages first.
   */
  private lastMessagesRead(worker: Worker): Promise<void> {
    if (!worker.isConnected()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, LAST_MESSAGES_WAIT_MS);
      worker.once('disconnect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onMessage(worker: Worker, message: unknown): void {
    if ((message as ListeningReport | null)?.loopwise !== 'listening') return;
    const report = message as ListeningReport;
    const state = this.live.get(worker.id);
    if (state === undefined) return;
    state.listeningAt = Date.now();
    this.closeTimeout = report.closeTimeout;
    const serving = [...this.live.values()].filter((s) => s.listeningAt !== null).length;
    if (!this.announced && serving === this.workers) {
      this.announced = true;
      this.log.info({ workers: this.workers, url: report.url }, `${this.workers} workers serving ${report.url}`);
    }
  }

  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const state = this.live.get(worker.id);
    this.live.delete(worker.id);
    if (this.stopping) {
      if (this.live.size === 0) this.finish();
      return;
    }
    const pid = worker.process.pid;
    const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
    // It never served, so no request killed it: the module or its startup failed (a syntax
    // error, a throw at import, a startup hook), as it would in every new worker. As gunicorn.
    if (state?.listeningAt == null) {
      return this.giveUp(`worker ${pid} could not start the app (${how}; its error is above): stopping instead of starting workers that would fail the same way`);
    }
    const uptime = Date.now() - state.listeningAt;
    const delay = this.backoff.next(uptime);
    this.log.warn({ pid, code, signal, uptime, delay }, `worker ${pid} died (${how}) after serving for ${(uptime / 1000).toFixed(1)} s; starting a new one in ${delay} ms`);
    const restart = setTimeout(() => {
      this.restarts.delete(restart);
      this.fork();
    }, delay);
    this.restarts.add(restart);
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.stopping) {
      this.log.warn({ signal }, `${signal} again: killing the workers without waiting`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      void exitAfterFlush(this.log, 1);
      return;
    }
    this.log.info({ signal }, `${signal} received: stopping ${this.live.size} workers gracefully`);
    this.stop(0);
  }

  private giveUp(message: string): void {
    this.log.error(message);
    this.stop(1);
  }

  /** Each worker closes its App (drains requests) on SIGTERM and exits; past the deadline, SIGKILL. */
  private stop(exitCode: number): void {
    this.stopping = true;
    this.exitCode = exitCode;
    for (const restart of this.restarts) clearTimeout(restart);
    this.restarts.clear();
    if (this.live.size === 0) return this.finish();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    const ms = 2 * this.closeTimeout + STOP_MARGIN_MS;
    this.deadline = setTimeout(() => {
      this.log.error(`${this.live.size} workers still running ${ms} ms after SIGTERM: killing them`);
      this.exitCode = 1;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, ms);
  }

  private finish(): void {
    clearTimeout(this.deadline);
    void exitAfterFlush(this.log, this.exitCode);
  }
}
