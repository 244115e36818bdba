/**
 * The few parts of Bun's own server API the native front door uses, typed here so loopwise's
 * published declarations do not depend on `bun-types` (a Node project has none). Only what
 * src/server/bun-*.ts call; see https://bun.sh/docs/api/http.
 */
export interface BunServeOptions {
  port: number;
  hostname: string;
  fetch(request: Request, server: BunServerHandle): Response | Promise<Response>;
  /**
   * Bun's own router: path → method → handler, matched before `fetch` (which gets what none takes,
   * or a method a path has no handler for). A `:name` segment's decoded value is in `request.params`.
   */
  routes?: Record<string, Record<string, BunRouteHandler>>;
  /** A throw from `fetch` (loopwise catches its own: this is the last resort) becomes this answer. */
  error?(error: Error): Response | Promise<Response>;
  /** Largest request body Bun reads, in bytes (routes' own `bodyLimit`s are checked as the body arrives). */
  maxRequestBodySize?: number;
  /** Several processes may bind the port (SO_REUSEPORT), as cluster workers do. */
  reusePort?: boolean;
  /** Seconds an idle connection stays open (Bun: 0–255). */
  idleTimeout?: number;
  /** Bun answers a request whose HTTP it refuses itself; loopwise's detail is not reachable there. */
  development?: boolean;
}

export type BunRouteHandler = (request: Request & { params?: Record<string, string> }, server: BunServerHandle) => Response | Promise<Response>;

export interface BunServerHandle {
  readonly port: number;
  readonly hostname: string;
  /** Stops accepting connections; with `true`, also cuts the open ones. Resolves once they are closed. */
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  requestIP(request: Request): { address: string; family: string; port: number } | null;
  /** Sets one request's idle timeout in seconds; 0 turns it off. */
  timeout?(request: Request, seconds: number): void;
  /** Requests in flight. */
  readonly pendingRequests: number;
}

interface BunGlobal {
  serve(options: BunServeOptions): BunServerHandle;
  readonly version: string;
  /** Drops JavaScriptCore's compiled code and collects the heap once the loop is idle (not in bun-types; absent in some Bun). */
  shrink?(): void;
}

/** The running Bun, or null on Node. */
export function bunRuntime(): BunGlobal | null {
  return (globalThis as { Bun?: BunGlobal }).Bun ?? null;
}

// On globalThis under a registered symbol: once per process, even with two copies of loopwise (or a
// test runner that loads each test file's modules afresh).
const STARTUP_CODE_DROPPED = Symbol.for('loopwise.startupCodeDropped');

/**
 * Once per process, when the first server opens: asks JavaScriptCore to drop the compiled code of
 * everything run so far (Bun.shrink(), where this Bun has it). What ran at startup (module bodies,
 * route compilation, the schema compilers) never runs again, yet every garbage collection walks each
 * function's compiled code: the bench app kept ~1,500 such code blocks, which made every request
 * 2–6% dearer in CPU (bench/RESULTS.md). Functions that run again compile again on their next call.
 * JavaScriptCore does it as soon as this turn of the loop ends (one full collection, ~25 ms for the
 * bench app): the promise settles after it, so the caller can start the loop guard once it is done,
 * and the guard never times it as a stall. Once only: a later server (tests open hundreds) finds
 * little to drop.
 */
export async function dropStartupCode(): Promise<void> {
  const scope = globalThis as { [STARTUP_CODE_DROPPED]?: true };
  if (scope[STARTUP_CODE_DROPPED] === true) return;
  scope[STARTUP_CODE_DROPPED] = true;
  const bun = bunRuntime();
  if (typeof bun?.shrink !== 'function') return;
  bun.shrink();
  await new Promise((resolve) => setImmediate(resolve));
}
