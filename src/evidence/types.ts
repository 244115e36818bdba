// The evidence `loopwise bench` gathers: one RunResult per route and concurrency level, plus the
// server's event-loop delay over time. The terminal table, --json and the HTML report all read this.

/** How a route handles its work, as the app declares it (or as the run reveals it). */
export type RoutePattern = 'async' | 'offloaded' | 'blocking-inline';

export interface RunResult {
  /** "GET /json": method and path pattern. */
  route: string;
  /** The URL that was loaded (with parameters filled in). */
  url: string;
  pattern: RoutePattern;
  /** Concurrent connections. */
  concurrency: number;
  durationSeconds: number;
  /** Responses received (any status). */
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Non-2xx responses plus socket errors. */
  errors: number;
  timeouts: number;
  /** The server's largest event-loop delay during the run, from its loop guard; null if unknown. */
  loopDelayMaxMs: number | null;
  /** Time the server's loop guard attributed to this route as blocking, during the run; null if unknown. */
  blockedMs: number | null;
  /** 'blocking' when the run shows the route holds the event loop. */
  verdict: 'ok' | 'blocking';
}

export interface LoopDelayPoint {
  /** Seconds since the bench started. */
  t: number;
  delayMaxMs: number;
}

export interface EvidenceReport {
  startedAt: string;
  machine: { node: string; cpu: string; cores: number; platform: string };
  /** The app module or URL that was loaded. */
  target: string;
  runs: RunResult[];
  loopDelay: LoopDelayPoint[];
}
