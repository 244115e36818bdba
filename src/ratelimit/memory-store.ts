import type { RateLimitStore, WindowCount } from './store.js';

interface Window {
  count: number;
  endsAt: number;
}

/**
 * Fixed windows in this process's memory, for one process (and one thread) only: a second
 * instance counts on its own (docs/rate-limiting.md). Bounded: at most `maxKeys` keys. Every
 * window has the same length, so the Map's insertion order (a key is re-inserted when its window
 * starts again) is also the order in which windows end: expired keys are always at the front,
 * and dropping from the front drops the expired ones first, then the oldest live one.
 */
export class MemoryStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keys held now (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  hit(key: string): WindowCount {
    const now = this.now();
    this.dropExpired(now);
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      if (window !== undefined) this.windows.delete(key);
      // Full of live windows (many clients, or one rotating addresses): the oldest gives way.
      if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
      window = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return { count: window.count, resetMs: window.endsAt - now };
  }

  async close(): Promise<void> {
    this.windows.clear();
  }

  // Amortised O(1): each key is dropped once, and the loop stops at the first live window.
  private dropExpired(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt > now) return;
      this.windows.delete(key);
    }
  }
}
