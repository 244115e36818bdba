import type { Redis } from 'ioredis';

/** How often a Redis that stopped answering is asked again (ms). */
const PROBE_INTERVAL = 1_000;

/**
 * Whether a Redis connection is usable, for /ready and for refusing work at once. ioredis's
 * status says 'ready' as long as the TCP connection is open, which a hung server (paused,
 * swapping, stuck in a slow command) keeps: a command that timed out marks it unresponsive, and a
 * PING every second (bounded by `timeout`) marks it healthy again.
 */
export class RedisHealth {
  private unresponsive = false;
  private probe: NodeJS.Timeout | null = null;

  constructor(
    private readonly connection: Redis,
    private readonly timeout: number,
  ) {}

  get ok(): boolean {
    return !this.unresponsive && this.connection.status === 'ready';
  }

  /** A command did not answer within its time: unresponsive until a PING does. */
  timedOut(): void {
    this.unresponsive = true;
    if (this.probe !== null) return;
    const ask = () => {
      this.probe = setTimeout(() => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no PONG')), this.timeout)));
        Promise.race([this.connection.ping(), late])
          .then(() => {
            this.unresponsive = false;
            this.probe = null;
          }, ask)
          .finally(() => clearTimeout(timer));
      }, PROBE_INTERVAL);
      this.probe.unref();
    };
    ask();
  }

  stop(): void {
    if (this.probe !== null) clearTimeout(this.probe);
    this.probe = null;
  }
}
