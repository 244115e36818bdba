/** The first replacement waits this long: a worker that dies now and then is back almost at once. */
export const FIRST_RESTART_DELAY_MS = 100;
/** Doubling stops here: a worker killed over and over is still back within this. */
export const MAX_RESTART_DELAY_MS = 5000;
/** A worker that served this long before it died was not part of a run of crashes: the delay starts over. */
export const STABLE_UPTIME_MS = 10_000;

/**
 * How long the `--workers` primary waits before replacing a worker that served and then died.
 * Requests that crash workers can come faster than a worker boots; without a wait, each crash
 * would cost a fork and a module load at once, and the primary would spend the machine on them.
 */
export class RestartBackoff {
  private delay = FIRST_RESTART_DELAY_MS;

  /** The wait before replacing a worker that died after serving for `uptimeMs`. */
  next(uptimeMs: number): number {
    if (uptimeMs >= STABLE_UPTIME_MS) this.delay = FIRST_RESTART_DELAY_MS;
    const delay = this.delay;
    this.delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    return delay;
  }
}
