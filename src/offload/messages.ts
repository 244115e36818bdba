import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ValidationIssue } from '../schema/validation-issue.js';
import type { ClientInfo } from '../proxy/forwarded.js';

/** What each worker thread is started with (its workerData). */
export interface WorkerSetup {
  /** The app module's file URL, or null for a pool that only runs task()s. */
  module: string | null;
  /** Which of the Apps that module creates (usually 0: the only one). */
  ordinal: number;
  /** The main thread loaded TypeScript through tsx on a Node that does not pass its hooks to workers. */
  registerTsx: boolean;
  /** Where each worker adds what its calls did with their time (src/offload/call-usage.ts). */
  usage: SharedArrayBuffer;
}

/** A validated request, as the main thread hands it to a worker: only plain, cloneable data. */
export interface RouteCall {
  kind: 'route';
  /** "GET /items/:id": the route as registered, so the worker finds the same handler. */
  route: string;
  method: string;
  url: string;
  httpVersion: string;
  headers: IncomingHttpHeaders;
  /** The client's address, scheme and host, worked out on the main thread (socket, trustProxy). */
  client: ClientInfo;
  params: Record<string, unknown>;
  rawQuery: string;
  /** Parsed and coerced by the main thread when the route declares them; the worker reuses them. */
  query: unknown;
  cookies: unknown;
  declaredHeaders: Record<string, unknown> | undefined;
  /** The validated headers dependencies read (the route's and theirs), when any were declared. */
  validHeaders: Record<string, unknown> | undefined;
  body: unknown;
  /** When the main thread handed it over (ms since the epoch, sub-ms: timeOrigin + now, same clock on every thread). */
  queuedAt: number;
  /** Past this wait for the pool to let it run, the request gets 503 instead of running late (src/offload/pool.ts). */
  maxQueueWait: number;
  /** Time the worker's phases for Server-Timing. */
  timed: boolean;
  /** The request's id (requestId() middleware or access log), for the handler's `log`. */
  reqId: string | undefined;
  /**
   * The main thread's dependency overrides, once any was set: the worker applies them when their
   * version is not the one it has (src/offload/override-sync.ts). Absent when none was ever set.
   */
  overrides?: OverridesMessage;
  /** Set only for a request that failed validation: the worker runs the route's dependencies, then answers 422 (Runner.withIssues). */
  issues?: ValidationIssue[];
}

/**
 * The overrides that reach offloaded routes, as data: each original by its place among the
 * dependencies the offloaded routes use (src/offload/override-targets.ts), each replacement by
 * the module that exports it and its export name.
 */
export interface OverridesMessage {
  version: number;
  entries: { index: number; original: string; module: string; export: string }[];
}

export interface TaskCall {
  kind: 'task';
  module: string;
  index: number;
  /** The function's name when it was wrapped: a check that the worker found the same one. */
  name: string;
  args: unknown[];
}

/** Sent once when a pool starts, so a module that fails to load fails at startup, not on a request. */
export interface PingCall {
  kind: 'ping';
}

/** A durable job's run (`loopwise worker`): the task is found by its name, its arguments are JSON. */
export interface DurableCall {
  kind: 'durable';
  name: string;
  args: unknown[];
}

export type WorkerCall = RouteCall | TaskCall | DurableCall | PingCall;

/** A route's response, recorded on the worker and replayed on the real socket by the main thread. */
export interface RecordedResponse {
  status: number;
  headers: OutgoingHttpHeaders | undefined;
  body: string | Uint8Array | undefined;
  /** The handler failed after it had started a response: the connection is cut, as inline. */
  destroyed: boolean;
  /** Set instead of a response when the call waited longer than maxQueueWait: ms it waited. */
  late?: number;
  /** The worker's phases, when timed. */
  timing?: { queue: number; dependencies: number; handler: number; serialize: number };
  /** The unhandled error behind a 500, for a test client that raises it (src/pipeline/server-errors.ts). */
  error?: SerializedError;
}

/** A task's outcome. Errors travel as data, so an HTTPException keeps its status across threads. */
export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  statusCode?: number;
  detail?: unknown;
  headers?: Record<string, string>;
  /** A LoopwiseError's code. */
  code?: string;
}

