// The evidence `loopwise bench` gathers: one RunResult per route and concurrency level, plus the
// server's event-loop delay over time. The terminal table, --json and the HTML report all read this.

/** How a route handles its work, as the app declares it (or as the run reveals it). */
export type RoutePattern = 'async' | 'offloaded' | 'blocking-inline';

/**
 * - ok: answered, mostly 2xx/3xx, and never named as blocking.
 * - blocking: the loop guard named the route holding the loop, more than once in the run.
 * - inconclusive: the run cannot say (nothing answered, mostly errors, load shed, or blocking seen once);
 *   `verdictNote` says why and what to do.
 */
export type Verdict = 'ok' | 'blocking' | 'inconclusive';

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
  /** Responses by status code: { "200": 981, "401": 12, "503": 7 }. Sums to `requests`. */
  statuses: Record<string, number>;
  /** Non-2xx responses plus socket errors (not timeouts). */
  errors: number;
  /** Requests that got no answer within the load generator's timeout. */
  timeouts: number;
  /** Connections that failed (refused, reset, closed mid-response). */
  socketErrors: number;
  /** The server's largest event-loop delay during the run, from its loop guard; null if unknown. */
  loopDelayMaxMs: number | null;
  /** Time the server's loop guard attributed to this route as blocking, during the run; null if unknown. */
  blockedMs: number | null;
  /** How many separate stalls the guard named this route for during the run; null if unknown. */
  blockedCount: number | null;
  verdict: Verdict;
  /** Why the verdict is what it is, when that is not obvious: "97% 401: pass --header 'Authorization: …'". */
  verdictNote?: string;
  /** When the run started and ended, seconds since the report's start (the loop-delay chart's clock). */
  startedAtSeconds?: number;
  endedAtSeconds?: number;
  /** Milliseconds the guard saw the host starve the server during this run (its share of the report's hostStarvedMs); null if unknown. */
  hostStarvedMs?: number | null;
}

export interface LoopDelayPoint {
  /** Seconds since the bench started. */
  t: number;
  delayMaxMs: number;
}

export interface SkippedRoute {
  /** "GET /events", "GET /health". */
  route: string;
  /** "server-sent events: a stream, not a request/response route", "built-in health check". */
  reason: string;
}

export interface EvidenceReport {
  startedAt: string;
  /**
   * Where the bench ran (with an app module, the app too). `node` is process.version, which Bun
   * also sets (to the Node release it matches); `runtime` tells them apart: "Bun 1.4.5",
   * "Node 20.19.0" (absent in reports made before it was added: Node).
   */
  machine: { node: string; runtime?: string; cpu: string; cores: number; platform: string };
  /** The app module or URL that was loaded. */
  target: string;
  runs: RunResult[];
  loopDelay: LoopDelayPoint[];
  /** Routes the bench did not load, and why. */
  skipped?: SkippedRoute[];
  /**
   * Milliseconds the server's loop guard saw the host starve the process (other processes had its
   * core) during the bench; null if unknown. Past a few hundred ms the verdicts are less certain.
   */
  hostStarvedMs?: number | null;
  /** A short paragraph for the top of the report: what was measured and what the verdicts mean. */
  summary?: string;
}
