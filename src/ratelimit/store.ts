/** One hit counted in a fixed window: how many hits the key has had in it, and when it ends. */
export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends and the count starts again from zero. */
  resetMs: number;
}

/**
 * Where a limiter keeps its counts. The memory store answers at once; the Redis store answers
 * with a promise, and rejects (never hangs: its commands have a timeout) when Redis is away.
 */
export interface RateLimitStore {
  hit(key: string): WindowCount | Promise<WindowCount>;
  /** Releases what the store holds (a Redis connection); the memory store has nothing to release. */
  close(): Promise<void>;
}
