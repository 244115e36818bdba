import { LoopwiseError } from './errors.js';
import type { LoopGuardOptions } from './guard/loop-guard.js';
import type { AppMetricsOptions } from './metrics/app-metrics.js';
import type { LoggerSetting } from './logger.js';
import { callerModuleUrl, toFileUrl } from './offload/module-url.js';
import type { OffloadOptions } from './offload/pool.js';
import type { OpenApiOptions } from './openapi/openapi-options.js';
import type { MultipartOptions } from './forms/multipart-options.js';
import type { Dependency } from './deps/dependency.js';
import type { LifespanFunction } from './lifespan.js';
import type { RedisConfig } from './redis/redis-config.js';
import { validationLimits, type ValidationLimitOptions, type ValidationLimits } from './schema/validation-limits.js';
import { serverLimits, type ServerLimitOptions, type ServerLimits } from './server/server-options.js';
import type { TrustProxy } from './proxy/proxy-options.js';
import type { BullmqConfig, QueueOffload } from './queue/bullmq-config.js';

export interface AppOptions extends ServerLimitOptions {
  /** Shown in the OpenAPI document and docs pages. */
  title?: string;
  version?: string;
  description?: string;
  /**
   * The app's pino logger (docs/logging.md): `true` (default) writes JSON lines to stdout at
   * LOG_LEVEL (default `info`), pretty lines in dev mode (LOOPWISE_DEV=1) or with
   * LOOPWISE_LOG_FORMAT=pretty; `false` is silent; or pino options (`{ level: 'debug' }`) or a
   * pino instance of your own, used as given.
   */
  logger?: LoggerSetting;
  /**
   * One `info` line per request once its response is finished (or its connection closed first):
   * method, path without the query string, route (`GET /items/:id`), status, duration in ms, request id
   * (docs/logging.md). Default off, as the hot path is then untouched; on with
   * LOOPWISE_ACCESS_LOG=1 (set by `loopwise run`) or in dev mode (LOOPWISE_DEV=1).
   */
  accessLog?: boolean;
  /** Largest request body in bytes; larger ones get 413. Default 1 MiB. Multipart bodies have `multipart.maxBodySize` instead. */
  bodyLimit?: number;
  /** Limits and storage for `multipart/form-data` bodies (file uploads), for every route; a route's own `multipart` wins. See docs/forms.md. */
  multipart?: MultipartOptions;
  /**
   * How much a 422 says, per request part: at most `maxIssues` issues (default 100), then one
   * `too_many_errors` entry; each `input` cut to about `maxInputLength` characters (default 256).
   * See docs/errors.md.
   */
  validation?: ValidationLimitOptions;
  /** Longest path parameter in characters; longer ones get 414. Default 100 (as Fastify). */
  maxParamLength?: number;
  /**
   * A request whose path matches no route, where the same path with its trailing slash added (or
   * removed) does, is answered 307 with `Location` set to that path, its query string kept:
   * `/items` → `/items/` when only `/items/` is a route (Starlette's `redirect_slashes`, FastAPI's
   * default). HTTP only: a WebSocket handshake is never redirected. Default true; `false` answers 404.
   */
  redirectSlashes?: boolean;
  /** How long `close()` waits for in-flight requests before cutting connections, in ms. Default 10 s. */
  closeTimeout?: number;
  /**
   * The queue of durable jobs (`background.enqueue(task, ...args)`, durableTask()): `jobs:
   * bullmq(redis(url))`. Stored in Redis, run by `loopwise worker` (docs/scaling-out.md). Default none.
   */
  jobs?: BullmqConfig;
  /** Offload every route (that does not say otherwise), as a Router's `offload`: `true` (worker threads) or `{ queue }` (`loopwise worker`). */
  offload?: boolean | QueueOffload;
  /**
   * Default per-route timeout in ms (504 past it). Without one, inline routes have none and
   * offloaded routes get 30 s, since a stuck worker holds a pool slot (see docs/offload.md).
   */
  timeout?: number;
  /**
   * Pydantic's strict mode for every route's JSON body, as a Router's `strict` (a route's own wins):
   * no `"50.5"` → 50.5 conversion. Default false (lax, as FastAPI). See docs/errors.md.
   */
  strict?: boolean;
  /** The worker pool for `offload: true` routes and task()s: threads, queue, idle timeout. */
  pool?: OffloadOptions;
  /**
   * The module worker threads import to find these routes: pass `import.meta.url`. Default: the
   * module that called `new App()`, which is right unless the App is built by a helper elsewhere.
   */
  module?: string;
  /** The loop guard: stall attribution, load shedding, Server-Timing (docs/loop-guard.md). On by default. */
  guard?: LoopGuardOptions;
  /**
   * Adds `GET /health` (liveness: 200 while the process serves) and `GET /ready` (readiness: 503
   * while shedding load or shutting down). Both answer even while the server sheds. Default false.
   */
  health?: boolean;
  /**
   * Adds `GET /metrics` in Prometheus text format: requests and latency per route, event-loop
   * delay and utilization, blocked time per route, the offload pool, shed requests, process
   * metrics. `true` or prom-client options (`prefix`, `defaultMetrics`). Default false; true in
   * dev mode (LOOPWISE_DEV=1).
   */
  metrics?: boolean | AppMetricsOptions;
  /**
   * The OpenAPI 3.1 document at `/openapi.json`, Swagger UI at `/docs` and ReDoc at `/redoc`, all
   * served from installed packages (no CDN). Paths, servers, tag descriptions; `false` turns all off.
   */
  openapi?: OpenApiOptions | false;
  /** Dependencies run before every route's handler, for their effect (FastAPI's app-level `dependencies`). */
  dependencies?: Dependency<unknown>[];
  /**
   * Startup and shutdown in one function (FastAPI's `lifespan`): a generator that sets things up,
   * yields what goes in `app.state` (or nothing), and tears down after the yield when the app closes.
   * Runs before the first request; its failure makes `listen()` fail.
   */
  lifespan?: LifespanFunction;
  /**
   * Behind a proxy (docs/behind-a-proxy.md). `rootPath`: the path prefix the proxy strips before
   * forwarding (FastAPI's `root_path`): the OpenAPI document lists it in `servers`, the docs pages
   * load `<rootPath>/openapi.json`, and trailing-slash redirects carry it. `trustProxy`: which
   * peers' X-Forwarded-For/-Proto/-Host/-Prefix to believe (uvicorn's `--forwarded-allow-ips`):
   * `true`, a hop count, or addresses/CIDRs (`['loopback', '10.0.0.0/8']`). Default: none, and
   * forwarded headers are ignored, so a client cannot claim another IP.
   */
  rootPath?: string;
  trustProxy?: TrustProxy;
  /**
   * Where `app.channel()` messages travel (docs/channels.md). Default: within this process (the main
   * thread and its offload threads, through BroadcastChannel). `redis(url)`: through Redis pub/sub,
   * so they reach every `--workers` process and machine that uses the same Redis.
   */
  pubsub?: RedisConfig;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
export const DEFAULT_MAX_PARAM_LENGTH = 100;
export const DEFAULT_CLOSE_TIMEOUT = 10_000;
export const DEFAULT_OFFLOAD_TIMEOUT = 30_000;

/** The options the request pipeline and the server read, with their defaults applied and checked once. */
export interface AppSettings {
  bodyLimit: number;
  maxParamLength: number;
  redirectSlashes: boolean;
  closeTimeout: number;
  multipart: MultipartOptions | undefined;
  validation: ValidationLimits;
  /** Timeouts and the header size limit of the server listen() opens (src/server/server-options.ts). */
  limits: ServerLimits;
}

export function appSettings(options: AppOptions): AppSettings {
  return {
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    maxParamLength: options.maxParamLength ?? DEFAULT_MAX_PARAM_LENGTH,
    redirectSlashes: trueOrFalse(options.redirectSlashes ?? true, 'redirectSlashes'),
    closeTimeout: options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
    multipart: options.multipart,
    validation: validationLimits(options.validation),
    limits: serverLimits(options),
  };
}

/** A switch: a truthy string such as "false" would silently turn it on. */
function trueOrFalse(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${name} must be true or false, not ${typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? 'an object' : String(value)}.`);
}

/**
 * The module worker threads import to find the app: the `module` option, else the module that
 * called `new App()` (read from the stack, past loopwise's own frames); null when there is none.
 */
export function appModule(option: string | undefined): string | null {
  if (option === undefined) return callerModuleUrl();
  const url = toFileUrl(option);
  if (url === null) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `module must be the app module's file URL (import.meta.url), not ${JSON.stringify(option)}.`);
  }
  return url;
}
