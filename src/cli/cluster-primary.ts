import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { DEFAULT_CLOSE_TIMEOUT } from '../app.js';
import { createLogger } from '../logger.js';
import { exitAfterFlush } from '../logger.js';
import type { ListeningReport } from './serve-app.js';

/** A worker that dies before it serves, or this soon after, did not really start. */
const QUICK_DEATH_MS = 1000;
/** This many quick deaths in a row is a crash loop: the primary stops rather than spin. */
const CRASH_LOOP = 5;
/** close() may take closeTimeout for requests, again for background tasks, then this for the rest. */
const STOP_MARGIN_MS = 5000;

/**
 * `loopwise run --workers N`: this process only forks N workers (each loads the app and listens;
 * node:cluster shares the port between them), restarts the ones that die, and stops them all
 * gracefully on SIGTERM/SIGINT. It never loads the app itself.
 */
export function runPrimary(workers: number): Promise<never> {
  const primary = new Primary(workers, createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'loopwise' }).log);
  primary.start();
  return new Promise<never>(() => undefined); // ends by process.exit
}

class Primary {
  /** The live workers, by cluster id, and when each began to serve. */
  private readonly live = new Map<number, { listeningAt: number | null }>();
  private everServed = false;
  private announced = false;
  private quickDeaths = 0;
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
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal as NodeJS.Signals | null));
    process.on('SIGTERM', (signal) => this.onSignal(signal));
    process.on('SIGINT', (signal) => this.onSignal(signal));
    for (let i = 0; i < this.workers; i++) this.fork();
  }

  private fork(): void {
    // The worker runs this same command line (cluster's default), so it loads TypeScript as we would.
    const worker = cluster.fork();
    this.live.set(worker.id, { listeningAt: null });
  }

  private onMessage(worker: Worker, message: unknown): void {
    if ((message as ListeningReport | null)?.loopwise !== 'listening') return;
    const report = message as ListeningReport;
    const state = this.live.get(worker.id);
    if (state === undefined) return;
    state.listeningAt = Date.now();
    this.everServed = true;
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
    // Before any worker served, every one would fail the same way (a syntax error, a taken port).
    if (!this.everServed) return this.giveUp(`a worker could not start the app (${how}); its error is above`);
    const quick = state?.listeningAt == null || Date.now() - state.listeningAt < QUICK_DEATH_MS;
    this.quickDeaths = quick ? this.quickDeaths + 1 : 0;
    if (this.quickDeaths >= CRASH_LOOP) {
      return this.giveUp(`workers keep dying within ${QUICK_DEATH_MS / 1000} s of starting (${CRASH_LOOP} in a row, the last: worker ${pid}, ${how}); stopping instead of restarting them`);
    }
    this.log.warn({ pid, code, signal }, `worker ${pid} died (${how}); starting a new one`);
    this.fork();
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
